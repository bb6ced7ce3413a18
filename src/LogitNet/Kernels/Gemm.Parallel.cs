using System.Diagnostics;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Products below this many flops (2·m·n·k) run on the calling thread. Measured in training
    /// (2026-11-22): splitting the M model's 1 MFLOP products as well made its step slower, since
    /// their operands then move between the two cores' caches; from 2 MFLOP the split pays.
    /// </summary>
    internal const long ParallelFlopThreshold = 2_000_000;

    /// <summary>Above this many flops C is cut into 4 chunks instead of 2, so a late worker costs less.</summary>
    private const long FourChunkFlops = 64_000_000;

    private static readonly Worker s_worker = new();

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
        // A's packing (m·k per chunk), cutting M repeats B's (k·n); repeat the smaller one. Cuts
        // fall on tile multiples (12 rows or 32 columns suit every kernel).
        bool splitN = problem.M <= problem.N;
        int extent = splitN ? problem.N : problem.M;
        int unit = splitN ? 32 : 12;
        int wanted = flops >= FourChunkFlops ? 4 : 2;
        int chunkSize = RoundUp(CeilDiv(extent, wanted), unit);
        int chunks = CeilDiv(extent, chunkSize);
        if (chunks < 2 || !s_worker.TryEnter())
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        try
        {
            var job = new Chunks(problem, kernel, splitN, chunkSize, chunks);
            s_worker.Post(job);
            s_worker.RunChunks();
            s_worker.Finish();
        }
        finally
        {
            s_worker.Exit();
        }
    }

    /// <summary>One product cut into chunks along M or N.</summary>
    private readonly struct Chunks(Problem problem, GemmKernel kernel, bool splitN, int chunkSize, int count)
    {
        public int Count => count;

        public void Run(int index)
        {
            int start = index * chunkSize;
            if (splitN)
            {
                RunBlock(problem, kernel, 0, problem.M, start, Math.Min(problem.N, start + chunkSize));
            }
            else
            {
                RunBlock(problem, kernel, start, Math.Min(problem.M, start + chunkSize), 0, problem.N);
            }
        }
    }

    /// <summary>
    /// One background thread that helps with large products. A dedicated thread rather than the
    /// thread pool: a queued work item allocates a closure per product and a pool thread may be
    /// busy; this one keeps its own packing buffers warm and allocates nothing per call. One
    /// product at a time uses it; a concurrent caller finds it taken and runs single-threaded.
    /// </summary>
    private sealed class Worker
    {
        private const int Idle = 0;
        private const int Posted = 1;
        private const int Taken = 2;
        private const int Withdrawn = 3;

        // Spinning briefly before blocking catches the back-to-back products of a training step
        // without burning a core between steps.
        private const int SpinCount = 200;

        /// <summary>
        /// How long an idle worker watches for the next job before it sleeps. Measured on the
        /// 2-core VM: waking a sleeping worker cost a 64 × 128 × 784 product about 45 µs (2 threads
        /// took 110 µs against 67 µs on one), and a training step's products come 50 to 300 µs apart.
        /// </summary>
        private const double SpinMicroseconds = 1000;

        /// <summary>PAUSE instructions between looks at the state, leaving the core's resources to a sibling thread.</summary>
        private const int SpinIterations = 20;

        private readonly ManualResetEventSlim _start = new(false, SpinCount);
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private readonly Lock _gate = new();
        private Thread? _thread;
        private Chunks _job;
        private int _next;
        private int _state;
        private int _sleeping;
        private Exception? _error;

        public bool TryEnter() => _gate.TryEnter();

        public void Exit() => _gate.Exit();

        public void Post(in Chunks job)
        {
            _job = job;
            _next = 0;
            _error = null;
            _done.Reset();

            // A full fence on each side (here and in WaitForJob) means that either the worker sees
            // Posted before it blocks, or this sees it asleep and wakes it: the wake-up (a system
            // call, tens of microseconds on this VM) is paid only when the worker really sleeps.
            Interlocked.Exchange(ref _state, Posted);
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "LogitNet GEMM worker" };
                _thread.Start();
            }

            if (Volatile.Read(ref _sleeping) != 0)
            {
                _start.Set();
            }
        }

        /// <summary>Takes chunks until none are left (run by both threads).</summary>
        public void RunChunks()
        {
            int count = _job.Count;
            int index;
            while ((index = Interlocked.Increment(ref _next) - 1) < count)
            {
                _job.Run(index);
            }
        }

        /// <summary>
        /// Called by the poster after its own chunks: withdraws the job if the worker never
        /// picked it up (it is not waited for), or waits for the worker's last chunk.
        /// </summary>
        public void Finish()
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Posted) == Posted)
            {
                return;
            }

            _done.Wait();
            Volatile.Write(ref _state, Idle);
            if (_error is not null)
            {
                throw new InvalidOperationException("The GEMM worker thread failed.", _error);
            }
        }

        /// <summary>
        /// Returns once a job is posted: spinning for up to <see cref="SpinMicroseconds"/>, so the
        /// products of a training step, a few hundred microseconds apart, find the worker awake;
        /// then asleep on the event, so an idle worker costs nothing.
        /// </summary>
        private void WaitForJob()
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _state) != Posted)
            {
                if (Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
                {
                    Thread.SpinWait(SpinIterations);
                    continue;
                }

                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _state) != Posted)
                {
                    _start.Wait();
                }

                _start.Reset();
                Volatile.Write(ref _sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
        }

        private void Loop()
        {
            while (true)
            {
                WaitForJob();

                // A job the poster already withdrew (or finished) is not Posted any more, and the
                // worker goes back to waiting; the fields of a newer job are written before it is
                // marked Posted, so a job taken here is always complete.
                if (Interlocked.CompareExchange(ref _state, Taken, Posted) != Posted)
                {
                    continue;
                }

                try
                {
                    RunChunks();
                }
                catch (Exception exception)
                {
                    _error = exception;
                }

                _done.Set();
            }
        }
    }
}
