namespace LogitNet.Kernels;

/// <summary>Work cut into chunks that <see cref="ParallelWorker"/> hands to two threads.</summary>
internal interface IParallelJob
{
    /// <summary>How many chunks there are.</summary>
    int Count { get; }

    /// <summary>Does chunk <paramref name="index"/>; called once per chunk, on either thread.</summary>
    void Run(int index);
}
