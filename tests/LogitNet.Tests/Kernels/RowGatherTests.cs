using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The training loop's batch copy: on two threads it cuts each row where the first layer's product
/// cuts its K blocks; the batch must be the same either way, and the cut must be that product's.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class RowGatherTests
{
    [Theory]
    [InlineData(64, 784, 128)]   // the M model: its forward product is cut by K at column 392
    [InlineData(32, 784, 25)]    // the S model: a one-thread product, so one thread copies
    [InlineData(20, 1000, 77)]   // cut at column 500
    [InlineData(7, 13, 128)]     // too small to cut
    public void Copy_OnTwoThreads_GivesTheOneThreadBatch(int rows, int rowLength, int readerColumns)
    {
        const int DatasetRows = 300;
        float[] dataset = Enumerable.Range(0, DatasetRows * rowLength).Select(i => (float)i).ToArray();
        int[] order = Enumerable.Range(0, DatasetRows).Reverse().Select(i => (i * 7) % DatasetRows).ToArray();
        int saved = ParallelWorker.MaxThreads;
        try
        {
            ParallelWorker.MaxThreads = 2;
            int cut = Gemm.WorkerKStart(rows, readerColumns, rowLength);
            float[] two = Enumerable.Repeat(-1f, rows * rowLength).ToArray();
            RowGather.Copy(dataset, rowLength, order, 5, two, rows, readerColumns);

            ParallelWorker.MaxThreads = 1;
            Assert.Equal(0, Gemm.WorkerKStart(rows, readerColumns, rowLength));
            float[] one = Enumerable.Repeat(-1f, rows * rowLength).ToArray();
            RowGather.Copy(dataset, rowLength, order, 5, one, rows, readerColumns);

            Assert.Equal(one, two);
            for (int r = 0; r < rows; r++)
            {
                Assert.Equal(dataset.AsSpan(order[5 + r] * rowLength, rowLength).ToArray(), one.AsSpan(r * rowLength, rowLength).ToArray());
            }

            Assert.Equal(rows == 64 ? 392 : rows == 20 ? 500 : 0, cut);
        }
        finally
        {
            ParallelWorker.MaxThreads = saved;
        }
    }
}
