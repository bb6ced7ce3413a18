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
    /// Cuts C into 2 or 4 chunks along M or N (never K, so each element's summation order is the
    /// one-thread order) and lets the calling thread and the worker take chunks until none are
    /// left. The cut depends on the shape alone, and which thread computes a chunk does not change
    /// its bits. Taking chunks rather than fixed halves keeps a busy second core (another process,
    /// a worker not yet scheduled) from stalling the product: the caller then does the rest.
    /// </summary>
    private static void Execute(in Problem problem, int maxThreads, GemmKernel kernel)
    {
        long flops = 2L * problem.M * problem.N * problem.K;
        if (maxThreads < 2 || flops < ParallelFlopThreshold)
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        // Each chunk packs its own copy of the operand the cut does not divide: cutting N repeats
        // A's packing (m·k per chunk), cutting M repeats B's (k·n); repeat the smaller one, or
        // none: a B read in place (see ReadsInPlace) costs nothing to repeat, so then cut M. Cuts
        // fall on tile multiples (8 or 12 rows, 32 columns suit every kernel).
        bool bInPlace = MasksLoads(kernel) && !problem.TransposeB && ReadsInPlace(problem.K, problem.N, reuses: 2);
        bool splitN = !bInPlace && problem.M <= problem.N;
        int extent = splitN ? problem.N : problem.M;
        int unit = splitN ? 32 : problem.M % 8 == 0 ? 8 : 12;
        int wanted = flops >= FourChunkFlops ? 4 : 2;
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
}
