using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

/// <summary>A layer's per-batch buffer: a batch too large for one array is refused with the largest batch that fits.</summary>
public sealed class BatchBufferTests
{
    [Fact]
    public void ABatchBeyondTheArrayLimit_IsRefused_NamingTheLargestBatchThatFits()
    {
        // A 224 × 224 "same" 3 × 3 convolution over 64 channels unfolds 50,176 × 576 values per sample: a batch of 128
        // needs 3.7e9, which the runtime refused as "Array dimensions exceeded supported range", naming nothing.
        var buffer = new BatchBuffer([50_176, 576]);
        var error = Assert.Throws<InvalidOperationException>(() => buffer.For(128));
        Assert.Contains("A batch of 128 samples needs 3,699,376,128 values", error.Message);
        Assert.Contains("use a batch of at most 74 samples", error.Message);
    }

    [Fact]
    public void ABatchWithinTheLimit_GetsItsShape()
    {
        var buffer = new BatchBuffer([3, 2]);
        Assert.Equal([5, 3, 2], buffer.For(5).Shape);
        Assert.Equal([1, 3, 2], buffer.For(1).Shape);
    }
}
