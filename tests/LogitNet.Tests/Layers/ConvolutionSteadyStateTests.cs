using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

public class ConvolutionSteadyStateTests
{
    [Fact]
    public void TrainingLoop_WithConvolutionPoolingAndNormalization_WhenWarm_AllocatesNothing()
    {
        Tensor x = Tensor.RandomUniform([1700, 10, 9, 1], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 1700).Select(i => (float)(i % 4)).ToArray(), 1700);
        var model = new Sequential(
            new Input(10, 9, 1),
            new Conv2D(8, 3, activation: Activation.Relu),
            new BatchNormalization(),
            new MaxPooling2D(),
            new Conv2D(8, 2, padding: Padding.Same, activation: Activation.Tanh),
            new AveragePooling2D(2, strides: 1),
            new GlobalMaxPooling2D(),
            new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var probe = new AllocationProbe(from: 10, window: 100);
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, callbacks: [probe]);
        Assert.True(probe.Windows >= 3, $"only {probe.Windows} windows of 100 steps measured");
        Assert.Equal(0, probe.FewestBytes);
    }

    [Fact]
    public void TrainingLoop_WithDepthwiseConvolutions_LargeKernelIncluded_WhenWarm_AllocatesNothing()
    {
        // A 17 x 17 kernel has 289 taps, past the 256 a stack-held tap list once allowed; a depth multiplier of 2 takes
        // the expand and reduce path.
        Tensor x = Tensor.RandomUniform([1700, 9, 8, 2], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 1700).Select(i => (float)(i % 3)).ToArray(), 1700);
        var model = new Sequential(
            new Input(9, 8, 2),
            new DepthwiseConv2D(17, padding: Padding.Same, activation: Activation.Relu),
            new DepthwiseConv2D(3, depthMultiplier: 2, activation: Activation.Tanh),
            new GlobalAveragePooling2D(),
            new Dense(3)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var probe = new AllocationProbe(from: 10, window: 100);
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, callbacks: [probe]);
        Assert.True(probe.Windows >= 3, $"only {probe.Windows} windows of 100 steps measured");
        Assert.Equal(0, probe.FewestBytes);
    }

    /// <summary>Bytes allocated on the training thread over windows of steps; the fewest in any window (see <see cref="SteadyState"/>).</summary>
    private sealed class AllocationProbe(int from, int window) : Callback
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
}
