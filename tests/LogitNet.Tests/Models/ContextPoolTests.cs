using LogitNet.Layers;

namespace LogitNet.Tests.Models;

/// <summary>
/// The inference context pool: a thread gets back the context it returned last (its buffers are in that core's caches),
/// and any free one otherwise.
/// </summary>
public class ContextPoolTests
{
    [Fact]
    public void Rent_OnTheSameThread_ReturnsItsOwnContext_AheadOfAnEarlierSlot()
    {
        var dense = new Dense(4);
        dense.Build([3]);
        var pool = new ContextPool(() => new ModelContext([dense], [3]));
        ModelContext? other = null;

        // Another thread's context goes back first, into the first slot; this thread's into the second.
        ModelContext mine = pool.Rent();
        var t = new Thread(() => { other = pool.Rent(); });
        t.Start();
        t.Join();
        Assert.NotSame(mine, other);
        var back = new Thread(() => pool.Return(other!));
        back.Start();
        back.Join();
        pool.Return(mine);

        // Without the preference the first slot's context (the other thread's) would come first.
        Assert.Same(mine, pool.Rent());
        Assert.Same(other, pool.Rent());
    }
}
