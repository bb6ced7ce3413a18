namespace LogitNet.Kernels;

/// <summary>Runs a job's chunks on the calling thread and the shared pool, or alone when the pool is taken or one thread is allowed.</summary>
internal static class ParallelChunks
{
    /// <summary>Runs every chunk of <paramref name="job"/> once; the results must not depend on which thread runs which chunk.</summary>
    public static void Run(IParallelJob job) => WorkerPool.Run(job, WorkerPool.MaxThreads);
}
