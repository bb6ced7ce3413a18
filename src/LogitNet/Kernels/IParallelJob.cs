namespace LogitNet.Kernels;

/// <summary>
/// Work cut into a fixed number of chunks that <see cref="WorkerPool"/> shares between threads.
/// The cut depends on the work alone (its shape), never on how many threads run it, and a chunk's
/// result must not depend on which thread runs it or when: so results never depend on the thread count.
/// </summary>
internal interface IParallelJob
{
    /// <summary>How many chunks there are.</summary>
    int Count { get; }

    /// <summary>Does chunk <paramref name="index"/>; called once per chunk, on any of the job's threads, in any order.</summary>
    void Run(int index);
}
