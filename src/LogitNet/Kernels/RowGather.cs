namespace LogitNet.Kernels;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows: a training batch drawn from
/// the dataset in shuffled order. On two threads when the product that reads the batch next cuts
/// its columns between them (<see cref="Gemm.WorkerKStart"/>): each thread copies the columns it
/// reads, so they are written into the cache of the core that uses them.
/// </summary>
internal static unsafe class RowGather
{
    private static readonly Halves s_halves = new();

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
        ReadOnlySpan<int> chosen = order.Slice(start, rows);
        int cut = readerColumns > 0 ? Gemm.WorkerKStart(rows, readerColumns, rowLength) : 0;
        ParallelWorker worker = ParallelWorker.Shared;
        if (cut == 0 || !worker.TryEnter())
        {
            CopyColumns(source, rowLength, chosen, destination, 0, rowLength);
            return;
        }

        try
        {
            fixed (float* from = source, to = destination)
            fixed (int* indices = chosen)
            {
                Halves job = s_halves;
                job.Set(from, source.Length, to, indices, rows, rowLength, cut);
                worker.Run(job);
            }
        }
        finally
        {
            worker.Exit();
        }
    }

    private static void CopyColumns(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> chosen, Span<float> destination, int from, int to)
    {
        for (int r = 0; r < chosen.Length; r++)
        {
            source.Slice(chosen[r] * rowLength + from, to - from).CopyTo(destination.Slice(r * rowLength + from, to - from));
        }
    }

    /// <summary>The columns before the cut (the caller's) and from it (the worker's), as raw pointers the worker can use.</summary>
    private sealed class Halves : IParallelJob
    {
        private float* _source;
        private int _sourceLength;
        private float* _destination;
        private int* _order;
        private int _rows;
        private int _rowLength;
        private int _cut;

        public int Count => 2;

        public void Set(float* source, int sourceLength, float* destination, int* order, int rows, int rowLength, int cut)
        {
            _source = source;
            _sourceLength = sourceLength;
            _destination = destination;
            _order = order;
            _rows = rows;
            _rowLength = rowLength;
            _cut = cut;
        }

        public void Run(int index)
        {
            int from = index == 0 ? 0 : _cut, to = index == 0 ? _cut : _rowLength;
            CopyColumns(new ReadOnlySpan<float>(_source, _sourceLength), _rowLength, new ReadOnlySpan<int>(_order, _rows),
                new Span<float>(_destination, _rows * _rowLength), from, to);
        }
    }
}
