using System.Runtime.CompilerServices;

namespace LogitNet.Kernels;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows: a training batch drawn from
/// the dataset in shuffled order. On the pool's threads when the product that reads the batch next
/// cuts its K blocks between them (<see cref="Gemm.KChunks"/>): the copy is cut into the same
/// column blocks, so that with the pool's contiguous shares each thread writes the columns it reads,
/// into the cache of the core that uses them.
/// </summary>
internal static unsafe class RowGather
{
    [ThreadStatic]
    private static Blocks? t_blocks;

    /// <summary>
    /// Copies rows <c>order[start .. start + rows)</c> of <paramref name="source"/> into
    /// <paramref name="destination"/>, which holds <paramref name="rows"/> × <paramref name="rowLength"/> floats.
    /// </summary>
    /// <param name="source">The matrix, <paramref name="rowLength"/> floats per row.</param>
    /// <param name="rowLength">Floats per row.</param>
    /// <param name="order">Row indices, each a row of <paramref name="source"/>.</param>
    /// <param name="start">The first entry of <paramref name="order"/> to copy.</param>
    /// <param name="destination">The batch.</param>
    /// <param name="rows">Rows to copy.</param>
    /// <param name="readerColumns">Columns of the product that reads the batch next (a Dense layer's units), or 0.</param>
    public static void Copy(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> order, int start, Span<float> destination, int rows, int readerColumns)
    {
        int maxThreads = WorkerPool.MaxThreads;
        ReadOnlySpan<int> chosen = order.Slice(start, rows);
        int blocks = readerColumns > 0 && maxThreads > 1 ? Gemm.KChunks(rows, readerColumns, rowLength) : 0;
        if (blocks < 2)
        {
            CopyColumns(source, rowLength, chosen, destination, 0, rowLength);
            return;
        }

        fixed (float* from = source, to = destination)
        fixed (int* indices = chosen)
        {
            Blocks job = t_blocks ??= new Blocks();
            job.Set(from, source.Length, to, indices, rows, rowLength, Gemm.KcStep(rowLength), blocks);
            if (!WorkerPool.Shared.TryRun(job, maxThreads))
            {
                CopyColumns(source, rowLength, chosen, destination, 0, rowLength);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyColumns(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> chosen, Span<float> destination, int from, int to)
    {
        for (int r = 0; r < chosen.Length; r++)
        {
            source.Slice(chosen[r] * rowLength + from, to - from).CopyTo(destination.Slice(r * rowLength + from, to - from));
        }
    }

    /// <summary>The product's K blocks of columns, one chunk each, as raw pointers the workers can use.</summary>
    private sealed class Blocks : IParallelJob
    {
        private float* _source;
        private int _sourceLength;
        private float* _destination;
        private int* _order;
        private int _rows;
        private int _rowLength;
        private int _blockColumns;

        public int Count { get; private set; }

        public void Set(float* source, int sourceLength, float* destination, int* order, int rows, int rowLength, int blockColumns, int count)
        {
            _source = source;
            _sourceLength = sourceLength;
            _destination = destination;
            _order = order;
            _rows = rows;
            _rowLength = rowLength;
            _blockColumns = blockColumns;
            Count = count;
        }

        public void Run(int index)
        {
            int from = index * _blockColumns, to = Math.Min(_rowLength, from + _blockColumns);
            CopyColumns(new ReadOnlySpan<float>(_source, _sourceLength), _rowLength, new ReadOnlySpan<int>(_order, _rows),
                new Span<float>(_destination, _rows * _rowLength), from, to);
        }
    }
}
