namespace LogitNet.Kernels;

/// <summary>Runs a job's chunks on the calling thread and the shared worker, or alone when the worker is taken or one thread is allowed.</summary>
internal static class ParallelChunks
{
    /// <summary>Runs every chunk of <paramref name="job"/> once; the results must not depend on which thread runs which chunk.</summary>
    public static void Run(IParallelJob job)
    {
        ParallelWorker worker = ParallelWorker.Shared;
        if (job.Count < 2 || ParallelWorker.MaxThreads < 2 || !worker.TryEnter())
        {
            for (int i = 0; i < job.Count; i++)
            {
                job.Run(i);
            }

            return;
        }

        try
        {
            worker.Run(job);
        }
        finally
        {
            worker.Exit();
        }
    }
}
