namespace LogitNet.Tests;

/// <summary>Measures what warm code allocates, apart from the runtime's own occasional allocations.</summary>
internal static class SteadyState
{
    /// <summary>
    /// Runs <paramref name="round"/> once to warm up, then up to <paramref name="rounds"/> more
    /// times, and returns the fewest bytes one round allocated on this thread (stopping at 0).
    /// </summary>
    /// <remarks>
    /// The runtime may allocate on a thread while it swaps in re-optimized code (tiered
    /// compilation): seen here as 24 to 6,584 bytes in one round out of hundreds, at moments that
    /// depend on what else the test process is compiling. Code that allocates on every step does so
    /// in every round, so the minimum is the code's own.
    /// </remarks>
    public static long AllocatedBytes(Action round, int rounds = 50)
    {
        round();
        long fewest = long.MaxValue;
        for (int i = 0; i < rounds && fewest > 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
