using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace LogitNet.Kernels;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows: a training batch drawn from
/// the dataset in shuffled order. On the pool's threads when the product that reads the batch next
/// cuts its K blocks between them (<see cref="Gemm.KChunks"/>): the copy is cut into the same
/// column blocks, so that with the pool's contiguous shares each thread writes the columns it reads,
/// into the cache of the core that uses them. Otherwise a large batch is cut into blocks of rows.
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
        CheckRows(source, rowLength, chosen, destination);
        int blocks = readerColumns > 0 && maxThreads > 1 ? Gemm.KChunks(rows, readerColumns, rowLength) : 0;
        bool byRows = blocks < 2 && maxThreads > 1 && (long)rows * rowLength >= ParallelFloats && rows > RowsPerChunk;
        if (blocks < 2 && !byRows)
        {
            CopyColumns(source, rowLength, chosen, destination, 0, rowLength);
            return;
        }

        fixed (float* from = source, to = destination)
        fixed (int* indices = chosen)
        {
            Blocks job = t_blocks ??= new Blocks();
            if (byRows)
            {
                job.SetRows(from, source.Length, to, indices, rows, rowLength);
            }
            else
            {
                job.Set(from, source.Length, to, indices, rows, rowLength, Gemm.KcStep(rowLength), blocks);
            }

            if (!WorkerPool.Shared.TryRun(job, maxThreads))
            {
                CopyColumns(source, rowLength, chosen, destination, 0, rowLength);
            }
        }
    }

    /// <summary>
    /// Checks, once per batch, what the copies below rely on: they run on raw pointers, on the pool's threads too.
    /// </summary>
    private static void CheckRows(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> chosen, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowLength);
        int sourceRows = rowLength == 0 ? int.MaxValue : source.Length / rowLength;
        for (int r = 0; r < chosen.Length; r++)
        {
            if ((uint)chosen[r] >= (uint)sourceRows)
            {
                throw new ArgumentOutOfRangeException(nameof(chosen), chosen[r], $"Row index {chosen[r]} at position {r} is outside the {sourceRows} rows of the source.");
            }
        }

        if ((long)chosen.Length * rowLength > destination.Length)
        {
            throw new ArgumentException($"A destination of {destination.Length} floats cannot take {chosen.Length} rows of {rowLength}.", nameof(destination));
        }
    }

    /// <summary>
    /// A batch of this many floats or more, when no product's K cut decides the columns, is copied in blocks of
    /// <see cref="RowsPerChunk"/> rows shared with the pool: each row is a separate stream from memory, and each
    /// core keeps its own misses in flight. Measured on the 2-core Zen 5 VM (session 22): the L model's 256 rows of
    /// 784 floats took 270–370 µs a step on one thread and 145–175 µs on two; the M model's 64 rows take about 20.
    /// </summary>
    private const long ParallelFloats = 1 << 15;

    /// <summary>Rows per chunk of a batch copied by rows: two groups of <see cref="RowsAtOnce"/>.</summary>
    private const int RowsPerChunk = 2 * RowsAtOnce;

    /// <summary>
    /// Rows copied side by side, one cache line of each in turn. The rows lie at random places in a dataset far
    /// larger than the caches, so each is a separate stream from memory: one row at a time keeps one stream in
    /// flight and waits on each row's first lines, eight at a time keep eight (a few more or fewer measured the same).
    /// </summary>
    private const int RowsAtOnce = 8;

    private const int LineBytes = 64;

    private const int FloatsPerLine = LineBytes / sizeof(float);

    /// <summary>False: one row at a time, as before session 14 (for A/B runs of the benchmark; the bits are the same).</summary>
    internal static bool InterleaveRows = true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyColumns(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> chosen, Span<float> destination, int from, int to)
    {
        if (!InterleaveRows)
        {
            for (int r = 0; r < chosen.Length; r++)
            {
                source.Slice(chosen[r] * rowLength + from, to - from).CopyTo(destination.Slice(r * rowLength + from, to - from));
            }

            return;
        }

        Debug.Assert(0 <= from && from <= to && to <= rowLength, "a column range within the row");
        int lineEnd = from + (to - from) / FloatsPerLine * FloatsPerLine;
        float** rows = stackalloc float*[RowsAtOnce];
        fixed (float* first = source, target = destination)
        {
            for (int r0 = 0; r0 < chosen.Length; r0 += RowsAtOnce)
            {
                int group = Math.Min(RowsAtOnce, chosen.Length - r0);
                for (int r = 0; r < group; r++)
                {
                    rows[r] = first + (nint)chosen[r0 + r] * rowLength;
                }

                float* out0 = target + (nint)r0 * rowLength;
                for (int column = from; column < lineEnd; column += FloatsPerLine)
                {
                    for (int r = 0; r < group; r++)
                    {
                        Unsafe.CopyBlockUnaligned(out0 + (nint)r * rowLength + column, rows[r] + column, LineBytes);
                    }
                }

                for (int r = 0; r < group; r++)
                {
                    for (int column = lineEnd; column < to; column++)
                    {
                        out0[(nint)r * rowLength + column] = rows[r][column];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The product's K blocks of columns, one chunk each, or blocks of <see cref="RowsPerChunk"/> whole rows, as raw
    /// pointers the workers can use.
    /// </summary>
    private sealed class Blocks : IParallelJob
    {
        private bool _byRows;
        private float* _source;
        private int _sourceLength;
        private float* _destination;
        private int* _order;
        private int _rows;
        private int _rowLength;
        private int _blockColumns;

        public int Count { get; private set; }

        /// <summary>The copy cut into <paramref name="count"/> blocks of <paramref name="blockColumns"/> columns.</summary>
        public void Set(float* source, int sourceLength, float* destination, int* order, int rows, int rowLength, int blockColumns, int count)
        {
            Point(source, sourceLength, destination, order, rows, rowLength);
            _blockColumns = blockColumns;
            _byRows = false;
            Count = count;
        }

        /// <summary>The copy cut into blocks of <see cref="RowsPerChunk"/> whole rows.</summary>
        public void SetRows(float* source, int sourceLength, float* destination, int* order, int rows, int rowLength)
        {
            Point(source, sourceLength, destination, order, rows, rowLength);
            _byRows = true;
            Count = Gemm.CeilDiv(rows, RowsPerChunk);
        }

        private void Point(float* source, int sourceLength, float* destination, int* order, int rows, int rowLength)
        {
            _source = source;
            _sourceLength = sourceLength;
            _destination = destination;
            _order = order;
            _rows = rows;
            _rowLength = rowLength;
        }

        public void Run(int index)
        {
            if (_byRows)
            {
                int first = index * RowsPerChunk, count = Math.Min(RowsPerChunk, _rows - first);
                CopyColumns(new ReadOnlySpan<float>(_source, _sourceLength), _rowLength, new ReadOnlySpan<int>(_order + first, count),
                    new Span<float>(_destination + (nint)first * _rowLength, count * _rowLength), 0, _rowLength);
                return;
            }

            int from = index * _blockColumns, to = Math.Min(_rowLength, from + _blockColumns);
            CopyColumns(new ReadOnlySpan<float>(_source, _sourceLength), _rowLength, new ReadOnlySpan<int>(_order, _rows),
                new Span<float>(_destination, _rows * _rowLength), from, to);
        }
    }
}
