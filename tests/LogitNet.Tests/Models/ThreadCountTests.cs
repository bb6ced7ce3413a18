using LogitNet.Kernels;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// Training on two threads cuts the work differently (the batch copy and the first product by
/// columns of the batch, the weight gradient by rows, the optimizer step in halves), never the
/// arithmetic: the weights after Fit must be those of one thread, bit for bit.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class ThreadCountTests
{
    [Theory]
    [InlineData(128, 64)]   // the M model: every two-thread path
    [InlineData(1024, 256)] // L's first layer: products cut by columns and rows, four K blocks
    public void Fit_OnTwoThreads_GivesTheOneThreadWeights(int units, int batchSize)
    {
        var random = new Random(5);
        int samples = 3 * batchSize + 7; // a short last batch too
        Tensor x = Tensor.FromArray(Enumerable.Range(0, samples * 784).Select(_ => (float)random.NextDouble()).ToArray(), samples, 784);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, samples).Select(i => (float)(i % 10)).ToArray(), samples);
        int saved = ParallelWorker.MaxThreads;
        try
        {
            float[][] one = Train(1), two = Train(2);
            for (int p = 0; p < one.Length; p++)
            {
                Assert.True(one[p].AsSpan().SequenceEqual(two[p]), $"parameter {p} differs between one and two threads");
            }
        }
        finally
        {
            ParallelWorker.MaxThreads = saved;
        }

        float[][] Train(int threads)
        {
            ParallelWorker.MaxThreads = threads;
            var model = new Sequential(new Dense(units, Activation.Relu), new Dense(64, Activation.Relu), new Dense(10)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 2, batchSize: batchSize, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
    }
}
