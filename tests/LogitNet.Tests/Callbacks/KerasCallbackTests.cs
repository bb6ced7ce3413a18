using System.Globalization;
using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Callbacks;

/// <summary>The callbacks count, watch and log as Keras 3's do (keras/src/callbacks/).</summary>
public class KerasCallbackTests
{
    /// <summary>A model whose parameters are all frozen: its loss is the same every epoch, bit for bit.</summary>
    private static (Sequential Model, Tensor X, Tensor Y) Frozen(Optimizer optimizer, IReadOnlyList<Metric>? metrics = null)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(8);
        var model = new Sequential(new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), optimizer, metrics);
        model.Build(2);
        foreach (Parameter parameter in model.Parameters)
        {
            parameter.Trainable = false;
        }

        return (model, x, y);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(5, 6)]
    public void EarlyStopping_OnAConstantLoss_RunsPatiencePlusOneEpochs_AsKeras(int patience, int epochsRun)
    {
        // Keras: the first epoch sets the best; each later one adds to the wait; stop when wait >= patience
        // (and never at epoch 0). Patience 2 runs 3 epochs.
        var (model, x, y) = Frozen(new SGD(0.1f));
        var stopping = new EarlyStopping(monitor: "loss", patience: patience);
        History history = model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [stopping]);
        Assert.Equal(epochsRun, history.Epochs);
        Assert.Equal(epochsRun - 1, stopping.StoppedEpoch);
    }

    [Fact]
    public void EarlyStopping_Baseline_KeepsCountingUntilBeaten()
    {
        // A constant loss that never beats a baseline below it: patience 2 stops after 2 epochs (wait
        // reaches 2 at the second), one sooner than without the baseline.
        var (model, x, y) = Frozen(new SGD(0.1f));
        History history = model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [new EarlyStopping(monitor: "loss", patience: 2, baseline: 0f)]);
        Assert.Equal(2, history.Epochs);
    }

    [Fact]
    public void EarlyStopping_StartFromEpoch_WaitsBeforeWatching()
    {
        var (model, x, y) = Frozen(new SGD(0.1f));
        History history = model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [new EarlyStopping(monitor: "loss", patience: 2, startFromEpoch: 4)]);
        Assert.Equal(7, history.Epochs);
    }

    [Fact]
    public void ReduceLROnPlateau_Patience2_OnAConstantLoss_ReducesAfterTheThirdEpoch_AsKeras()
    {
        var optimizer = new SGD(0.1f);
        var (model, x, y) = Frozen(optimizer);
        History history = model.Fit(x, y, epochs: 7, verbose: 0,
            callbacks: [new ReduceLROnPlateau(monitor: "loss", factor: 0.5f, patience: 2, cooldown: 2)]);
        // Epoch 0 sets the best; waits 1, 2 at epochs 1, 2 -> reduce at the end of epoch 2; Keras counts
        // the cooldown down at the start of each check, so cooldown 2 skips one epoch (3); waits 1, 2 at
        // epochs 4, 5 -> reduce at the end of epoch 5. The logs show each epoch's rate.
        float[] expected = [0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f];
        Assert.Equal(expected, history["learning_rate"]);
    }

    [Fact]
    public void ReduceLROnPlateau_AtTheFloor_StopsReducing()
    {
        var optimizer = new SGD(0.1f);
        var (model, x, y) = Frozen(optimizer);
        model.Fit(x, y, epochs: 10, verbose: 0, callbacks: [new ReduceLROnPlateau(monitor: "loss", factor: 0.1f, patience: 1, minLearningRate: 0.001f)]);
        Assert.Equal(0.001f, optimizer.LearningRate);
    }

    /// <summary>A metric that reports 1, 2, 3, ... at successive epochs, with a direction given.</summary>
    private sealed class Counting(string name, bool? higherIsBetter) : Metric(name)
    {
        private int _epochs;

        public override bool? HigherIsBetter => higherIsBetter;

        public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
        {
        }

        public override float Result() => _epochs;

        public override void Reset() => _epochs++;
    }

    [Fact]
    public void MonitorAuto_TakesTheDirectionFromTheMetric_NotFromItsName()
    {
        // "score" rises every epoch and says higher is better: never a plateau.
        var (model, x, y) = Frozen(new SGD(0.1f), [new Counting("score", higherIsBetter: true)]);
        Assert.Equal(6, model.Fit(x, y, epochs: 6, verbose: 0, callbacks: [new EarlyStopping(monitor: "score", patience: 1)]).Epochs);

        // "inaccuracy" contains "acc" but says lower is better: rising values never improve.
        var (other, x2, y2) = Frozen(new SGD(0.1f), [new Counting("inaccuracy", higherIsBetter: false)]);
        Assert.Equal(2, other.Fit(x2, y2, epochs: 6, verbose: 0, callbacks: [new EarlyStopping(monitor: "inaccuracy", patience: 1)]).Epochs);
    }

    [Fact]
    public void MonitorAuto_OnAMetricWithoutDirection_AsksForAMode()
    {
        var (model, x, y) = Frozen(new SGD(0.1f), [new Counting("mystery", higherIsBetter: null)]);
        var error = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new EarlyStopping(monitor: "mystery")]));
        Assert.Contains("MonitorMode.Max", error.Message);
        Assert.Equal(3, model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new EarlyStopping(monitor: "mystery", patience: 5, mode: MonitorMode.Max)]).Epochs);
    }

    [Fact]
    public void LearningRateScheduler_SetsTheRateEachEpoch_AndTheLogsShowIt()
    {
        var optimizer = new SGD(0.1f);
        var (model, x, y) = Frozen(optimizer);
        var seen = new List<float>();
        History history = model.Fit(x, y, epochs: 4, batchSize: 8, verbose: 0, callbacks:
        [
            new LearningRateScheduler((epoch, rate) => epoch == 0 ? rate : rate / 2),
            new LambdaCallback(onBatchBegin: (_, _) => seen.Add(optimizer.LearningRate)),
        ]);
        Assert.Equal([0.1f, 0.05f, 0.025f, 0.0125f], history["learning_rate"]);
        Assert.Equal(0.0125f, seen[^1]);
        Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(_ => -1f)]));
    }

    [Fact]
    public void OnBatchBegin_RunsBeforeEachBatch_InOrder()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(5);   // 20 samples, batches of 8: 3 per epoch
        var model = new Sequential(new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var events = new List<string>();
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, callbacks:
        [
            new LambdaCallback(
                onEpochBegin: e => events.Add($"E{e}"),
                onBatchBegin: (e, b) => events.Add($"b{e}.{b}"),
                onBatchEnd: p => events.Add($"e{p.Epoch}.{p.Batch}")),
        ]);
        Assert.Equal(["E0", "b0.0", "e0.0", "b0.1", "e0.1", "b0.2", "e0.2", "E1", "b1.0", "e1.0", "b1.1", "e1.1", "b1.2", "e1.2"], events);
    }

    [Fact]
    public void CsvLogger_WritesSortedColumns_OneRowPerEpoch_AndAppends()
    {
        string path = Path.Combine(Path.GetTempPath(), $"logitnet-csv-{Guid.NewGuid():N}.csv");
        try
        {
            (Tensor x, Tensor y) = SequentialTests.Blobs(10);
            var model = new Sequential(new Dense(4)) { Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f), [LogitNet.Metrics.Metrics.Accuracy]);
            History history = model.Fit(x, y, epochs: 2, verbose: 0, validationSplit: 0.25, callbacks: [new CsvLogger(path)]);
            string[] lines = File.ReadAllLines(path);
            Assert.Equal("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss", lines[0]);
            Assert.Equal(3, lines.Length);
            string[] second = lines[2].Split(',');
            Assert.Equal("1", second[0]);
            Assert.Equal(history["loss"][1], float.Parse(second[3], CultureInfo.InvariantCulture));

            model.Fit(x, y, epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [new CsvLogger(path, separator: ';', append: true)]);
            lines = File.ReadAllLines(path);
            Assert.Equal(4, lines.Length);
            Assert.Equal(6, lines[3].Split(';').Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ProgressLine_ShowsSmallValuesInExponentForm_AsKeras()
    {
        Assert.Equal("0.6931", ProgressLoggerFormat(0.693147f));
        Assert.Equal("1.0000e-04", ProgressLoggerFormat(1e-4f));
    }

    private static string ProgressLoggerFormat(float value)
    {
        var (model, x, y) = Frozen(new SGD(value));
        var log = new StringWriter();
        model.Log = log;
        model.Fit(x, y, epochs: 1, verbose: 2);
        string line = log.ToString();
        int at = line.IndexOf("learning_rate: ", StringComparison.Ordinal) + "learning_rate: ".Length;
        return line[at..].Trim().Split(' ')[0];
    }

    [Fact]
    public void EarlyStopping_OnANaNValidationLoss_StopsAfterItsPatience()
    {
        // Every val_loss is NaN: no epoch improves, so training stops when the wait reaches the patience. A NaN used to
        // count as an improvement every epoch, so training never stopped.
        (Tensor x, Tensor y) = SequentialTests.Blobs(8);
        var model = new Sequential(new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        Tensor nanX = Tensor.FromArray([float.NaN, 0f], 1, 2);
        var stopping = new EarlyStopping(monitor: "val_loss", patience: 2);
        History history = model.Fit(x, y, epochs: 10, verbose: 0, validationData: (nanX, Tensor.FromArray([1f], 1)), callbacks: [stopping]);
        Assert.True(float.IsNaN(history["val_loss"][0]));
        Assert.Equal(3, history["loss"].Count);
        Assert.Equal(2, stopping.StoppedEpoch);
    }

    [Fact]
    public void ModelCheckpoint_SaveBestOnly_KeepsItsBestAcrossFitCalls()
    {
        // As Keras 3's, whose best is set once: a second Fit that only gets worse does not overwrite the best file.
        (Tensor x, Tensor y) = SequentialTests.Blobs(8);
        string path = Path.Combine(Path.GetTempPath(), $"logitnet-checkpoint-{Guid.NewGuid():N}.logitnet");
        try
        {
            var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
            var checkpoint = new ModelCheckpoint(path, "val_loss", saveBestOnly: true);
            model.Fit(x, y, epochs: 3, verbose: 0, validationData: (x, y), callbacks: [checkpoint]);
            Assert.NotEmpty(checkpoint.SavedEpochs);
            byte[] best = File.ReadAllBytes(path);

            // Validation labels all wrong by one class: a far higher val_loss than the first Fit's best.
            Tensor wrong = Tensor.FromArray(y.ToArray().Select(c => (c + 1) % 4).ToArray(), y.Shape[0]);
            model.Fit(x, y, epochs: 1, verbose: 0, validationData: (x, wrong), callbacks: [checkpoint]);
            Assert.Empty(checkpoint.SavedEpochs);
            Assert.Equal(best, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SigmoidHead_WithAFromLogitsLoss_MetricsThresholdItsProbabilitiesAtOneHalf()
    {
        // The double-squashing case Compile warns about: the outputs are probabilities, so accuracy and precision read
        // them as probabilities (they were read as logits, and every positive probability counted as class 1).
        var model = new Sequential(new Dense(1, Activation.Sigmoid)) { Log = TextWriter.Null };
        model.Build(1);
        model.Layers.OfType<Dense>().Single().Kernel.Value.AsSpan()[0] = 1f;
        model.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(0f), [LogitNet.Metrics.Metrics.Accuracy, new Precision(), new Recall()]);
        IReadOnlyDictionary<string, float> result = model.Evaluate(Tensor.FromArray([-3f, -2f, 2f, 3f], 4, 1), Tensor.FromArray([0f, 0f, 1f, 1f], 4, 1));
        Assert.Equal(1f, result["accuracy"]);
        Assert.Equal(1f, result["precision"]);
        Assert.Equal(1f, result["recall"]);
    }

    /// <summary>
    /// Precision, recall and AUC of a softmax classifier whose step sees its logits (a softmax head on the fused path, or a
    /// linear head with a from-logits categorical loss) equal the same metrics updated with its probabilities. They read
    /// softmax logits as sigmoid logits (a logit above 0 counted as positive) and pooled them across rows for AUC.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SoftmaxLogitsMetrics_EqualTheSameMetricsOnTheProbabilities(bool softmaxHead)
    {
        var model = new Sequential(new Dense(3, softmaxHead ? Activation.Softmax : Activation.Linear)) { Log = TextWriter.Null };
        model.Build(2);
        model.Layers[0].SetWeights(Tensor.FromArray([0f, -10f, -10f, 5f, 5f, 5f], 2, 3), Tensor.FromArray([1f, 0.9f, 0.8f], 3));
        Metric[] compiled = [new Precision(classId: 0), new Recall(classId: 0), new Auc()];
        model.Compile(new CategoricalCrossentropy(fromLogits: !softmaxHead), new SGD(0f), compiled);
        Tensor x = Tensor.FromArray([1f, 0f, 0f, 1f, 0.5f, 0.5f, 0f, 0f], 4, 2);
        Tensor y = Tensor.FromArray([1f, 0f, 0f, 0f, 1f, 0f, 1f, 0f, 0f, 0f, 0f, 1f], 4, 3);
        IReadOnlyDictionary<string, float> result = model.Evaluate(x, y);

        Tensor probabilities = model.PredictProba(x);
        Metric[] reference = [new Precision(classId: 0), new Recall(classId: 0), new Auc()];
        foreach (Metric metric in reference)
        {
            metric.Update(y, probabilities);
            Assert.Equal(metric.Result(), result[metric.Name], 6);
        }
    }
}
