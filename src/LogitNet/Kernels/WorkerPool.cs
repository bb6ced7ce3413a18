using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace LogitNet.Kernels;

/// <summary>
/// The library's threads: the calling thread plus up to <see cref="MaxThreads"/> - 1 background
/// workers, sharing the chunks of one job (GEMM products, optimizer steps, the training loop's
/// batch copy). Dedicated threads rather than the .NET thread pool: a queued work item allocates
/// per call and a pool thread may be busy; these keep their GEMM packing buffers warm and take a
/// job without allocating.
/// </summary>
/// <remarks>
/// <para>
/// A job's chunks are fixed before it runs (by the problem's shape, never by the thread count),
/// and each participant takes chunks until none are left, starting from its own share: with
/// T participants and C chunks, participant t starts at chunk t·C/T and moves on to the others'.
/// So when all are on time the chunks split in contiguous runs (the caller always runs chunk 0),
/// and a late worker (a busy core, a thread not yet scheduled) never stalls the job: the others
/// take its chunks. The jobs of a training step cut the same data alike (a layer's weight rows in
/// its products and in the optimizer step), so each run of chunks stays in one core's cache; on
/// the 2-core VM, moving data between the cores ran at about 10 GB/s against over 100 GB/s within one.
/// </para>
/// <para>
/// One job at a time uses the pool. A caller that finds it taken (another thread's job, or its own
/// job's chunk reaching a parallel product) gets false from <see cref="TryRun"/> and works alone.
/// </para>
/// </remarks>
internal sealed class WorkerPool
{
    /// <summary>The largest <see cref="MaxThreads"/> accepted.</summary>
    internal const int MaxPoolThreads = 256;

    private const int Idle = 0;
    private const int Posted = 1;
    private const int Taken = 2;
    private const int Withdrawn = 3;

    /// <summary>
    /// How long an idle worker watches for the next job before it sleeps, and how long a caller whose chunks
    /// are done watches for a worker's last chunk to end before it sleeps. Measured on the 2-core VM: waking a
    /// sleeping worker cost a 64 × 128 × 784 product about 45 µs (2 threads took 110 µs against 67 µs on one),
    /// and a training step's products come 50 to 300 µs apart. Waking a sleeping caller cost 0.1 to 1.3 ms
    /// there (session 24: a 512³ product's worker ended its chunk 1.25 ms before the caller ran again, when
    /// the caller slept on the worker's event after a brief spin), more than the 0.8 ms the whole product takes.
    /// </summary>
    private const double SpinMicroseconds = 1000;

    /// <summary>PAUSE instructions between looks at the state, leaving the core's resources to a sibling thread.</summary>
    private const int SpinIterations = 20;

    private static int s_maxThreads = Math.Clamp(Environment.ProcessorCount, 1, MaxPoolThreads);

    private readonly Lock _gate = new();
    private Worker[] _workers = [];
    private IParallelJob? _job;
    private int _participants;

    /// <summary>Per chunk, 1 once a participant has taken it (grown to the largest job's count).</summary>
    private int[] _taken = new int[64];

    // The failure of the lowest chunk that failed (int.MaxValue: none yet), under _errorLock.
    private readonly Lock _errorLock = new();
    private ExceptionDispatchInfo? _error;
    private int _errorChunk = int.MaxValue;

    /// <summary>Called before a worker's thread starts, with its participant number (tests make it throw to stand for a refused thread).</summary>
    internal Action<int>? ThreadStarting { get; init; }

    /// <summary>The pool every part of the library shares (the cores are shared too).</summary>
    public static WorkerPool Shared { get; } = new();

