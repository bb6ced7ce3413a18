using LogitNet.Kernels;

namespace LogitNet;

/// <summary>
/// How many threads LogitNet's parallel work may use: matrix products, optimizer steps and the
/// training loop's batch copy, in training and in prediction.
/// </summary>
/// <remarks>
/// <para>
/// Results never depend on this setting. Work is cut into chunks fixed by the problem's shape
/// alone (rows and columns of a product, pieces of a parameter), and where chunks compute parts of
/// one sum (the K blocks of a short product) their partial sums are added in one fixed order. A
/// model trained or queried with 1, 2 or 64 threads gives the same bits.
/// </para>
/// <para>
/// The threads are the calling thread plus a pool of background threads that LogitNet starts on
/// first use (one fewer than <see cref="MaxThreads"/>). After a job they watch for the next one for
/// about a millisecond (the products of a training step come a few hundred microseconds apart),
/// then sleep: an idle pool costs no CPU time. One caller uses the pool at a time; a caller that
/// finds it busy (another thread predicting, say) does its work on its own thread, so concurrent
/// calls never wait for each other.
/// </para>
/// <para>
/// Lower the cap on a server that runs one request per core, or one model per core, so that
/// LogitNet does not compete with its own callers; set it to 1 to keep all work on the calling
/// thread.
/// </para>
/// <example>
/// <code>
/// Parallelism.MaxThreads = 1;   // one request per core: each Predict stays on its own thread
/// </code>
/// </example>
/// </remarks>
public static class Parallelism
{
    /// <summary>
    /// The most threads one call may use, the calling thread included; by default
    /// <see cref="Environment.ProcessorCount"/> (the cores this process may run on). Values above
    /// the core count are allowed (tests use them) but only add switching. Results do not depend
    /// on it. Changing it while another thread is training or predicting is safe: calls already
    /// running keep the count they started with.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 or more than 256.</exception>
    public static int MaxThreads
    {
        get => WorkerPool.MaxThreads;
        set => WorkerPool.MaxThreads = value;
    }
}
