namespace LogitNet;

/// <summary>
/// The inference contexts of one model, reused across calls so that a warm <c>Predict</c> allocates
/// nothing but its result, and rented one per call so that concurrent calls never share buffers.
/// </summary>
/// <remarks>
/// A fixed array of slots taken and given back with atomic exchanges: no lock, and no allocation once
/// warm. When more callers run at once than there are slots, the extra contexts are made for the call
/// and dropped after it. A thread gets back the context it returned last when that one is free, so that
/// the buffers it writes are already in its core's caches.
/// </remarks>
internal sealed class ContextPool
{
    private readonly ModelContext?[] _slots;
    private readonly Func<ModelContext> _create;

    public ContextPool(Func<ModelContext> create)
    {
        _create = create;
        _slots = new ModelContext?[Math.Max(4, 2 * Environment.ProcessorCount)];
    }

    /// <summary>
    /// A context for this caller alone until <see cref="Return"/>: the one this thread gave back last if it is free,
    /// so that its buffers are still in this core's caches, else any free one, else a new one.
    /// </summary>
    public ModelContext Rent()
    {
        ModelContext?[] slots = _slots;
        int thread = Environment.CurrentManagedThreadId;
        if (PreferOwn)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                if (Volatile.Read(ref slots[i]) is { } mine && mine.LastThread == thread
                    && ReferenceEquals(Interlocked.CompareExchange(ref slots[i], null, mine), mine))
                {
                    return mine;
                }
            }
        }

        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } context)
            {
                return context;
            }
        }

        return _create();
    }

    /// <summary>
    /// Whether <see cref="Rent"/> looks first for the context this thread gave back last. A prediction of the MNIST
    /// convnet at batch 32 runs four row chunks on two threads, each renting a context: taken in any order, a chunk's
    /// megabyte of activations was often last written on the other core, and the call took 1.10× as long (median of 25
    /// alternating rounds) while a cache line took 208–243 ns between the cores; level while it took 66–92 ns, and at
    /// batches of 1 and 1000 (session 19). Settable for benchmarks only; a context's buffers hold no results, so the bits
    /// never depend on it.
    /// </summary>
    internal static bool PreferOwn = true;

    /// <summary>Gives a context back for the next caller.</summary>
    public void Return(ModelContext context)
    {
        context.Release();
        context.LastThread = Environment.CurrentManagedThreadId;
        ModelContext?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], context, null) is null)
            {
                return;
            }
        }
    }
}
