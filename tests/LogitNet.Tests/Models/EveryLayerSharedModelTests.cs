namespace LogitNet.Tests.Models;

/// <summary>
/// <see cref="SharedModelTests"/> for every layer type: one model serving eight threads at once gives each call the bits
/// it gives alone (Predict, PredictProba, PredictClasses, Evaluate with metrics and sample weights), at one row, a few rows,
/// and batches that run as row chunks (over 512 rows) and as several passes (over the image model's 455 rows per pass).
/// </summary>
public class EveryLayerSharedModelTests
{
    private const int Threads = 8;

    public static TheoryData<string> Models() => EveryLayerModels.Names();

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryCall_FromEightThreads_GivesTheBitsOfTheCallMadeAlone(string name)
    {
        (Sequential model, Tensor x, Tensor y, Tensor weights) = EveryLayerModels.Create(name, samples: 600);
        model.Fit(x.Slice(0, 96), y.Slice(0, 96), epochs: 1, batchSize: 32, verbose: 0);
        Tensor[] inputs = [x.Slice(0, 1), x.Slice(9, 1), x.Slice(3, 7), x.Slice(0, 64), x];
        float[][] predictAlone = inputs.Select(input => model.Predict(input).ToArray()).ToArray();
        float[][] passesAlone = inputs.Select(input => model.Predict(input, batchSize: 100).ToArray()).ToArray();
        float[][] probaAlone = inputs.Select(input => model.PredictProba(input).ToArray()).ToArray();
        int[][] classesAlone = inputs.Select(input => model.PredictClasses(input)).ToArray();
        Tensor xEvaluate = x.Slice(0, 150), yEvaluate = y.Slice(0, 150), wEvaluate = weights.Slice(0, 150);
        var evaluateAlone = model.Evaluate(xEvaluate, yEvaluate, batchSize: 40, sampleWeight: wEvaluate).OrderBy(p => p.Key).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(predictAlone[i], passesAlone[i]);
        }

        // A row's output does not depend on the rows beside it (one-row products take other kernels than large batches).
        Tensor some = x.Slice(0, 130);
        float[] whole = model.Predict(some).ToArray();
        foreach (int rows in new[] { 1, 2, 3, 5, 64 })
        {
            Assert.True(whole.AsSpan().SequenceEqual(model.Predict(some, batchSize: rows).ToArray()), $"{name}: passes of {rows} rows differ from one pass");
        }

        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(Threads);
        Thread[] workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 3; round++)
            {
                int i = (t + 2 * round) % inputs.Length;
                Check(model.Predict(inputs[i]).ToArray().AsSpan().SequenceEqual(predictAlone[i]), $"Predict {i}");
                Check(model.PredictProba(inputs[i]).ToArray().AsSpan().SequenceEqual(probaAlone[i]), $"PredictProba {i}");
                Check(model.PredictClasses(inputs[i]).AsSpan().SequenceEqual(classesAlone[i]), $"PredictClasses {i}");
                Check(model.Predict(inputs[i], batchSize: 100).ToArray().AsSpan().SequenceEqual(predictAlone[i]), $"Predict {i} in passes of 100");
                if (round == t % 3)
                {
                    var evaluated = model.Evaluate(xEvaluate, yEvaluate, batchSize: 40, sampleWeight: wEvaluate).OrderBy(p => p.Key).ToArray();
                    Check(evaluated.SequenceEqual(evaluateAlone), "Evaluate");
                }
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        Assert.All(workers, worker => Assert.True(worker.Join(TimeSpan.FromMinutes(2)), "the shared-model calls did not finish in two minutes"));
        Assert.Empty(mismatches);

        void Check(bool same, string what)
        {
            if (!same)
            {
                mismatches.Add(what);
            }
        }
    }
}
