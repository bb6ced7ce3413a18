using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

/// <summary>The sequence layers on the convolution's chunked kernels: one and several threads train to the same bits.</summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class SequenceThreadTests
{
    [Fact]
    public void Fit_TextModel_OnSeveralThreads_GivesTheOneThreadWeights()
    {
        var random = new Random(4);
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 90 * 40).Select(_ => (float)random.Next(200)).ToArray(), 90, 40);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 90).Select(i => (float)(i % 2)).ToArray(), 90);
        int saved = Parallelism.MaxThreads;
        try
        {
            float[][] one = Train(1);
            foreach (int threads in (int[])[2, 3, 8])
            {
                float[][] many = Train(threads);
                for (int p = 0; p < one.Length; p++)
                {
                    Assert.True(one[p].AsSpan().SequenceEqual(many[p]), $"parameter {p} differs between one and {threads} threads");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        float[][] Train(int threads)
        {
            Parallelism.MaxThreads = threads;
            var model = new Sequential(
                new Input(40),
                new Embedding(200, 16),
                new SpatialDropout1D(0.2f),
                new Conv1D(32, 5, padding: Padding.Causal, activation: Activation.Relu),
                new MaxPooling1D(3),
                new Conv1D(24, 3, padding: Padding.Same, activation: Activation.Tanh),
                new GlobalAveragePooling1D(),
                new Dense(1)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
    }
}
