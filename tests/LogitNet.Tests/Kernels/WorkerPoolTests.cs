using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The pool's contract: every chunk runs exactly once, whatever the thread count; a chunk's
/// exception reaches the caller, from any thread; a job's chunk may start a job of its own (it runs
/// on its thread); concurrent callers each finish; the public cap is validated.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class WorkerPoolTests
{
    private sealed class Counting(int count) : IParallelJob
    {
        public int[] Runs { get; } = new int[count];

        public int[] Threads { get; } = new int[count];

        public int Count => count;

        public Func<int, bool> Throws { get; init; } = _ => false;

        public void Run(int index)
        {
            Interlocked.Increment(ref Runs[index]);
            Threads[index] = Environment.CurrentManagedThreadId;
            if (Throws(index))
            {
                throw new InvalidDataException($"chunk {index} failed");
            }

            Thread.SpinWait(2000);
            Interlocked.Increment(ref _finished);
        }

        private int _finished;

        /// <summary>Chunks that have run to their end.</summary>
        public int Finished => Volatile.Read(ref _finished);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 2)]
    [InlineData(3, 7)]
    [InlineData(4, 64)]
    [InlineData(8, 3)]
    [InlineData(8, 200)]
    public void Run_AnyThreadCount_RunsEveryChunkOnce(int threads, int chunks)
    {
        for (int round = 0; round < 20; round++)
        {
            var job = new Counting(chunks);
            WorkerPool.Run(job, threads);
            Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        }
    }

    [Fact]
    public void Run_ChunkZero_RunsOnTheCallingThread()
    {
        // The caller starts at chunk 0 and takes it before any worker could reach it (workers
        // start at their own share), which the training step's data placement relies on.
        for (int round = 0; round < 20; round++)
        {
            var job = new Counting(8);
            WorkerPool.Run(job, 4);
            Assert.Equal(Environment.CurrentManagedThreadId, job.Threads[0]);
        }
    }

    [Theory]
    [InlineData(0)] // the caller's own first chunk
    [InlineData(5)] // a worker's chunk, or the caller's if the worker is late
    [InlineData(7)]
    public void Run_ChunkThrows_ExceptionReachesTheCaller(int failing)
    {
        for (int round = 0; round < 10; round++)
        {
            var job = new Counting(8) { Throws = i => i == failing };
            var error = Assert.Throws<InvalidDataException>(() => WorkerPool.Run(job, 4));
            Assert.Equal($"chunk {failing} failed", error.Message);
        }

        // The pool still works afterwards.
        var after = new Counting(8);
        WorkerPool.Run(after, 4);
        Assert.All(after.Runs, runs => Assert.Equal(1, runs));
    }

    /// <summary>
    /// Several chunks throw: the lowest one's exception reaches the caller on any thread count, the one a single thread
    /// running the chunks in order meets first (the pool used to rethrow whichever failed first in time, so a prediction
    /// with two bad inputs named the second on two threads). Chunk 2 throws last in time here: it waits.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Run_SeveralChunksThrow_TheLowestChunksExceptionReachesTheCaller(int threads)
    {
        for (int round = 0; round < 10; round++)
        {
            var job = new Counting(12) { Throws = i => i == 2 ? Wait() : i is 5 or 9 or 11 };
            var error = Assert.Throws<InvalidDataException>(() => WorkerPool.Run(job, threads));
            Assert.Equal("chunk 2 failed", error.Message);
            Assert.All(job.Runs, runs => Assert.InRange(runs, 0, 1));
            Assert.Equal(1, job.Runs[2]);
        }

        static bool Wait()
        {
            Thread.Sleep(5);
            return true;
        }
    }

    private sealed class Nested(int count) : IParallelJob
    {
        public Counting[] Inner { get; } = Enumerable.Range(0, count).Select(_ => new Counting(4)).ToArray();

        public int Count => count;

        public void Run(int index) => WorkerPool.Run(Inner[index], 4);
    }

    [Fact]
    public void Run_ChunkStartsAJob_RunsItOnItsOwnThread()
    {
        var job = new Nested(6);
        WorkerPool.Run(job, 3);
        Assert.All(job.Inner, inner => Assert.All(inner.Runs, runs => Assert.Equal(1, runs)));
    }

    [Fact]
    public void TryRun_AWorkerThreadFailsToStart_TheJobEndsOnTheOthersAndTheThreadIsTriedAgain()
    {
        // Participant 2's thread is refused once (as the system does when it has no memory for a stack).
        var attempts = new int[4];
        var pool = new WorkerPool
        {
            ThreadStarting = participant =>
            {
                if (Interlocked.Increment(ref attempts[participant]) == 1 && participant == 2)
                {
                    throw new OutOfMemoryException("no stack for participant 2");
                }
            },
        };

        var first = new Counting(8);
        Assert.True(pool.TryRun(first, 4));
        // Every chunk ran once and had ended when the caller got control back: no worker runs on after it returns.
        Assert.All(first.Runs, runs => Assert.Equal(1, runs));
        Assert.Equal(8, first.Finished);
        Assert.InRange(first.Threads.Distinct().Count(), 1, 2);
        Assert.Equal(0, attempts[3]);

        var second = new Counting(8);
        Assert.True(pool.TryRun(second, 4));
        Assert.All(second.Runs, runs => Assert.Equal(1, runs));
        Assert.Equal(2, attempts[2]);
        Assert.Equal(1, attempts[3]);
    }

    [Fact]
    public async Task Run_FromSeveralThreadsAtOnce_EveryCallFinishes()
    {
        bool[] ok = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            bool all = true;
            for (int round = 0; round < 200; round++)
            {
                var job = new Counting(5);
                WorkerPool.Run(job, 3);
                all &= job.Runs.All(runs => runs == 1);
            }

            return all;
        })));
        Assert.All(ok, Assert.True);
    }

    [Fact]
    public void MaxThreads_RejectsNonsense_AndIsThePoolsSetting()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
            Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 257);
            Parallelism.MaxThreads = 3;
            Assert.Equal(3, Parallelism.MaxThreads);
            Assert.Equal(3, WorkerPool.MaxThreads);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private sealed class Empty(int count) : IParallelJob
    {
        public int Count => count;

        public void Run(int index)
        {
        }
    }

    [Fact]
    public void Run_WhenWarm_AllocatesNothingOnTheCallingThread()
    {
        var job = new Empty(16);
        Assert.Equal(0, SteadyState.AllocatedBytes(() => WorkerPool.Run(job, 4)));
    }
}
