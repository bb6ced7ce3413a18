using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// The backward-pass steps every layer with a bias shares (Dense, Conv1D, Conv2D): the bias gradient
/// as column sums of dz, fused with the ReLU's backward pass when there is one, so dz is read once.
/// </summary>
/// <remarks>
/// The column sums add the rows in blocks of <see cref="SumBlockRows"/>: each block's rows in order from
/// zero, then the blocks' sums in order from zero. The order depends on the matrix's shape alone, so a
/// large matrix can be cut into blocks of rows shared with the library's pool and give the bits of one
/// thread (a matrix of at most one block sums its rows in plain order). Blocks of whole rows rather than
/// columns: measured on the 2-core Zen 5 VM (session 22), the L model's two 256 × 1024 passes of a
/// training step took 315–330 µs on the calling thread alone, 274–290 µs cut into two blocks of 512
/// columns (each core read rows of 2 KB with 2 KB gaps, which its prefetchers follow badly), and
/// 153–160 µs cut into blocks of rows without the sums (190–210 µs with them, in a slower phase of the host).
/// With the batch copy's blocks of rows (<see cref="RowGather"/>), L's epoch on two threads took 0.978 of the
/// time of both passes on the calling thread alone (median of 9 alternating epochs of two models).
/// </remarks>
internal static unsafe class BiasGradient
{
    /// <summary>Rows per block of the column sums (see the remarks).</summary>
    internal const int SumBlockRows = 32;

    /// <summary>
    /// Matrices of fewer elements than this take their pass on the calling thread: the M model's 64 × 128 ReLU pass
    /// takes about 3 µs, about what a hand-over to the pool costs.
    /// </summary>
    private const long ParallelElements = 1 << 16;

    /// <summary>The most chunks a pass is cut into.</summary>
    private const int MaxChunks = 64;

    [ThreadStatic]
    private static RowBlocks? t_job;

