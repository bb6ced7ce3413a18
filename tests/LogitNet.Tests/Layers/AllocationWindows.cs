using LogitNet.Callbacks;

namespace LogitNet.Tests.Layers;

/// <summary>Bytes allocated on the training thread over windows of steps; the fewest in any window (see <see cref="SteadyState"/>).</summary>
internal sealed class AllocationWindows(int from, int window) : Callback
{
    private long _start;

    public long FewestBytes { get; private set; } = long.MaxValue;

    public int Windows { get; private set; }

    public override void OnBatchEnd(in BatchProgress progress)
    {
        if (progress.Batch < from || (progress.Batch - from) % window != 0)
        {
            return;
        }

        long now = GC.GetAllocatedBytesForCurrentThread();
        if (progress.Batch > from)
        {
            FewestBytes = Math.Min(FewestBytes, now - _start);
            Windows++;
        }

        _start = GC.GetAllocatedBytesForCurrentThread();
    }
}
