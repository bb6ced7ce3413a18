using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Products below this many flops (2·m·n·k) run on the calling thread. Measured in training
    /// (2026-11-22): splitting the M model's 1 MFLOP products as well made its step slower, since
    /// their operands then move between the two cores' caches; from 2 MFLOP the split pays.
    /// </summary>
    internal const long ParallelFlopThreshold = 2_000_000;

    /// <summary>
    /// The work a chunk of a product cut along M or N should have at least (about 150 µs on one
    /// core): the chunk count is the product's flops over this, so large products use many cores.
    /// </summary>
    internal const long ChunkFlops = 16_000_000;

    /// <summary>
    /// The fewest rows or columns of C a chunk spans when there are more than two. Each chunk packs
    /// its own copy of the operand the cut does not divide (cutting N repeats A's packing, cutting
    /// M repeats B's), which costs about (the packing time per float) / (2 · extent · the time per
    /// flop) of the chunk's arithmetic: a few percent at 512. At 512 the L model's products (1024
    /// wide) are cut in two as the two-thread GEMM cut them when its figures were measured; a
    /// machine with more cores gets more chunks only from larger products (a 1024³ product: 4).
    /// </summary>
    internal const int MinChunkExtent = 512;

    /// <summary>The most chunks a product is cut into.</summary>
    private const int MaxChunks = 64;

    /// <summary>
    /// Cuts C into chunks along M and N, or a short product into its K blocks (<see cref="KCut"/>),
    /// and lets the calling thread and the pool's workers take chunks until none are left. The cut
    /// depends on the shape alone, never on the thread count, and every element keeps the
    /// one-thread summation order (K blocks added in order), so the bits never depend on which
    /// thread computes a chunk or how many threads there are. With one thread, or when the pool
    /// is busy, the product runs uncut on the calling thread: the same arithmetic, less traffic.
    /// </summary>
    private static void Execute(in Problem problem, int maxThreads, GemmKernel kernel)
    {
        long flops = 2L * problem.M * problem.N * problem.K;
        if (maxThreads < 2 || flops < ParallelFlopThreshold)
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        if (problem.CutByK && KCut(problem.M, problem.N, problem.K))
        {
            KBlocks kJob = t_kBlocks ??= new KBlocks();
            kJob.Set(problem, kernel);
            if (WorkerPool.Shared.TryRun(kJob, maxThreads))
            {
                kJob.AddPartials();
            }
            else
            {
                RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            }

            return;
        }

        (int rowStep, int rowChunks, int colStep, int colChunks, bool nFirst) = ChunkGrid(problem.M, problem.N, problem.K, problem.TransposeB, kernel);
        if (rowChunks * colChunks < 2)
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        Chunks job = t_chunks ??= new Chunks();
        job.Set(problem, kernel, rowStep, rowChunks, colStep, colChunks, nFirst);
        if (!WorkerPool.Shared.TryRun(job, maxThreads))
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
        }
    }

    /// <summary>
    /// The grid of chunks a product of this shape (not cut by K) is cut into: rows and columns of C
    /// per chunk and their counts. Cut first the extent whose chunks repeat the smaller packing:
    /// cutting N repeats A's (m·k per chunk), cutting M repeats B's (k·n); a B read in place (see
    /// ReadsInPlace) costs nothing to repeat, so then M. Then the other extent if the product has
    /// work for more chunks. Cuts fall on tile multiples (8 or 12 rows, 32 columns suit every kernel).
    /// </summary>
    internal static (int RowStep, int RowChunks, int ColStep, int ColChunks, bool NFirst) ChunkGrid(int m, int n, int k, bool transposeB, GemmKernel kernel)
    {
        long flops = 2L * m * n * k;
        bool bInPlace = MasksLoads(kernel) && !transposeB && ReadsInPlace(k, n, reuses: 2);
        bool nFirst = !bInPlace && m <= n;
        int rowUnit = m % 8 == 0 ? 8 : 12;
        long wanted = Math.Clamp(flops / ChunkFlops, 2, MaxChunks);
        int first = ChunksAlong(nFirst ? n : m, wanted, nFirst ? 32 : rowUnit, minimum: 2);
        int second = ChunksAlong(nFirst ? m : n, wanted / first, nFirst ? rowUnit : 32, minimum: 1);
        int rowChunks = nFirst ? second : first, colChunks = nFirst ? first : second;
        int rowStep = RoundUp(CeilDiv(m, rowChunks), rowUnit), colStep = RoundUp(CeilDiv(n, colChunks), 32);
        return (rowStep, CeilDiv(m, rowStep), colStep, CeilDiv(n, colStep), nFirst);
    }

    /// <summary>
    /// How many chunks to cut an extent into: <paramref name="wanted"/>, but none narrower than
    /// <see cref="MinChunkExtent"/> (except that <paramref name="minimum"/> 2 always cuts in two),
    /// and an even number below 8.
    /// </summary>
    private static int ChunksAlong(int extent, long wanted, int unit, int minimum)
    {
        int widest = Math.Max(minimum, extent / MinChunkExtent);
        int count = Math.Max(1, Math.Min((int)Math.Min(wanted, widest), CeilDiv(extent, unit)));

        // A few chunks in an even number: 3 chunks on two threads would leave one thread two of them.
        return count is > 2 and < 8 ? count / 2 * 2 : count;
    }

    // One job object per thread, reused: a call allocates nothing once warm, and a product called
    // from another thread (or from a job's chunk) never touches this thread's job.
    [ThreadStatic]
    private static Chunks? t_chunks;

    [ThreadStatic]
    private static KBlocks? t_kBlocks;

    /// <summary>One product cut into a grid of rectangles of C.</summary>
    private sealed class Chunks : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private int _rowStep, _rowChunks, _colStep, _colChunks;
        private bool _colsOuter;

        public int Count => _rowChunks * _colChunks;

        public void Set(in Problem problem, GemmKernel kernel, int rowStep, int rowChunks, int colStep, int colChunks, bool colsOuter)
        {
            _problem = problem;
            _kernel = kernel;
            _rowStep = rowStep;
            _rowChunks = rowChunks;
            _colStep = colStep;
            _colChunks = colChunks;
            _colsOuter = colsOuter;
        }

        public void Run(int index)
        {
            // Neighbouring chunks share the operand of the first cut's extent, so a participant's
            // run of chunks reads it once.
            int row = _colsOuter ? index % _rowChunks : index / _colChunks;
            int col = _colsOuter ? index / _rowChunks : index % _colChunks;
            int r0 = row * _rowStep, c0 = col * _colStep;
            RunBlock(_problem, _kernel, r0, Math.Min(_problem.M, r0 + _rowStep), c0, Math.Min(_problem.N, c0 + _colStep));
        }
    }

    /// <summary>
    /// Whether a product is cut by its K blocks rather than by C (one chunk per block): when it is
    /// worth several threads but under <see cref="KCutMaxFlops"/>, its blocks come in an even
    /// number and C is short, so that the partial sums handed back (m × n per block) are smaller
    /// than the B rows each chunk does not read. A training batch's forward product
    /// (64 × 128 × 784) is one: cut by rows or columns of C, each core would read all of the weights,
    /// half of which the other core's optimizer step has just updated, and moving data between the
    /// cores is the slow part of a step on two threads (about 10 GB/s against over 100 GB/s within
    /// a core). Cut by K, each core reads the weight rows whose gradient it computes and whose
    /// update it makes (see the optimizer's pieces). Depends on the shape alone, and is taken only
    /// when the caller asks (<see cref="GemmEpilogue.CutByK"/>: a training step's forward product).
    /// </summary>
    private static bool KCut(int m, int n, int k)
    {
        long flops = 2L * m * n * k;
        int blocks = CeilDiv(k, KcMax);
        return flops >= ParallelFlopThreshold && flops < KCutMaxFlops
            && blocks % 2 == 0 && (long)(blocks / 2) * m < k / 2;
    }

    /// <summary>Above this many flops a product is never cut by K (its C is large enough to cut).</summary>
    private const long KCutMaxFlops = 2_000_000_000;

    /// <summary>
    /// The K blocks an untransposed product of this shape (a batch times a layer's weights) is cut
    /// into between threads when its caller allows it (<see cref="KCut"/>, a training step's forward
    /// product): their count, or 0 when it is not cut by K. The training loop's batch copy follows the same cut (<see cref="RowGather"/>), so each core writes
    /// the columns it reads.
    /// </summary>
    internal static int KChunks(int m, int n, int k) =>
        m <= FewRowsMax || !KCut(m, n, k) ? 0 : CeilDiv(k, KcStep(k));

    /// <summary>
    /// One product cut into its K blocks, one chunk each (reused; its partial-sum buffer grows
    /// once): chunk 0 computes C from the first block, every other chunk its block into a partial
    /// sum of its own, and the caller then adds those to C in block order and applies the epilogue:
    /// the same additions, in the same order, as one thread makes, so the same bits.
    /// </summary>
    private sealed class KBlocks : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private int _kcStep;
        private int _partialCount;
        private readonly PinnedBuffer _partials = new();
        private float* _partialsStart;

        public int Count => _partialCount + 1;

        public void Set(in Problem problem, GemmKernel kernel)
        {
            _problem = problem;
            _kernel = kernel;
            _kcStep = KcStep(problem.K);
            _partialCount = CeilDiv(problem.K, _kcStep) - 1;
            _partialsStart = _partials.AtLeast((long)_partialCount * problem.M * problem.N);
        }

        public void Run(int index)
        {
            int m = _problem.M, n = _problem.N;
            if (index == 0)
            {
                RunBlock(_problem, _kernel, 0, m, 0, n, 0, _kcStep, raw: false);
                return;
            }

            Problem partial = _problem;
            partial.C = PartialSum(index - 1);
            partial.Ldc = n;
            int pc = index * _kcStep;
            RunBlock(partial, _kernel, 0, m, 0, n, pc, pc + _kcStep, raw: true);
        }

        private float* PartialSum(int block) =>
            _partialsStart + (nint)block * _problem.M * _problem.N;

        /// <summary>C += each partial sum in block order; with the last, the epilogue: the kernels' own row store.</summary>
        public void AddPartials()
        {
            switch (_kernel)
            {
                case GemmKernel.Vector512:
                    AddPartials<GemmVector512, Vector512<float>>();
                    break;
                case GemmKernel.Vector256:
                    AddPartials<GemmVector256, Vector256<float>>();
                    break;
                case GemmKernel.Vector128:
                    AddPartials<GemmVector128, Vector128<float>>();
                    break;
                default:
                    AddPartials<GemmScalar, float>();
                    break;
            }
        }

        private void AddPartials<TOps, TVec>()
            where TOps : IGemmVector<TVec>
            where TVec : unmanaged
        {
            Problem problem = _problem;
            int n = problem.N, w = TOps.Width;
            for (int block = 0; block < _partialCount; block++)
            {
                bool last = block == _partialCount - 1;
                int flags = AddToC | (last && problem.Relu ? ApplyRelu : 0);
                float* bias = last ? problem.Bias : null;
                float* partial = PartialSum(block);
                for (int i = 0; i < problem.M; i++)
                {
                    float* c = problem.C + i * problem.Ldc, p = partial + (nint)i * n;
                    int j = 0;
                    for (; j <= n - w; j += w)
                    {
                        StoreRow1<TOps, TVec>(c + j, TOps.Load(p + j), bias == null ? null : bias + j, flags);
                    }

                    if (j < n && TOps.MaskedLoads)
                    {
                        TVec mask = TOps.MaskFor(n - j);
                        StoreRow1Masked<TOps, TVec>(true, c + j, TOps.LoadMasked(p + j, mask), bias == null ? null : bias + j, flags, mask);
                    }
                    else
                    {
                        for (; j < n; j++)
                        {
                            StoreRow1<GemmScalar, float>(c + j, p[j], bias == null ? null : bias + j, flags);
                        }
                    }
                }
            }
        }
    }
}
