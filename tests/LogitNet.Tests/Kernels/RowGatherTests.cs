using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The training loop's batch copy: on several threads it cuts each row into the K blocks the first
/// layer's product is cut into, or else a large batch into blocks of rows; the batch must be the same
/// either way, and a cut by K must be that product's.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class RowGatherTests
{
    [Theory]
    [InlineData(64, 784, 128, 2)]   // the M model: its forward product is cut into 4 K blocks of 196
    [InlineData(64, 784, 128, 3)]
    [InlineData(64, 784, 128, 8)]
    [InlineData(32, 784, 25, 2)]    // the S model: a one-thread product, so one thread copies
    [InlineData(20, 1000, 77, 4)]   // 4 blocks of 250
    [InlineData(256, 784, 1024, 2)] // the L model: its forward product is cut by columns, so the copy by blocks of rows
    [InlineData(100, 400, 0, 3)]    // blocks of 16 rows, the last short
    [InlineData(7, 13, 128, 2)]     // too small to cut
    [InlineData(9, 17, 0, 1)]       // a group of eight rows and one more; a line and one float per row
    [InlineData(15, 31, 0, 1)]      // rows and lines both short of a whole group
    [InlineData(3, 5, 0, 1)]        // rows shorter than a line
    public void Copy_OnSeveralThreads_GivesTheOneThreadBatch(int rows, int rowLength, int readerColumns, int threads)
    {
        const int DatasetRows = 300;
        float[] dataset = Enumerable.Range(0, DatasetRows * rowLength).Select(i => (float)i).ToArray();
        int[] order = Enumerable.Range(0, DatasetRows).Reverse().Select(i => (i * 7) % DatasetRows).ToArray();
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            int blocks = Gemm.KChunks(rows, readerColumns, rowLength);
            float[] two = Enumerable.Repeat(-1f, rows * rowLength).ToArray();
            RowGather.Copy(dataset, rowLength, order, 5, two, rows, readerColumns);

            Parallelism.MaxThreads = 1;
            float[] one = Enumerable.Repeat(-1f, rows * rowLength).ToArray();
            RowGather.Copy(dataset, rowLength, order, 5, one, rows, readerColumns);

            Assert.Equal(one, two);
            for (int r = 0; r < rows; r++)
            {
                Assert.Equal(dataset.AsSpan(order[5 + r] * rowLength, rowLength).ToArray(), one.AsSpan(r * rowLength, rowLength).ToArray());
            }

            Assert.Equal(rows is 64 or 20 ? 4 : 0, blocks);

            // The copy of rows side by side, against the copy of one row at a time it replaced.
            RowGather.InterleaveRows = false;
            float[] sequential = Enumerable.Repeat(-1f, rows * rowLength).ToArray();
            RowGather.Copy(dataset, rowLength, order, 5, sequential, rows, readerColumns);
            Assert.Equal(sequential, one);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
            RowGather.InterleaveRows = true;
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10)]
    public void Copy_RefusesARowOutsideTheSource_NamingIt(int badRow)
    {
        float[] dataset = new float[10 * 20];
        int[] order = [0, 1, 2, badRow, 4];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RowGather.Copy(dataset, 20, order, 0, new float[5 * 20], 5, 0));
        Assert.Contains($"Row index {badRow} at position 3", e.Message);
    }
}
