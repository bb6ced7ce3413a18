namespace LogitNet;

/// <summary>
/// The inference contexts of one model, reused across calls so that a warm <c>Predict</c> allocates
/// nothing but its result, and rented one per call so that concurrent calls never share buffers.
/// </summary>
/// <remarks>
/// A fixed array of slots taken and given back with atomic exchanges: no lock, and no allocation once
/// warm. When more callers run at once than there are slots, the extra contexts are made for the call
/// and dropped after it.
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

    /// <summary>A context for this caller alone until <see cref="Return"/>.</summary>
    public ModelContext Rent()
    {
        ModelContext?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } context)
            {
                return context;
            }
        }

        return _create();
    }

    /// <summary>Gives a context back for the next caller.</summary>
    public void Return(ModelContext context)
    {
        context.Release();
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
