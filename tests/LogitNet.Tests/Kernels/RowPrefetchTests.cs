namespace LogitNet.Tests.Kernels;

/// <summary>The training loop's prefetch hint: it must tolerate every index the loop can hand it.</summary>
public class RowPrefetchTests
{
    [Fact]
    public void Rows_SkipsIndicesOutsideTheMatrix_AndRangesPastTheOrder()
    {
        float[] matrix = Enumerable.Range(0, 6 * 40).Select(i => (float)i).ToArray();
        float[] before = (float[])matrix.Clone();
        int[] order = [5, -1, 6, int.MaxValue, 0, 2];

        LogitNet.Kernels.RowPrefetch.Rows(matrix, 40, order, 0, order.Length);
        LogitNet.Kernels.RowPrefetch.Rows(matrix, 40, order, 4, 100);     // runs past the order's end
        LogitNet.Kernels.RowPrefetch.Rows(matrix, 40, order, order.Length, 32); // the last batch: nothing follows
        LogitNet.Kernels.RowPrefetch.Rows(matrix, 40, order, -3, 2);
        LogitNet.Kernels.RowPrefetch.Rows(matrix, 0, order, 0, 6);
        LogitNet.Kernels.RowPrefetch.Rows(ReadOnlySpan<float>.Empty, 40, order, 0, 6);

        Assert.Equal(before, matrix);
    }
}