    /// <summary>
    /// The ReLU's backward pass fused with the bias gradient: dz = dy where y &gt; 0, NaN where y is NaN, else 0;
    /// sums = the column sums of dz in the blocked order of the remarks (bitwise <see cref="ColumnSums"/> of dz,
    /// on any vector width and any thread count).
    /// </summary>
    /// <param name="output">y, the ReLU's output, [rows, columns].</param>
    /// <param name="outputGradient">dy, [rows, columns].</param>
    /// <param name="gradient">dz, [rows, columns]; may be dy itself.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="columns">The columns.</param>
    /// <param name="sums">Σ_r dz[r, ·], or empty to skip.</param>
    public static void ReluBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> gradient,
        int rows, int columns, Span<float> sums)
    {
        long elements = (long)rows * columns;
        if (rows < 0 || columns < 0 || output.Length < elements || outputGradient.Length < elements || gradient.Length < elements
            || (!sums.IsEmpty && sums.Length < columns))
        {
            throw new ArgumentException(
                $"The ReLU's backward pass over [{rows}, {columns}] needs {elements} floats of output, output gradient and gradient, and {columns} sums or none; " +
                $"it was given {output.Length}, {outputGradient.Length}, {gradient.Length} and {sums.Length}.");
        }

        fixed (float* y = output, dy = outputGradient, dz = gradient, s = sums)
        {
            Run(y, dy, dz, rows, columns, s);
        }
    }

    /// <summary>sums = the column sums of a [rows, columns] matrix, in the blocked order of the remarks.</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        if (rows < 0 || columns < 0 || matrix.Length < (long)rows * columns || sums.Length < columns)
        {
            throw new ArgumentException($"Column sums of [{rows}, {columns}] need {(long)rows * columns} floats and {columns} sums; they were given {matrix.Length} and {sums.Length}.");
        }

        fixed (float* m = matrix, s = sums)
        {
            Run(null, null, m, rows, columns, s);
        }
    }

    /// <summary>
    /// One pass in blocks of rows: the ReLU's routing into <paramref name="gradient"/> when <paramref name="output"/> is
    /// not null, and the blocks' column sums when <paramref name="sums"/> is not null. A large matrix is cut into chunks
    /// of whole blocks shared with the pool; a small one, or one the pool cannot take, runs the same chunks here.
    /// </summary>
    private static void Run(float* output, float* outputGradient, float* gradient, int rows, int columns, float* sums)
    {
        RowBlocks job = t_job ??= new RowBlocks();
        job.Set(output, outputGradient, gradient, rows, columns, sums != null);
        int maxThreads = WorkerPool.MaxThreads;
        if (maxThreads < 2 || (long)rows * columns < ParallelElements || job.Count < 2 || !WorkerPool.Shared.TryRun(job, maxThreads))
        {
            for (int chunk = 0; chunk < job.Count; chunk++)
            {
                job.Run(chunk);
            }
        }

        job.AddBlockSums(sums);
    }

    /// <summary>
    /// sums = sums + the rows of <paramref name="matrix"/>, one row after another (an add per element, so the same bits
    /// on every vector width). Its own loop rather than <c>TensorPrimitives.Add</c>, whose generic code starts as tier-0
    /// code in every process: a training step's loops are compiled fully optimized from their first call.
    /// </summary>
    private static void AddRows(float* sums, float* matrix, int rows, int columns)
    {
        switch (Gemm.BestKernel)
        {
            case GemmKernel.Vector512:
                AddRows<GemmVector512, Vector512<float>>(sums, matrix, rows, columns);
                break;
            case GemmKernel.Vector256:
                AddRows<GemmVector256, Vector256<float>>(sums, matrix, rows, columns);
                break;
            case GemmKernel.Vector128:
                AddRows<GemmVector128, Vector128<float>>(sums, matrix, rows, columns);
                break;
            default:
                AddRows<GemmScalar, float>(sums, matrix, rows, columns);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRows<TOps, TVec>(float* sums, float* matrix, int rows, int columns)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = matrix + (nint)r * columns;
            int j = 0;
            for (; j <= columns - TOps.Width; j += TOps.Width)
            {
                TOps.Store(sums + j, TOps.Add(TOps.Load(sums + j), TOps.Load(row + j)));
            }

            for (; j < columns; j++)
            {
                sums[j] += row[j];
            }
        }
    }

    /// <summary>
    /// dz of <paramref name="rows"/> rows when <paramref name="output"/> is not null (else <paramref name="gradient"/> is dz
    /// already), and when <paramref name="partial"/> is not null their column sums from zero, rows in order.
    /// </summary>
    private static void BlockRows(float* output, float* outputGradient, float* gradient, int rows, int columns, float* partial)
    {
        if (output != null)
        {
            // The widest vectors the CPU runs: the same selects on every width, so the same bits.
            switch (Gemm.BestKernel)
            {
                case GemmKernel.Vector512:
                    Route<GemmVector512, Vector512<float>>(output, outputGradient, gradient, rows, columns);
                    break;
                case GemmKernel.Vector256:
                    Route<GemmVector256, Vector256<float>>(output, outputGradient, gradient, rows, columns);
                    break;
                case GemmKernel.Vector128:
                    Route<GemmVector128, Vector128<float>>(output, outputGradient, gradient, rows, columns);
                    break;
                default:
                    Route<GemmScalar, float>(output, outputGradient, gradient, rows, columns);
                    break;
            }
        }

        if (partial != null)
        {
            // A second pass over the block's dz, from the L2: added into the sums while routing, each store of a sum
            // waited on that row's loads from memory, and the stores held up the loads of the rows after (the L model's
            // 256 × 1024 pass on two threads took 230-270 µs a step with the sums and 155-170 without).
            new Span<float>(partial, columns).Clear();
            AddRows(partial, gradient, rows, columns);
        }
    }

    /// <summary>dz of <paramref name="rows"/> rows: whole vectors, then each row's last elements one at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Route<TOps, TVec>(float* output, float* outputGradient, float* gradient, int rows, int columns)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        for (int r = 0; r < rows; r++)
        {
            nint start = (nint)r * columns;
            float* y = output + start, dy = outputGradient + start, dz = gradient + start;
            int j = 0;
            for (; j <= columns - TOps.Width; j += TOps.Width)
            {
                TOps.Store(dz + j, TOps.ReluBackward(TOps.Load(y + j), TOps.Load(dy + j)));
            }

            for (; j < columns; j++)
            {
                dz[j] = Gemm.ReluBackward(y[j], dy[j]);
            }
        }
    }

    /// <summary>
    /// One pass of <see cref="Run"/> cut into chunks of whole blocks of rows, at most <see cref="MaxChunks"/> (reused;
    /// its buffer of block sums grows once, so a warm training step allocates nothing), as raw pointers the pool's
    /// threads can use; the caller then adds the block sums in order.
    /// </summary>
    private sealed class RowBlocks : IParallelJob
    {
        private float* _output, _outputGradient, _gradient, _blockSums;
        private readonly PinnedBuffer _blockSumsBuffer = new();
        private int _rows, _columns, _chunkRows, _blocks;

        public int Count { get; private set; }

        public void Set(float* output, float* outputGradient, float* gradient, int rows, int columns, bool summing)
        {
            _output = output;
            _outputGradient = outputGradient;
            _gradient = gradient;
            _rows = rows;
            _columns = columns;
            _chunkRows = Gemm.RoundUp(Gemm.CeilDiv(Math.Max(rows, 1), MaxChunks), SumBlockRows);
            _blocks = Gemm.CeilDiv(rows, SumBlockRows);
            _blockSums = null;
            if (summing && _blocks > 0)
            {
                _blockSums = _blockSumsBuffer.AtLeast((long)_blocks * columns);
            }

            Count = Gemm.CeilDiv(rows, _chunkRows);
        }

        public void Run(int index)
        {
            int end = Math.Min(_rows, (index + 1) * _chunkRows);
            for (int r0 = index * _chunkRows; r0 < end; r0 += SumBlockRows)
            {
                nint offset = (nint)r0 * _columns;
                float* blockSum = _blockSums == null ? null : _blockSums + (nint)(r0 / SumBlockRows) * _columns;
                BlockRows(_output == null ? null : _output + offset, _outputGradient == null ? null : _outputGradient + offset, _gradient + offset,
                    Math.Min(SumBlockRows, end - r0), _columns, blockSum);
            }
        }

        /// <summary>sums = the block sums added in block order from zero (zero for no rows); nothing when <paramref name="sums"/> is null.</summary>
        public void AddBlockSums(float* sums)
        {
            if (sums == null)
            {
                return;
            }

            new Span<float>(sums, _columns).Clear();
            AddRows(sums, _blockSums, _blocks, _columns);
        }
    }
}
