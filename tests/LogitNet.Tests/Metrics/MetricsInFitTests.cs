using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Metrics;

/// <summary>Keras's "accuracy" and the confusion metrics inside Compile/Fit/Evaluate.</summary>
public class MetricsInFitTests
{
    /// <summary>Two separable blobs, labels 0/1 as [n, 1].</summary>
    private static (Tensor X, Tensor Y) Binary(int perClass = 40)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(perClass / 2);
        float[] labels = y.ToArray().Select(l => l >= 2 ? 1f : 0f).ToArray();
        return (x, Tensor.FromArray(labels, labels.Length, 1));
    }

    [Fact]
    public void Accuracy_OnABinaryLogitsModel_IsBinaryAccuracyOnTheLogits()
    {
        (Tensor x, Tensor y) = Binary();
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(1)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.05f), [LogitNet.Metrics.Metrics.Accuracy]);
        History history = model.Fit(x, y, epochs: 30, batchSize: 8, validationSplit: 0.25, verbose: 0);
        Assert.True(history["accuracy"][^1] > 0.9f, history.ToString());
        Assert.True(history["val_accuracy"][^1] > 0.9f, history.ToString());
        Assert.IsType<BinaryAccuracy>(((LogitNet.Metrics.Accuracy)model.Metrics[0]).Resolved);
        Assert.True(model.Evaluate(x, y)["accuracy"] > 0.9f);
    }

    [Fact]
    public void Accuracy_OnAMulticlassModel_ResolvesSparseOrCategorical()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(20);
        var sparse = new Sequential(new Dense(8, Activation.Relu), new Dense(4, Activation.Softmax)) { Seed = 1, Log = TextWriter.Null };
        sparse.Compile(new SparseCategoricalCrossentropy(), new Adam(0.05f), [LogitNet.Metrics.Metrics.Accuracy]);
        History history = sparse.Fit(x, y, epochs: 20, verbose: 0);
        Assert.True(history["accuracy"][^1] > 0.9f, history.ToString());

        var categorical = new Sequential(new Dense(8, Activation.Relu), new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        categorical.Compile(new CategoricalCrossentropy(fromLogits: true), new Adam(0.05f), [new LogitNet.Metrics.Accuracy()]);
        history = categorical.Fit(x, Ops.OneHot(y, 4), epochs: 20, verbose: 0);
        Assert.True(history["accuracy"][^1] > 0.9f, history.ToString());
        Assert.IsType<CategoricalAccuracy>(((LogitNet.Metrics.Accuracy)categorical.Metrics[0]).Resolved);
    }

    [Fact]
    public void Accuracy_Standalone_ResolvesFromShapes_AsKeras()
    {
        var binary = new LogitNet.Metrics.Accuracy();
        binary.Update(Tensor.FromArray([1f, 0f], 2, 1), Tensor.FromArray([0.7f, 0.6f], 2, 1));
        Assert.Equal(0.5f, binary.Result());
        var sparse = new LogitNet.Metrics.Accuracy();
        sparse.Update(Tensor.FromArray([2f], 1), Tensor.FromArray([0.1f, 0.2f, 0.7f], 1, 3));
        Assert.IsType<SparseCategoricalAccuracy>(sparse.Resolved);
        var categorical = new LogitNet.Metrics.Accuracy();
        categorical.Update(Tensor.FromArray([0f, 1f], 1, 2), Tensor.FromArray([0.4f, 0.6f], 1, 2));
        Assert.IsType<CategoricalAccuracy>(categorical.Resolved);
        Assert.Equal(1f, categorical.Result());
    }

    [Fact]
    public void ConfusionMetrics_InFit_ReadTheOutputsTheTrainingStepSees()
    {
        // A sigmoid output compiled with a probability loss trains on the logits (the fused path):
        // the metrics must threshold those logits at 0, not at 0.5.
        (Tensor x, Tensor y) = Binary();
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(1, Activation.Sigmoid)) { Seed = 3, Log = TextWriter.Null };
        var precision = new Precision();
        var recall = new Recall();
        model.Compile(new BinaryCrossentropy(), new Adam(0.05f), [precision, recall, new F1Score(), new Auc()]);
        Assert.True(precision.FromLogits);
        History history = model.Fit(x, y, epochs: 30, batchSize: 8, verbose: 0);
        foreach (string key in new[] { "precision", "recall", "f1_score", "auc" })
        {
            Assert.True(history[key][^1] > 0.9f, $"{key}: {history}");
        }

        // The same numbers from Predict's probabilities, scored outside.
        Tensor probabilities = model.Predict(x);
        var outside = new Precision();
        outside.Update(y, probabilities);
        Assert.Equal(outside.Result(), model.Evaluate(x, y)["precision"]);
    }

    [Fact]
    public void NewMetricsAndLosses_SurviveSaveAndLoad()
    {
        string path = Path.Combine(Path.GetTempPath(), $"logitnet-metrics-{Guid.NewGuid():N}.logitnet");
        try
        {
            var model = new Sequential(new Dense(1)) { Log = TextWriter.Null };
            model.Compile(new Huber(delta: 2.5f), new SGD(0.1f),
                [new Precision(threshold: 0.3f, name: "p30"), new Recall(classId: 0), new F1Score(), new Auc(AucCurve.PrecisionRecall, name: "pr_auc"), LogitNet.Metrics.Metrics.Accuracy]);
            model.Build(2);
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.Equal(2.5f, Assert.IsType<Huber>(loaded.Loss).Delta);
            Assert.Equal(["p30", "recall", "f1_score", "pr_auc", "accuracy"], loaded.Metrics.Select(m => m.Name));
            Assert.Equal(0.3f, Assert.IsType<Precision>(loaded.Metrics[0]).Threshold);
            Assert.Equal(0, Assert.IsType<Recall>(loaded.Metrics[1]).ClassId);
            Assert.Equal(AucCurve.PrecisionRecall, Assert.IsType<Auc>(loaded.Metrics[3]).Curve);

            var mae = new Sequential(new Dense(1)) { Log = TextWriter.Null };
            mae.Compile(new MeanAbsoluteError(), new SGD(0.1f));
            mae.Build(2);
            mae.Save(path);
            Assert.IsType<MeanAbsoluteError>(Sequential.Load(path).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
