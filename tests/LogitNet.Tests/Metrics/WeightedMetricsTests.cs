using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Metrics;

/// <summary>
/// Keras's split between <c>metrics</c> (every sample counts alike) and <c>weighted_metrics</c> (sample and class
/// weights apply), their names in the logs, and their place in saved files.
/// </summary>
public class WeightedMetricsTests
{
    // Ten samples, two classes; a fixed model (learning rate 0) whose predictions are read back with Predict.
    private static (Sequential Model, Tensor X, Tensor Y, bool[] Correct) Fixture(IReadOnlyList<Metric> metrics, IReadOnlyList<Metric>? weightedMetrics)
    {
        var x = Tensor.RandomNormal([10, 3], 0f, 1f, seed: 5);
        var y = Tensor.FromArray([0f, 1f, 1f, 0f, 1f, 0f, 0f, 1f, 1f, 0f], 10);
        var model = new Sequential(new Dense(2)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f), metrics, weightedMetrics);
        model.Build([3]);
        float[] logits = model.Predict(x).ToArray();
        bool[] correct = Enumerable.Range(0, 10).Select(i => (logits[2 * i + 1] > logits[2 * i] ? 1f : 0f) == y.ToArray()[i]).ToArray();
        Assert.Contains(true, correct);
        Assert.Contains(false, correct);
        return (model, x, y, correct);
    }

    private static float Accuracy(bool[] correct, float[] weights) =>
        (float)(Enumerable.Range(0, correct.Length).Sum(i => correct[i] ? (double)weights[i] : 0) / weights.Sum(w => (double)w));

    [Fact]
    public void Evaluate_WeighsOnlyTheWeightedMetrics()
    {
        (Sequential model, Tensor x, Tensor y, bool[] correct) = Fixture([LogitNet.Metrics.Metrics.Accuracy], [LogitNet.Metrics.Metrics.Accuracy]);
        // Weight the wrongly classified samples heavily, so the weighted accuracy differs from the plain one.
        float[] weights = correct.Select(c => c ? 1f : 5f).ToArray();
        IReadOnlyDictionary<string, float> results = model.Evaluate(x, y, batchSize: 4, sampleWeight: Tensor.FromArray(weights, 10));

        Assert.Equal(["loss", "accuracy", "weighted_accuracy"], results.Keys);
        Assert.Equal(Accuracy(correct, Enumerable.Repeat(1f, 10).ToArray()), results["accuracy"]);
        Assert.Equal(Accuracy(correct, weights), results["weighted_accuracy"]);
        Assert.NotEqual(results["accuracy"], results["weighted_accuracy"]);
    }

    [Fact]
    public void Fit_ClassWeightsReachOnlyTheWeightedMetrics()
    {
        (Sequential model, Tensor x, Tensor y, bool[] correct) = Fixture([LogitNet.Metrics.Metrics.SparseCategoricalAccuracy], [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy]);
        var classWeight = new Dictionary<int, float> { [0] = 1f, [1] = 7f };
        History history = model.Fit(x, y, epochs: 1, batchSize: 3, classWeight: classWeight, verbose: 0);

        float[] labels = y.ToArray();
        float[] weights = labels.Select(l => classWeight[(int)l]).ToArray();
        Assert.Equal(Accuracy(correct, Enumerable.Repeat(1f, 10).ToArray()), history["sparse_categorical_accuracy"][0]);
        Assert.Equal(Accuracy(correct, weights), history["weighted_sparse_categorical_accuracy"][0]);
    }

    [Fact]
    public void WeightedMetricsAlone_KeepTheirNames_AndWithoutWeightsGiveThePlainValue()
    {
        (Sequential model, Tensor x, Tensor y, bool[] correct) = Fixture([], [LogitNet.Metrics.Metrics.Accuracy]);
        IReadOnlyDictionary<string, float> results = model.Evaluate(x, y);
        Assert.Equal(["loss", "accuracy"], results.Keys);
        Assert.Equal(Accuracy(correct, Enumerable.Repeat(1f, 10).ToArray()), results["accuracy"]);
    }

    [Fact]
    public void RepeatedNames_AreNumbered_AsKerasNumbersThem()
    {
        (Sequential model, Tensor x, Tensor y, _) = Fixture(
            [new SparseCategoricalAccuracy(), new SparseCategoricalAccuracy(), new SparseCategoricalAccuracy()],
            [new SparseCategoricalAccuracy(), new SparseCategoricalAccuracy()]);
        Assert.Equal(
            ["loss", "sparse_categorical_accuracy", "sparse_categorical_accuracy_1", "sparse_categorical_accuracy_2",
             "weighted_sparse_categorical_accuracy", "weighted_sparse_categorical_accuracy_1"],
            model.Evaluate(x, y).Keys);

        var names = new List<IReadOnlyList<string>>();
        model.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0, callbacks: [new LambdaCallback(onBatchEnd: progress => names.Add(progress.MetricNames))]);
        Assert.Equal(2, names.Count);
        Assert.Equal(model.Evaluate(x, y).Keys.Skip(1), names[0]);
    }

    [Fact]
    public void ANumberedNameAlreadyTaken_IsSkipped_SoNoMetricIsDropped()
    {
        (Sequential model, Tensor x, Tensor y, _) = Fixture(
            [new SparseCategoricalAccuracy(), new SparseCategoricalAccuracy("sparse_categorical_accuracy_1"), new SparseCategoricalAccuracy()], null);
        Assert.Equal(
            ["loss", "sparse_categorical_accuracy", "sparse_categorical_accuracy_1", "sparse_categorical_accuracy_2"],
            model.Evaluate(x, y).Keys);
    }

    [Fact]
    public void AccuracyNamesAndThresholds_SurviveAKerasFile()
    {
        var model = new Sequential(new Input(3), new Dense(1)) { Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(), [new BinaryAccuracy(0.7f), new LogitNet.Metrics.Accuracy("acc")], [new BinaryAccuracy(0.9f, name: "strict")]);
        string directory = Directory.CreateTempSubdirectory("logitnet-accuracy-keras-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.keras");
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.Equal(["binary_accuracy", "acc"], loaded.Metrics.Select(m => m.Name));
            Assert.Equal(0.7f, Assert.IsType<BinaryAccuracy>(loaded.Metrics[0]).Threshold);
            var strict = Assert.IsType<BinaryAccuracy>(Assert.Single(loaded.WeightedMetrics));
            Assert.Equal(("strict", 0.9f), (strict.Name, strict.Threshold));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Compile_RefusesOneMetricObjectTwice_AndNamesTheList()
    {
        var model = new Sequential(new Dense(2)) { Log = TextWriter.Null };
        var accuracy = new SparseCategoricalAccuracy();
        var twice = Assert.Throws<ArgumentException>(() => model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(), [accuracy], [accuracy]));
        Assert.Equal("weightedMetrics", twice.ParamName);
        Assert.Contains("own instance", twice.Message);
        var nullInside = Assert.Throws<ArgumentNullException>(() => model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(), [], [accuracy, null!]));
        Assert.Equal("weightedMetrics", nullInside.ParamName);
        Assert.Contains("index 1", nullInside.Message);
    }

    [Fact]
    public void EarlyStopping_MonitorsAWeightedMetricByItsLoggedName()
    {
        (Sequential model, Tensor x, Tensor y, _) = Fixture([LogitNet.Metrics.Metrics.Accuracy], [LogitNet.Metrics.Metrics.Accuracy]);
        // Auto mode must find the direction of 'weighted_accuracy' (higher is better) from the weighted metric: against a
        // baseline of 2, which no accuracy reaches, it stops at the first chance (had it taken lower as better, every epoch
        // would beat the baseline and all five would run; had it not found the metric, Fit would throw).
        var stop = new EarlyStopping(monitor: "weighted_accuracy", patience: 1, baseline: 2f);
        History history = model.Fit(x, y, epochs: 5, batchSize: 5, verbose: 0, callbacks: [stop], sampleWeight: Tensor.Ones(10));
        Assert.True(history["loss"].Count < 5, $"{history["loss"].Count} epochs");
    }

    [Fact]
    public void SaveAndLoad_KeepBothLists_InLogitNetAndKerasFiles()
    {
        (Sequential model, Tensor x, Tensor y, _) = Fixture([LogitNet.Metrics.Metrics.Accuracy], [new SparseCategoricalAccuracy(), LogitNet.Metrics.Metrics.Accuracy]);
        string directory = Directory.CreateTempSubdirectory("logitnet-weighted-").FullName;
        try
        {
            var sampleWeight = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f], 10);
            IReadOnlyDictionary<string, float> expected = model.Evaluate(x, y, sampleWeight: sampleWeight);

            string path = Path.Combine(directory, "model.logitnet");
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            loaded.Log = TextWriter.Null;
            Assert.Equal(["accuracy"], loaded.Metrics.Select(m => m.Name));
            Assert.Equal(["sparse_categorical_accuracy", "accuracy"], loaded.WeightedMetrics.Select(m => m.Name));
            Assert.Equal(expected, loaded.Evaluate(x, y, sampleWeight: sampleWeight));

            string kerasPath = Path.Combine(directory, "model.keras");
            var plain = new Sequential(new Dense(2)) { Seed = 2, Log = TextWriter.Null };
            plain.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f), [LogitNet.Metrics.Metrics.Accuracy], [LogitNet.Metrics.Metrics.Accuracy]);
            plain.Build([3]);
            plain.Save(kerasPath);
            Sequential fromKeras = Sequential.Load(kerasPath);
            fromKeras.Log = TextWriter.Null;
            Assert.Single(fromKeras.Metrics);
            Assert.Single(fromKeras.WeightedMetrics);
            Assert.Equal(["loss", "accuracy", "weighted_accuracy"], fromKeras.Evaluate(x, y).Keys);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AccuracyNamesAndThresholds_SurviveSaveAndLoad()
    {
        // The accuracy family was saved by name alone: a BinaryAccuracy with threshold 0.7 came back at 0.5, and a renamed one
        // (a Keras file's "accuracy" computing categorical_accuracy) was refused as an unknown metric.
        var model = new Sequential(new Input(3), new Dense(1)) { Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(), [new BinaryAccuracy(0.7f), new BinaryAccuracy(name: "acc")], [new LogitNet.Metrics.Accuracy("acc")]);
        string directory = Directory.CreateTempSubdirectory("logitnet-accuracy-names-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.logitnet");
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.Equal(["binary_accuracy", "acc"], loaded.Metrics.Select(m => m.Name));
            Assert.Equal([0.7f, 0.5f], loaded.Metrics.Cast<BinaryAccuracy>().Select(m => m.Threshold));
            Assert.Equal("acc", Assert.IsType<LogitNet.Metrics.Accuracy>(Assert.Single(loaded.WeightedMetrics)).Name);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ConfusionMetricSettings_SurviveAKerasFile()
    {
        // Precision, Recall and AUC went into .keras files as bare names, so their threshold, class and curve were lost,
        // and the import left Keras's own precision, recall and AUC out.
        var model = new Sequential(new Input(3), new Dense(2, Activation.Sigmoid)) { Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(), new SGD(),
            [new Precision(0.3f, 1, name: "p1"), new Recall(0.6f), new Auc(AucCurve.PrecisionRecall, "prauc")], [new Auc()]);
        string directory = Directory.CreateTempSubdirectory("logitnet-confusion-keras-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.keras");
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.Equal(["p1", "recall", "prauc"], loaded.Metrics.Select(m => m.Name));
            var precision = Assert.IsType<Precision>(loaded.Metrics[0]);
            Assert.Equal((0.3f, (int?)1), (precision.Threshold, precision.ClassId));
            var recall = Assert.IsType<Recall>(loaded.Metrics[1]);
            Assert.Equal((0.6f, (int?)null), (recall.Threshold, recall.ClassId));
            Assert.Equal(AucCurve.PrecisionRecall, Assert.IsType<Auc>(loaded.Metrics[2]).Curve);
            Assert.Equal(AucCurve.Roc, Assert.IsType<Auc>(Assert.Single(loaded.WeightedMetrics)).Curve);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