    /// <summary>The most threads one job may use, the caller included (<see cref="Parallelism.MaxThreads"/>).</summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set
        {
            if (value is < 1 or > MaxPoolThreads)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"Expected between 1 and {MaxPoolThreads} threads; this machine has {Environment.ProcessorCount} cores (Environment.ProcessorCount).");
            }

            Volatile.Write(ref s_maxThreads, value);
        }
    }

    /// <summary>
    /// Runs chunks 0 .. Count - 1 of <paramref name="job"/>, each exactly once, on the calling
    /// thread and the shared pool's workers (at most <paramref name="maxThreads"/> threads in all);
    /// in order on the calling thread when the pool is busy or one thread is allowed. When chunks
    /// throw, the exception of the lowest chunk that throws is rethrown here once every chunk taken
    /// has ended: the one a single thread running them in order would have met (a prediction with two
    /// bad inputs names the first on any thread count). After a failure only lower chunks are taken.
    /// </summary>
    /// <remarks>A job object must not be shared between threads that may run jobs at once (keep one per thread).</remarks>
    public static void Run(IParallelJob job, int maxThreads)
    {
        if (!Shared.TryRun(job, maxThreads))
        {
            for (int i = 0; i < job.Count; i++)
            {
                job.Run(i);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/> on the calling thread and up to <paramref name="maxThreads"/> - 1
    /// workers and returns true; or, if it has fewer than two chunks, one thread is allowed, the
    /// pool is taken by another job or this thread is already running one (a chunk that reaches a
    /// parallel product), runs nothing and returns false: the caller then does the work alone,
    /// in whatever way is fastest on one thread (the bits are the same).
    /// </summary>
    public bool TryRun(IParallelJob job, int maxThreads)
    {
        int participants = Math.Min(Math.Min(maxThreads, MaxPoolThreads), job.Count);
        if (participants < 2 || _gate.IsHeldByCurrentThread || !_gate.TryEnter())
        {
            return false;
        }

        try
        {
            Post(job, participants);
            try
            {
                RunChunk(job, 0);
                RunChunks(0);
            }
            finally
            {
                // Even when a chunk throws here, every worker is withdrawn or waited for before the
                // gate opens: the job's pointers are pinned only until the caller returns.
                Finish();
            }
        }
        finally
        {
            _job = null;
            _gate.Exit();
        }

        return true;
    }

    private void Post(IParallelJob job, int participants)
    {
        int count = job.Count;
        if (_taken.Length < count)
        {
            _taken = new int[count];
        }

        Array.Clear(_taken, 0, count);

        // Chunk 0 is the caller's, always: a job that cuts data into chunks leaves its first piece
        // with the thread that goes on to use it (the start of a batch, the first K block).
        _taken[0] = 1;
        _job = job;
        _participants = participants;
        _error = null;
        _errorChunk = int.MaxValue;
        if (_workers.Length < participants - 1)
        {
            Array.Resize(ref _workers, participants - 1);
        }

        for (int w = 0; w < participants - 1; w++)
        {
            Worker worker = _workers[w] ??= new Worker(this, w + 1);
            if (!worker.TryPost())
            {
                // The worker's thread could not be started (the system refused a thread or its stack). The job goes
                // on with the workers posted so far, whose chunks the others take as from a late worker, and the
                // same bits (a job's chunks never depend on its thread count); the next job tries the thread again.
                // Finish waits for exactly the posted workers, so none runs on after the caller returns.
                _participants = w + 1;
                break;
            }
        }
    }

    /// <summary>Takes chunks until none are left, starting at this participant's share.</summary>
    private void RunChunks(int participant)
    {
        IParallelJob job = _job!;
        int[] taken = _taken;
        int count = job.Count;
        int first = (int)((long)participant * count / _participants);
        for (int i = 0; i < count; i++)
        {
            int index = first + i < count ? first + i : first + i - count;
            if (index < Volatile.Read(ref _errorChunk) && Interlocked.Exchange(ref taken[index], 1) == 0)
            {
                RunChunk(job, index);
            }
        }
    }

    /// <summary>Runs one chunk, keeping its exception if it is the lowest chunk to fail so far.</summary>
    private void RunChunk(IParallelJob job, int index)
    {
        try
        {
            job.Run(index);
        }
        catch (Exception exception)
        {
            Fail(index, exception);
        }
    }

    /// <summary>Called by the poster after its own chunks: withdraws the job from each worker that never picked it up, and waits for the others.</summary>
    private void Finish()
    {
        for (int w = 0; w < _participants - 1; w++)
        {
            _workers[w].Finish();
        }

        _error?.Throw();
    }

    private void Fail(int chunk, Exception exception)
    {
        lock (_errorLock)
        {
            if (chunk < _errorChunk)
            {
                _error = ExceptionDispatchInfo.Capture(exception);
                Volatile.Write(ref _errorChunk, chunk);
            }
        }
    }

    /// <summary>One background thread, started at its first job.</summary>
    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly int _participant;
        private readonly ManualResetEventSlim _start = new(false, spinCount: 0);
        private readonly ManualResetEventSlim _done = new(false, spinCount: 0);
        private Thread? _thread;
        private int _state;
        private int _sleeping;

        public Worker(WorkerPool pool, int participant)
        {
            _pool = pool;
            _participant = participant;
        }

        /// <summary>
        /// Hands the pool's job to this worker, starting its thread at the first job; false, with nothing posted, when
        /// the thread cannot be started.
        /// </summary>
        public bool TryPost()
        {
            if (_thread is null && !TryStartThread())
            {
                return false;
            }

            _done.Reset();

            // A full fence on each side (here and in WaitForJob) means that either the worker sees
            // Posted before it blocks, or this sees it asleep and wakes it: the wake-up (a system
            // call, tens of microseconds on this VM) is paid only when the worker really sleeps.
            Interlocked.Exchange(ref _state, Posted);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _start.Set();
            }

            return true;
        }

        /// <summary>
        /// Starts the worker's thread, which waits for its first job. A thread that fails to start (out of memory for
        /// its stack, a refused system thread) is not kept, so the next job tries again.
        /// </summary>
        private bool TryStartThread()
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"LogitNet worker {_participant}" };
            try
            {
                _pool.ThreadStarting?.Invoke(_participant);
                thread.Start();
            }
            catch (Exception exception) when (exception is OutOfMemoryException or ThreadStartException)
            {
                return false;
            }

            _thread = thread;
            return true;
        }

        /// <summary>
        /// Withdraws the job if this worker never took it (it is not waited for), or waits for its last chunk: watching
        /// for up to <see cref="SpinMicroseconds"/> (its chunk usually ends soon after the caller's), then asleep on the
        /// event. A caller with more participants than the machine has cores never spins: it would take a core from a
        /// worker still at work.
        /// </summary>
        public void Finish()
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Posted) == Posted)
            {
                return;
            }

            if (_pool._participants <= Environment.ProcessorCount)
            {
                long start = Stopwatch.GetTimestamp();
                while (!_done.IsSet && Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
                {
                    Thread.SpinWait(SpinIterations);
                }
            }

            _done.Wait();
            Volatile.Write(ref _state, Idle);
        }

        /// <summary>
        /// Returns once a job is posted: spinning for up to <see cref="SpinMicroseconds"/>, so the
        /// products of a training step find the worker awake, then asleep on the event, so an
        /// idle worker costs nothing. A worker beyond the machine's cores (tests force 8 threads
        /// on 2 cores) never spins: it would take a core from the threads doing the work.
        /// </summary>
        private void WaitForJob()
        {
            bool spin = _participant < Environment.ProcessorCount;
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _state) != Posted)
            {
                if (spin && Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
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
                // worker goes back to waiting; the pool's fields for a newer job are written before
                // it is marked Posted, so a job taken here is always complete.
                if (Interlocked.CompareExchange(ref _state, Taken, Posted) != Posted)
                {
                    continue;
                }

                try
                {
                    _pool.RunChunks(_participant);
                }
                catch (Exception exception)
                {
                    // Not a chunk's (those are caught in RunChunk): ranked after every chunk.
                    _pool.Fail(int.MaxValue - 1, exception);
                }

                _done.Set();
            }
        }
    }
}
