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
    /// Above this many flops (10 ms on one core) C is cut into 4 chunks instead of 2, so a late
    /// worker costs less. Below it 2 chunks: the worker is usually awake (it spins between jobs),
    /// and each extra chunk along N packs A again. Measured on the L model's products: 1.65–1.98×
    /// on two threads with 2 chunks, 1.54–1.93× with 4.
    /// </summary>
    private const long FourChunkFlops = 2_000_000_000;

    /// <summary>
    /// Cuts C into 2 or 4 chunks along M or N, or a short product into two halves of its K blocks
    /// (<see cref="KCut"/>), and lets the calling thread and the worker take chunks until none
    /// are left. Every element keeps the one-thread summation order. The cut depends on the shape
    /// alone, and which thread computes a chunk does not change its bits. Taking chunks rather
    /// than fixed halves keeps a busy second core (another process, a worker not yet scheduled)
    /// from stalling the product: the caller then does the rest.
    /// </summary>
    private static void Execute(in Problem problem, int maxThreads, GemmKernel kernel)
    {
        long flops = 2L * problem.M * problem.N * problem.K;
        if (maxThreads < 2 || flops < ParallelFlopThreshold)
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        int kCut = KCut(problem.M, problem.N, problem.K, maxThreads);
        if (kCut > 0)
        {
            RunKHalves(problem, kernel, kCut);
            return;
        }

        int wanted = flops >= FourChunkFlops ? 4 : 2;

        // Each chunk packs its own copy of the operand the cut does not divide: cutting N repeats
        // A's packing (m·k per chunk), cutting M repeats B's (k·n); repeat the smaller one, or
        // none: a B read in place (see ReadsInPlace) costs nothing to repeat, so then cut M. Cuts
        // fall on tile multiples (8 or 12 rows, 32 columns suit every kernel).
        bool bInPlace = MasksLoads(kernel) && !problem.TransposeB && ReadsInPlace(problem.K, problem.N, reuses: 2);
        bool splitN = !bInPlace && problem.M <= problem.N;
        int extent = splitN ? problem.N : problem.M;
        int unit = splitN ? 32 : problem.M % 8 == 0 ? 8 : 12;
        int chunkSize = RoundUp(CeilDiv(extent, wanted), unit);
        int chunks = CeilDiv(extent, chunkSize);
        ParallelWorker worker = ParallelWorker.Shared;
        if (chunks < 2 || !worker.TryEnter())
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        try
        {
            // One job object, reused: only the holder of the worker sets it, so nothing is allocated.
            Chunks job = s_chunks;
            job.Set(problem, kernel, splitN, chunkSize, chunks);
            worker.Run(job);
        }
        finally
        {
            worker.Exit();
        }
    }

    private static readonly Chunks s_chunks = new();

    /// <summary>One product cut into chunks along M or N.</summary>
    private sealed class Chunks : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private bool _splitN;
        private int _chunkSize;

        public int Count { get; private set; }

        public void Set(in Problem problem, GemmKernel kernel, bool splitN, int chunkSize, int count)
        {
            _problem = problem;
            _kernel = kernel;
            _splitN = splitN;
            _chunkSize = chunkSize;
            Count = count;
        }

        public void Run(int index)
        {
            int start = index * _chunkSize;
            if (_splitN)
            {
                RunBlock(_problem, _kernel, 0, _problem.M, start, Math.Min(_problem.N, start + _chunkSize));
            }
            else
            {
                RunBlock(_problem, _kernel, start, Math.Min(_problem.M, start + _chunkSize), 0, _problem.N);
            }
        }
    }

    /// <summary>
    /// Where two threads cut a product's K blocks in halves rather than C (the first K column of
    /// the worker's blocks), or 0 where they do not: when the product is worth two threads but under
    /// four chunks, its blocks split evenly and C is short, so that the partial sums the worker
    /// hands back (its blocks × m × n) are smaller than the half of B's rows the caller does not
    /// read (k/2 × n). A training batch's
    /// forward product (64 × 128 × 784) is one: cut by rows or columns of C, each core would read
    /// all of the weights, half of which the other core's optimizer step has just updated, and
    /// moving data between the cores is the slow part of a step on two threads (about 10 GB/s
    /// against over 100 GB/s within a core). Cut by K, each core reads the weight rows whose
    /// gradient it computes and whose update it makes (see the optimizer's Halves).
    /// </summary>
    private static int KCut(int m, int n, int k, int maxThreads)
    {
        long flops = 2L * m * n * k;
        int blocks = CeilDiv(k, KcMax);
        bool cut = maxThreads >= 2 && flops >= ParallelFlopThreshold && flops < FourChunkFlops
            && blocks % 2 == 0 && (long)(blocks / 2) * m < k / 2;
        return cut ? blocks / 2 * KcStep(k) : 0;
    }

    /// <summary>
    /// Where an untransposed product of this shape (a batch times a layer's weights), run on two
    /// threads, cuts op(A)'s columns between them (<see cref="KCut"/>), or 0. The training loop
    /// copies a batch on the two threads along this cut, so each core writes the part it reads.
    /// </summary>
    internal static int WorkerKStart(int m, int n, int k) =>
        m <= FewRowsMax ? 0 : KCut(m, n, k, ParallelWorker.MaxThreads);

    private static readonly KHalves s_kHalves = new();

    /// <summary>
    /// The K-block halves of one product: the caller computes C from the first half of the blocks,
    /// the worker each block of the second half into a partial sum of its own, and the caller then
    /// adds those to C in block order and applies the epilogue: the same additions, in the same
    /// order, as one thread makes, so the same bits.
    /// </summary>
    private static void RunKHalves(in Problem problem, GemmKernel kernel, int kCut)
    {
        ParallelWorker worker = ParallelWorker.Shared;
        if (!worker.TryEnter())
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        // The job object is shared: its partial sums are added before the worker is released, or
        // the next caller's Set would replace them (and C) under this one.
        KHalves job = s_kHalves;
        try
        {
            job.Set(problem, kernel, kCut);
            worker.Run(job);
            job.AddPartials();
        }
        finally
        {
            worker.Exit();
        }
    }

    /// <summary>One product cut into two halves of its K blocks (reused; its partial-sum buffer grows once).</summary>
    private sealed class KHalves : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private int _kcStep;
        private int _firstBlocks;
        private int _partialCount;
        private float[] _partials = [];

        public int Count => 2;

        public void Set(in Problem problem, GemmKernel kernel, int kCut)
        {
            _problem = problem;
            _kernel = kernel;
            _kcStep = KcStep(problem.K);
            _firstBlocks = kCut / _kcStep;
            _partialCount = CeilDiv(problem.K, _kcStep) - _firstBlocks;
            long needed = (long)_partialCount * problem.M * problem.N;
            if (_partials.Length < needed)
            {
                // Pinned: the kernels write it through a raw pointer, possibly from the worker thread.
                _partials = GC.AllocateUninitializedArray<float>((int)needed, pinned: true);
            }
        }

        public void Run(int index)
        {
            int m = _problem.M, n = _problem.N;
            if (index == 0)
            {
                RunBlock(_problem, _kernel, 0, m, 0, n, 0, _firstBlocks * _kcStep, raw: false);
                return;
            }

            for (int block = 0; block < _partialCount; block++)
            {
                Problem partial = _problem;
                partial.C = PartialSum(block);
                partial.Ldc = n;
                int pc = (_firstBlocks + block) * _kcStep;
                RunBlock(partial, _kernel, 0, m, 0, n, pc, pc + _kcStep, raw: true);
            }
        }

        private float* PartialSum(int block) =>
            (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_partials)) + (nint)block * _problem.M * _problem.N;

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
