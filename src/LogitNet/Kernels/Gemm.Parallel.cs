namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Products below this many flops (2·m·n·k) run on the calling thread: waking the worker and
    /// waiting for it costs a few microseconds, as much as a few hundred thousand flops on one core.
    /// </summary>
    internal const long ParallelFlopThreshold = 2_000_000;

    private static readonly Worker s_worker = new();

    /// <summary>
    /// Splits C in two along M or N (never K, so each element's summation order is unchanged) and
    /// runs one half on the worker while the calling thread runs the other.
    /// </summary>
    private static void Execute(in Problem problem, int maxThreads, GemmKernel kernel)
    {
        long flops = 2L * problem.M * problem.N * problem.K;
        if (maxThreads < 2 || flops < ParallelFlopThreshold || !s_worker.TryEnter())
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        try
        {
            // Each half packs its own copy of the operand the split does not divide: splitting N
            // repeats A's packing (m·k), splitting M repeats B's (k·n); repeat the smaller one.
            // Split points fall on tile multiples (12 rows or 32 columns suit every kernel).
            bool splitN = problem.M <= problem.N;
            int extent = splitN ? problem.N : problem.M;
            int unit = splitN ? 32 : 12;
            int half = Math.Min(extent, RoundUp(CeilDiv(extent, 2), unit));
            if (half == extent)
            {
                RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
                return;
            }

            if (splitN)
            {
                s_worker.Start(problem, kernel, 0, problem.M, half, problem.N);
                RunBlock(problem, kernel, 0, problem.M, 0, half);
            }
            else
            {
                s_worker.Start(problem, kernel, half, problem.M, 0, problem.N);
                RunBlock(problem, kernel, 0, half, 0, problem.N);
            }

            s_worker.Wait();
        }
        finally
        {
            s_worker.Exit();
        }
    }

    /// <summary>
    /// One background thread that runs the second half of a product. A dedicated thread rather
    /// than the thread pool: a queued work item allocates a closure per product, and a pool thread
    /// may be busy; this one keeps its own packing buffers warm and allocates nothing per call.
    /// One product at a time uses it; a concurrent caller finds it taken and runs single-threaded.
    /// </summary>
    private sealed class Worker
    {
        // Spinning briefly before blocking catches the back-to-back products of a training step
        // without burning a core between steps.
        private const int SpinCount = 200;

        private readonly ManualResetEventSlim _start = new(false, SpinCount);
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private readonly Lock _gate = new();
        private Thread? _thread;
        private Problem _problem;
        private GemmKernel _kernel;
        private int _rowStart;
        private int _rowEnd;
        private int _colStart;
        private int _colEnd;
        private Exception? _error;

        public bool TryEnter() => _gate.TryEnter();

        public void Exit() => _gate.Exit();

        public void Start(in Problem problem, GemmKernel kernel, int rowStart, int rowEnd, int colStart, int colEnd)
        {
            _problem = problem;
            _kernel = kernel;
            _rowStart = rowStart;
            _rowEnd = rowEnd;
            _colStart = colStart;
            _colEnd = colEnd;
            _error = null;
            _done.Reset();
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "LogitNet GEMM worker" };
                _thread.Start();
            }

            _start.Set();
        }

        public void Wait()
        {
            _done.Wait();
            if (_error is not null)
            {
                throw new InvalidOperationException("The GEMM worker thread failed.", _error);
            }
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                _start.Reset();
                try
                {
                    RunBlock(_problem, _kernel, _rowStart, _rowEnd, _colStart, _colEnd);
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
