namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Products below this many flops (2·m·n·k) run on the calling thread: waking the worker and
    /// waiting for it costs a few microseconds, as much as a few hundred thousand flops on one core.
    /// </summary>
    internal const long ParallelFlopThreshold = 2_000_000;

    /// <summary>Above this many flops C is cut into 4 chunks instead of 2, so a late worker costs less.</summary>
    private const long FourChunkFlops = 64_000_000;

    /// <summary>
    /// Products of at least this many flops (and <see cref="TeamMinRows"/> rows) run as a
    /// <see cref="Team"/>, which packs each operand once between the two threads.
    /// </summary>
    private const long TeamFlops = 16_000_000;

    /// <summary>Rows a team needs: two halves of at least one 24-row multiple of both tile heights.</summary>
    private const int TeamMinRows = 48;

    private static readonly Worker s_worker = new();

    private static readonly Team s_team = new();

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

        if (!s_worker.TryEnter())
        {
            RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
            return;
        }

        try
        {
            if (flops >= TeamFlops && problem.M >= TeamMinRows)
            {
                RunAsTeam(problem, kernel);
                return;
            }

            // Each chunk packs its own copy of the operand the cut does not divide: cutting N
            // repeats A's packing (m·k per chunk), cutting M repeats B's (k·n); repeat the smaller
            // one. Cuts fall on tile multiples (12 rows or 32 columns suit every kernel).
            bool splitN = problem.M <= problem.N;
            int extent = splitN ? problem.N : problem.M;
            int unit = splitN ? 32 : 12;
            int wanted = flops >= FourChunkFlops ? 4 : 2;
            int chunkSize = RoundUp(CeilDiv(extent, wanted), unit);
            int chunks = CeilDiv(extent, chunkSize);
            if (chunks < 2)
            {
                RunBlock(problem, kernel, 0, problem.M, 0, problem.N);
                return;
            }

            s_worker.Post(new Chunks(problem, kernel, splitN, chunkSize, chunks, null));
            s_worker.RunChunks(member: 0);
            s_worker.Finish();
        }
        finally
        {
            s_worker.Exit();
        }
    }

    /// <summary>
    /// Two threads on one large product, as BLIS does it: each drives half the rows of C with its
    /// own packed A, and they pack each block of B once, half the panels each, into one buffer they
    /// share. Cutting into independent chunks instead would pack A (cut along N) or B (cut along M)
    /// once per chunk. Each element is computed exactly as on one thread.
    /// </summary>
    private static void RunAsTeam(in Problem problem, GemmKernel kernel)
    {
        int k = problem.K;
        int kcStep = CeilDiv(k, CeilDiv(k, KcMax));
        int panelColumns = RoundUp(Math.Min(problem.N, NcMax), 32) + 32;
        PackBuffers buffers = PackBuffers.ForCurrentThread(0, kcStep * panelColumns);
        Team team = s_team;
        bool readsBInPlace = !problem.TransposeB && ReadsInPlace(k, problem.N, CeilDiv(problem.M, 12));
        team.Reset(buffers.B, readsBInPlace);
        int split = RoundUp(CeilDiv(problem.M, 2), 24);
        s_worker.Post(new Chunks(problem, kernel, false, split, 2, team));
        try
        {
            RunBlock(problem, kernel, 0, split, 0, problem.N, team, 0);
        }
        catch
        {
            team.Fail();
            throw;
        }
        finally
        {
            s_worker.Finish();
        }
    }

    /// <summary>
    /// One product cut into chunks along M or N; or, with a <see cref="Team"/>, into two halves of
    /// the rows that the caller (chunk 0) and the worker (chunk 1) drive together.
    /// </summary>
    private readonly struct Chunks(Problem problem, GemmKernel kernel, bool splitN, int chunkSize, int count, Team? team)
    {
        public int Count => count;

        public Team? Team => team;

        public void Run(int index)
        {
            int start = index * chunkSize;
            if (team is not null)
            {
                RunBlock(problem, kernel, start, Math.Min(problem.M, start + chunkSize), 0, problem.N, team, index);
            }
            else if (splitN)
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
    /// What the two threads of one product share: the packed block of B and a barrier. Kernels do
    /// not throw on validated input; if a thread fails anyway it marks the team failed, and a
    /// partner waiting at the barrier stops waiting and fails too instead of hanging.
    /// </summary>
    private sealed class Team
    {
        public const int Size = 2;

        private int _arrived;
        private int _phase;
        private int _localPhase0;
        private int _localPhase1;
        private volatile bool _failed;

        /// <summary>The shared packed block of B (the caller's buffer).</summary>
        public float* SharedB { get; private set; }

        /// <summary>Whether B may be read in place (then nothing is shared and there are no barriers), decided once for both members.</summary>
        public bool ReadsBInPlace { get; private set; }

        public void Reset(float* sharedB, bool readsBInPlace)
        {
            SharedB = sharedB;
            ReadsBInPlace = readsBInPlace;
            _arrived = 0;
            _phase = 0;
            _localPhase0 = 0;
            _localPhase1 = 0;
            _failed = false;
        }

        public void Fail() => _failed = true;

        /// <summary>Waits until both members have arrived here.</summary>
        /// <param name="member">The caller's place in the team, 0 or 1.</param>
        public void Arrive(int member)
        {
            int target = member == 0 ? ++_localPhase0 : ++_localPhase1;
            if (Interlocked.Increment(ref _arrived) == Size)
            {
                Volatile.Write(ref _arrived, 0);
                Volatile.Write(ref _phase, target);
                return;
            }

            var spinner = default(SpinWait);
            while (Volatile.Read(ref _phase) != target)
            {
                if (_failed)
                {
                    throw new InvalidOperationException("The other GEMM thread failed.");
                }

                spinner.SpinOnce(sleep1Threshold: -1);
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

        private readonly ManualResetEventSlim _start = new(false, SpinCount);
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private readonly Lock _gate = new();
        private Thread? _thread;
        private Chunks _job;
        private int _next;
        private int _state;
        private Exception? _error;

        public bool TryEnter() => _gate.TryEnter();

        public void Exit() => _gate.Exit();

        public void Post(in Chunks job)
        {
            _job = job;
            _next = 0;
            _error = null;
            _done.Reset();
            Volatile.Write(ref _state, Posted);
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "LogitNet GEMM worker" };
                _thread.Start();
            }

            _start.Set();
        }

        /// <summary>
        /// Takes chunks until none are left (run by both threads); in a team, runs this thread's
        /// half (<paramref name="member"/> 0 the caller, 1 the worker).
        /// </summary>
        public void RunChunks(int member)
        {
            if (_job.Team is not null)
            {
                _job.Run(member);
                return;
            }

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
                // A team member that finished without its partner shared no B (no barrier was
                // passed), so the caller can drive the partner's rows as well.
                if (_job.Team is not null)
                {
                    _job.Run(1);
                }

                return;
            }

            _done.Wait();
            Volatile.Write(ref _state, Idle);
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

                // A wake-up for a job the poster already withdrew (or finished) finds no Posted
                // state and goes back to sleep; the fields of a newer job are written before it
                // is marked Posted, so a job taken here is always complete.
                if (Interlocked.CompareExchange(ref _state, Taken, Posted) != Posted)
                {
                    continue;
                }

                try
                {
                    RunChunks(member: 1);
                }
                catch (Exception exception)
                {
                    _error = exception;
                    _job.Team?.Fail();
                }

                _done.Set();
            }
        }
    }
}
