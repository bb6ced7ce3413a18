using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// <see cref="ThreadCountTests"/> for every layer type and optimizer: the weights (and layer state such as moving
/// statistics) after several Fit steps, and the trained model's predictions, are those of one thread, bit for bit, on 2,
/// 3, 4 and 8 threads; with batches not divisible by the thread count, a batch of one and batches smaller than the
/// thread count.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class EveryLayerThreadCountTests
{
    public static TheoryData<string, int> ModelsAndBatchSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in EveryLayerModels.Names())
        {
            foreach (int batchSize in new[] { 1, 3, 37 })
            {
                data.Add(name, batchSize);
            }

            if (name is "image" or "sequence")
            {
                // Batches that the convolutions, pooling and depthwise passes cut into several chunks of samples.
                data.Add(name, 83);
            }
        }

        return data;
    }

    public static TheoryData<string> OptimizerNames() => ["adam", "adamw", "rmsprop", "sgd-momentum", "adamax", "adadelta"];

    [Theory]
    [MemberData(nameof(ModelsAndBatchSizes))]
    public void Fit_AnyThreadCount_GivesTheOneThreadWeightsAndPredictions(string name, int batchSize) =>
        AssertSameOnEveryThreadCount(name, batchSize, () => new Adam(0.01f));

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Fit_WideModel_EveryOptimizer_AnyThreadCount_GivesTheOneThreadWeights(string optimizer) =>
        AssertSameOnEveryThreadCount("wide", 37, () => optimizer switch
        {
            "adam" => new Adam(0.01f),
            "adamw" => new AdamW(0.01f, weightDecay: 0.1f),
            "rmsprop" => new RMSprop(0.01f, momentum: 0.5f, centered: true),
            "sgd-momentum" => new SGD(0.1f, momentum: 0.9f, nesterov: true),
            "adamax" => new Adamax(0.01f),
            "adadelta" => new Adadelta(1f),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer)),
        });

    private static void AssertSameOnEveryThreadCount(string name, int batchSize, Func<Optimizer> optimizer)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            (float[][] weights, float[] predictions) one = Train(1);
            foreach (int threads in new[] { 2, 3, 4, 8 })
            {
                (float[][] weights, float[] predictions) many = Train(threads);
                for (int p = 0; p < one.weights.Length; p++)
                {
                    Assert.True(one.weights[p].AsSpan().SequenceEqual(many.weights[p]), $"{name}: parameter {p} differs between one and {threads} threads");
                }

                Assert.True(one.predictions.AsSpan().SequenceEqual(many.predictions), $"{name}: predictions differ between one and {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        (float[][], float[]) Train(int threads)
        {
            Parallelism.MaxThreads = threads;
            int samples = batchSize == 1 ? 6 : batchSize > 40 ? 2 * batchSize + 1 : 4 * batchSize + 1;
            (Sequential model, Tensor x, Tensor y, Tensor weights) = EveryLayerModels.Create(name, samples: 600, optimizer());
            model.Build(x.Shape[1..]);
            float[][] initial = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
            History history = model.Fit(x.Slice(0, samples), y.Slice(0, samples), epochs: 2, batchSize: batchSize, sampleWeight: weights.Slice(0, samples), verbose: 0);
            float[][] trained = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
            Assert.Contains(Enumerable.Range(0, trained.Length), p => !trained[p].AsSpan().SequenceEqual(initial[p]));
            float[] predictions = [.. model.Predict(x).ToArray(), .. model.Predict(x.Slice(0, 1)).ToArray(), .. model.Predict(x.Slice(0, 3)).ToArray(),
                .. model.PredictProba(x).ToArray(),
                .. history.Keys.Order().SelectMany(key => history[key]),
                .. model.Evaluate(x, y, batchSize: 600, sampleWeight: weights).OrderBy(p => p.Key).Select(p => p.Value)];
            return (trained, predictions);
        }
    }
}
