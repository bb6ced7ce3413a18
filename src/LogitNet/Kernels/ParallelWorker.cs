using System.Diagnostics;

namespace LogitNet.Kernels;

/// <summary>
/// One background thread that helps the calling thread with large pieces of work: GEMM products,
/// optimizer steps and the training loop's batch copy. A dedicated thread rather than the thread pool: a queued work item
/// allocates a closure per call and a pool thread may be busy; this one keeps its GEMM packing
/// buffers warm and allocates nothing per call. One job at a time uses it; a concurrent caller
/// finds it taken and does its work alone.
/// </summary>
/// <remarks>
/// A job is cut into chunks that the caller and the worker take until none are left, so a busy
/// second core (another process, a worker not yet scheduled) never stalls the caller: it then
/// does the rest. Results must not depend on which thread runs a chunk. The caller takes chunks
/// from the front and the worker from the back, so when both are on time chunk 0 always runs on
/// the calling thread and the last chunk on the worker: the jobs of a training step cut the same
/// data alike (a layer's weight rows, in its products and the optimizer's step), and each half
/// then stays in one core's cache. Measured on the 2-core VM, moving data between the cores runs
/// at about 10 GB/s, against over 100 GB/s within a core.
/// </remarks>
internal sealed class ParallelWorker
{
    private const int Idle = 0;
    private const int Posted = 1;
    private const int Taken = 2;
    private const int Withdrawn = 3;

    // The caller spins briefly on _done before blocking: the worker's last chunk usually ends
    // within microseconds of the caller's. (_start needs no spin of its own: WaitForJob spins.)
    private const int SpinCount = 200;

    /// <summary>
    /// How long an idle worker watches for the next job before it sleeps. Measured on the
    /// 2-core VM: waking a sleeping worker cost a 64 × 128 × 784 product about 45 µs (2 threads
    /// took 110 µs against 67 µs on one), and a training step's products come 50 to 300 µs apart.
    /// </summary>
    private const double SpinMicroseconds = 1000;

    /// <summary>PAUSE instructions between looks at the state, leaving the core's resources to a sibling thread.</summary>
    private const int SpinIterations = 20;

    private readonly ManualResetEventSlim _start = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _done = new(false, SpinCount);
    private readonly Lock _gate = new();
    private Thread? _thread;
    private IParallelJob? _job;

    /// <summary>Per chunk, 1 once a thread has taken it (grown to the largest job's count).</summary>
    private int[] _taken = new int[4];
    private int _state;
    private int _sleeping;
    private Exception? _error;

    /// <summary>
    /// Takes the worker for one job; false if another caller holds it, or this thread already does
    /// (a job's chunk that reaches a parallel product): then work alone.
    /// </summary>
    public bool TryEnter() => !_gate.IsHeldByCurrentThread && _gate.TryEnter();

    /// <summary>Releases the worker taken by <see cref="TryEnter"/>.</summary>
    public void Exit() => _gate.Exit();

    private static int s_maxThreads = Math.Min(2, Environment.ProcessorCount);

    /// <summary>
    /// Threads the library's parallel work may use: 1, or 2 (the caller and the worker). One knob
    /// for every user of the worker (GEMM products, optimizer steps); results never depend on it.
    /// </summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref s_maxThreads, Math.Min(value, 2));
        }
    }

    /// <summary>The worker every part of the library shares (the cores are shared too).</summary>
    public static ParallelWorker Shared { get; } = new();

    /// <summary>Runs <paramref name="job"/> on this thread and the worker; the caller must hold the worker (<see cref="TryEnter"/>).</summary>
    public void Run(IParallelJob job)
    {
        Post(job);
        try
        {
            RunChunks(fromBack: false);
        }
        finally
        {
            // Even when a chunk throws here, the job is withdrawn or waited for before the caller
            // releases the worker: its pointers are pinned only until then, and the job object
            // may be set for the next caller right after.
            Finish();
        }
    }

    private void Post(IParallelJob job)
    {
        _job = job;
        if (_taken.Length < job.Count)
        {
            _taken = new int[job.Count];
        }

        Array.Clear(_taken, 0, job.Count);
        _error = null;
        _done.Reset();

        // A full fence on each side (here and in WaitForJob) means that either the worker sees
        // Posted before it blocks, or this sees it asleep and wakes it: the wake-up (a system
        // call, tens of microseconds on this VM) is paid only when the worker really sleeps.
        Interlocked.Exchange(ref _state, Posted);
        if (_thread is null)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "LogitNet worker" };
            _thread.Start();
        }

        if (Volatile.Read(ref _sleeping) != 0)
        {
            _start.Set();
        }
    }

    /// <summary>Takes chunks until none are left: the caller from the front, the worker from the back.</summary>
    private void RunChunks(bool fromBack)
    {
        IParallelJob job = _job!;
        int[] taken = _taken;
        int count = job.Count;
        for (int i = 0; i < count; i++)
        {
            int index = fromBack ? count - 1 - i : i;
            if (Interlocked.Exchange(ref taken[index], 1) == 0)
            {
                job.Run(index);
            }
        }
    }

    /// <summary>
    /// Called by the poster after its own chunks: withdraws the job if the worker never
    /// picked it up (it is not waited for), or waits for the worker's last chunk.
    /// </summary>
    private void Finish()
    {
        if (Interlocked.CompareExchange(ref _state, Withdrawn, Posted) == Posted)
        {
            return;
        }

        _done.Wait();
        Volatile.Write(ref _state, Idle);
        if (_error is not null)
        {
            throw new InvalidOperationException("The LogitNet worker thread failed.", _error);
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
                RunChunks(fromBack: true);
            }
            catch (Exception exception)
            {
                _error = exception;
            }

            _done.Set();
        }
    }
}
