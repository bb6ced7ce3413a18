using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

/// <summary>The sequence layers inside models: a warm training step allocates nothing, and one model serves many threads.</summary>
public class SequenceModelTests
{
    private static Sequential TextModel() => new(
        new Input(12),
        new Embedding(30, 8),
        new SpatialDropout1D(0.2f),
        new Conv1D(6, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Relu),
        new MaxPooling1D(),
        new Conv1D(5, 2, padding: Padding.Same, activation: Activation.Tanh),
        new AveragePooling1D(2, strides: 1),
        new GlobalMaxPooling1D(),
        new Dense(3)) { Log = TextWriter.Null, Seed = 11 };

    private static (Tensor X, Tensor Y) Data(int n)
    {
        var random = new Random(5);
        float[] ids = Enumerable.Range(0, n * 12).Select(_ => (float)random.Next(30)).ToArray();
        float[] labels = Enumerable.Range(0, n).Select(i => (float)(i % 3)).ToArray();
        return (Tensor.FromArray(ids, n, 12), Tensor.FromArray(labels, n));
    }

    [Fact]
    public void TrainingLoop_WithEmbeddingConvolutionPoolingAndSpatialDropout_WhenWarm_AllocatesNothing()
    {
        (Tensor x, Tensor y) = Data(1700);
        Sequential model = TextModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var probe = new AllocationProbe(from: 10, window: 100);
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, callbacks: [probe]);
        Assert.True(probe.Windows >= 3, $"only {probe.Windows} windows of 100 steps measured");
        Assert.Equal(0, probe.FewestBytes);
    }

    [Fact]
    public void Predict_FromManyThreadsAtOnce_GivesEachTheOneThreadResult()
    {
        (Tensor x, Tensor y) = Data(64);
        Sequential model = TextModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0);
        float[] expected = model.Predict(x).ToArray();
        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (int repeat = 0; repeat < 20; repeat++)
            {
                results[i] = model.Predict(x, batchSize: 5 + i).ToArray();
            }
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    /// <summary>Bytes allocated on the training thread over windows of steps; the fewest in any window.</summary>
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
