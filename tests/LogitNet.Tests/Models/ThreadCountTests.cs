using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// Training on several threads cuts the work (the batch copy and the first product by K blocks,
/// the other products by rows and columns, the optimizer step in pieces), never the arithmetic: the
/// weights after Fit, and the predictions of the trained model, must be those of one thread, bit
/// for bit, for 2, 3, 4 and 8 threads (forced on this machine whatever its cores), through the public API only.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class ThreadCountTests
{
    [Theory]
    [InlineData(128, 64)]   // the M model: products cut by K, optimizer step in pieces
    [InlineData(1024, 256)] // L's first layer: products cut by columns and rows, four K blocks
    public void Fit_AnyThreadCount_GivesTheOneThreadWeightsAndPredictions(int units, int batchSize)
    {
        var random = new Random(5);
        int samples = 3 * batchSize + 7; // a short last batch too
        Tensor x = Tensor.FromArray(Enumerable.Range(0, samples * 784).Select(_ => (float)random.NextDouble()).ToArray(), samples, 784);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, samples).Select(i => (float)(i % 10)).ToArray(), samples);
        int saved = Parallelism.MaxThreads;
        try
        {
            (float[][] weights, float[] predictions) one = Train(1);
            Assert.Contains(one.weights[0], w => w != one.weights[0][0]); // trained: not a constant
            foreach (int threads in new[] { 2, 3, 4, 8 })
            {
                (float[][] weights, float[] predictions) many = Train(threads);
                for (int p = 0; p < one.weights.Length; p++)
                {
                    Assert.True(one.weights[p].AsSpan().SequenceEqual(many.weights[p]), $"parameter {p} differs between one and {threads} threads");
                }

                Assert.True(one.predictions.AsSpan().SequenceEqual(many.predictions), $"predictions differ between one and {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        (float[][], float[]) Train(int threads)
        {
            Parallelism.MaxThreads = threads;
            var model = new Sequential(new Dense(units, Activation.Relu), new Dense(64, Activation.Relu), new Dense(10)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 2, batchSize: batchSize, verbose: 0);
            float[] predictions = model.Predict(x).ToArray().Concat(model.Predict(x.Slice(0, 1)).ToArray()).ToArray();
            return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), predictions);
        }
    }
}
