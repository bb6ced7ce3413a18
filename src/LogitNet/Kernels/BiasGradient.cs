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
    /// Matrices of fewer elements than this take the ReLU's backward pass on the calling thread: the M model's
    /// 64 × 128 pass takes about 3 µs, about what a hand-over to the pool costs.
    /// </summary>
    private const long ParallelElements = 1 << 16;

    /// <summary>The most chunks a pass is cut into.</summary>
    private const int MaxChunks = 64;

    [ThreadStatic]
    private static ReluRowBlocks? t_job;

    [ThreadStatic]
    private static float[]? t_partial;

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
            int maxThreads = WorkerPool.MaxThreads;
            int chunkRows = RoundUp(CeilDiv(rows, MaxChunks), SumBlockRows);
            if (maxThreads < 2 || elements < ParallelElements || rows <= chunkRows)
            {
                ReluBackwardSerial(y, dy, dz, rows, columns, s);
                return;
            }

            ReluRowBlocks job = t_job ??= new ReluRowBlocks();
            job.Set(y, dy, dz, rows, columns, s != null, chunkRows);
            if (WorkerPool.Shared.TryRun(job, maxThreads))
            {
                job.AddBlockSums(s);
            }
            else
            {
                ReluBackwardSerial(y, dy, dz, rows, columns, s);
            }
        }
    }

    /// <summary>sums = the column sums of a [rows, columns] matrix, in the blocked order of the remarks.</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        if (rows < 0 || columns < 0 || matrix.Length < (long)rows * columns || sums.Length < columns)
        {
            throw new ArgumentException($"Column sums of [{rows}, {columns}] need {(long)rows * columns} floats and {columns} sums; they were given {matrix.Length} and {sums.Length}.");
        }

        fixed (float* m = matrix, s = sums, partial = Partial(columns))
        {
            new Span<float>(s, columns).Clear();
            for (int r0 = 0; r0 < rows; r0 += SumBlockRows)
            {
                SumRows(m + (nint)r0 * columns, Math.Min(SumBlockRows, rows - r0), columns, partial);
                AddTo(s, partial, columns);
            }
        }
    }

    /// <summary>This thread's buffer for one block's sums (grown once, so a warm training step allocates nothing).</summary>
    private static Span<float> Partial(int columns)
    {
        if (t_partial is null || t_partial.Length < columns)
        {
            t_partial = GC.AllocateArray<float>(columns, pinned: true);
        }

        return t_partial.AsSpan(0, columns);
    }

    private static void ReluBackwardSerial(float* output, float* outputGradient, float* gradient, int rows, int columns, float* sums)
    {
        if (sums == null)
        {
            ReluBackwardRows(output, outputGradient, gradient, rows, columns, null);
            return;
        }

        new Span<float>(sums, columns).Clear();
        fixed (float* partial = Partial(columns))
        {
            for (int r0 = 0; r0 < rows; r0 += SumBlockRows)
            {
                nint offset = (nint)r0 * columns;
                ReluBackwardRows(output + offset, outputGradient + offset, gradient + offset, Math.Min(SumBlockRows, rows - r0), columns, partial);
                AddTo(sums, partial, columns);
            }
        }
    }

    /// <summary>
    /// sums[j] += partial[j], in vectors of any width (an add per element, so the same bits). Its own loop rather than
    /// <c>TensorPrimitives.Add</c>, whose generic code starts as tier-0 code in every process: a training step's loops are
    /// compiled fully optimized from their first call.
    /// </summary>
    private static void AddTo(float* sums, float* partial, int columns)
    {
        int done = Gemm.BestKernel switch
        {
            GemmKernel.Vector512 => Add<GemmVector512, Vector512<float>>(sums, partial, columns),
            GemmKernel.Vector256 => Add<GemmVector256, Vector256<float>>(sums, partial, columns),
            GemmKernel.Vector128 => Add<GemmVector128, Vector128<float>>(sums, partial, columns),
            _ => 0,
        };
        for (int j = done; j < columns; j++)
        {
            sums[j] += partial[j];
        }
    }

    /// <summary>sums += partial over whole vectors; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Add<TOps, TVec>(float* sums, float* partial, int columns)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int j = 0;
        for (; j <= columns - TOps.Width; j += TOps.Width)
        {
            TOps.Store(sums + j, TOps.Add(TOps.Load(sums + j), TOps.Load(partial + j)));
        }

        return j;
    }

    /// <summary>dz of <paramref name="rows"/> rows, and when <paramref name="partial"/> is not null their column sums from zero, rows in order.</summary>
    private static void ReluBackwardRows(float* output, float* outputGradient, float* gradient, int rows, int columns, float* partial)
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

        if (partial != null)
        {
            // A second pass over the block's dz, from the L2: added into the sums while routing, each store of a sum
            // waited on that row's loads from memory, and the stores held up the loads of the rows after (the L model's
            // 256 × 1024 pass on two threads took 230-270 µs a step with the sums and 155-170 without).
            SumRows(gradient, rows, columns, partial);
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

    /// <summary>partial = the column sums of the rows from zero, rows in order (the sums of one block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows(float* matrix, int rows, int columns, float* partial)
    {
        new Span<float>(partial, columns).Clear();
        for (int r = 0; r < rows; r++)
        {
            AddTo(partial, matrix + (nint)r * columns, columns);
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;

    /// <summary>
    /// One <see cref="ReluBackward"/> cut into chunks of whole blocks of rows (reused; its buffer of block sums
    /// grows once), as raw pointers the pool's threads can use; the caller then adds the block sums in order.
    /// </summary>
    private sealed class ReluRowBlocks : IParallelJob
    {
        private float* _output, _outputGradient, _gradient, _blockSums;
        private float[]? _blockSumsArray;
        private int _rows, _columns, _chunkRows, _blocks;

        public int Count { get; private set; }

        public void Set(float* output, float* outputGradient, float* gradient, int rows, int columns, bool summing, int chunkRows)
        {
            _output = output;
            _outputGradient = outputGradient;
            _gradient = gradient;
            _rows = rows;
            _columns = columns;
            _chunkRows = chunkRows;
            _blocks = CeilDiv(rows, SumBlockRows);
            _blockSums = null;
            if (summing)
            {
                long needed = (long)_blocks * columns;
                if (_blockSumsArray is null || _blockSumsArray.Length < needed)
                {
                    // Pinned, so the raw pointer stays valid while the pool's threads use it.
                    _blockSumsArray = GC.AllocateArray<float>(checked((int)needed), pinned: true);
                }

                _blockSums = (float*)Unsafe.AsPointer(ref _blockSumsArray[0]);
            }

            Count = CeilDiv(rows, chunkRows);
        }

        public void Run(int index)
        {
            int end = Math.Min(_rows, (index + 1) * _chunkRows);
            for (int r0 = index * _chunkRows; r0 < end; r0 += SumBlockRows)
            {
                nint offset = (nint)r0 * _columns;
                float* blockSum = _blockSums == null ? null : _blockSums + (nint)(r0 / SumBlockRows) * _columns;
                ReluBackwardRows(_output + offset, _outputGradient + offset, _gradient + offset, Math.Min(SumBlockRows, end - r0), _columns, blockSum);
            }
        }

        /// <summary>sums = the block sums added in block order from zero; nothing when not summing.</summary>
        public void AddBlockSums(float* sums)
        {
            if (sums == null)
            {
                return;
            }

            new Span<float>(sums, _columns).Clear();
            for (int block = 0; block < _blocks; block++)
            {
                AddTo(sums, _blockSums + (nint)block * _columns, _columns);
            }
        }
    }
}
