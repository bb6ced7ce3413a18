using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

public class SequentialTests
{
    /// <summary>Four well-separated Gaussian blobs in 2-D, labels 0..3.</summary>
    internal static (Tensor X, Tensor Y) Blobs(int perClass, float spread = 0.5f, long seed = 1)
    {
        float[][] centers = [[-5, 2], [-2, -2], [1, 2], [5, -2]];
        var x = new float[perClass * 4 * 2];
        var y = new float[perClass * 4];
        Tensor noise = Tensor.RandomNormal([perClass * 4, 2], 0f, spread, seed);
        for (int i = 0; i < perClass * 4; i++)
        {
            int label = i % 4;
            x[2 * i] = centers[label][0] + noise[i, 0];
            x[2 * i + 1] = centers[label][1] + noise[i, 1];
            y[i] = label;
        }

        return (Tensor.FromArray(x, perClass * 4, 2), Tensor.FromArray(y, perClass * 4));
    }

    private static Sequential SmallModel(Activation output = Activation.Linear, long seed = 0) =>
        new(new Dense(16, Activation.Relu), new Dense(4, output)) { Seed = seed, Log = TextWriter.Null };

    [Fact]
    public void Fit_SeparableData_ReachesFullAccuracy()
    {
        (Tensor x, Tensor y) = Blobs(50);
        Sequential model = SmallModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f), [new SparseCategoricalAccuracy()]);
        History history = model.Fit(x, y, epochs: 30, batchSize: 16, verbose: 0);
        Assert.Equal(1f, history["sparse_categorical_accuracy"][^1]);
        Assert.True(history["loss"][^1] < history["loss"][0] / 10, history.ToString());
        Assert.Equal(1f, model.Evaluate(x, y)["sparse_categorical_accuracy"]);
    }

    [Fact]
    public void Fit_SameSeed_GivesBitwiseIdenticalWeights()
    {
        float[][] Train(long seed)
        {
            (Tensor x, Tensor y) = Blobs(40);
            Sequential model = SmallModel(seed: seed);
            model.Add(new Dropout(0.1f));
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 3, batchSize: 7, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }

        float[][] first = Train(5), second = Train(5), other = Train(6);
        Assert.Equal(first, second);
        Assert.NotEqual(first[0], other[0]);
    }

    [Fact]
    public void SoftmaxOutput_WithProbabilityLoss_TrainsOnTheFusedLogits_AndPredictsProbabilities()
    {
        (Tensor x, Tensor y) = Blobs(30);
        var log = new StringWriter();
        Sequential fused = SmallModel(Activation.Softmax, seed: 3);
        fused.Log = log;
        fused.Compile(new SparseCategoricalCrossentropy(fromLogits: false), new SGD(0.1f));
        Assert.Contains("folds it into SparseCategoricalCrossentropy", log.ToString());

        Sequential logits = SmallModel(Activation.Linear, seed: 3);
        logits.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));

        fused.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        logits.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        // The fused path is the from-logits path exactly: the same weights bit for bit.
        Assert.Equal(logits.Parameters.Select(p => p.Value.ToArray()), fused.Parameters.Select(p => p.Value.ToArray()));

        Tensor probabilities = fused.Predict(x);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(1.0, Enumerable.Range(0, 4).Sum(j => (double)probabilities[i, j]), 1e-6);
        }

        Assert.Equal(Ops.Softmax(logits.Predict(x)).ToArray(), fused.PredictProba(x).ToArray());
    }

    /// <summary>A softmax the model cannot recognise, so the loss really gets probabilities: the two-step path.</summary>
    private sealed class OpaqueSoftmax() : Layer("opaque_softmax")
    {
        protected override Tensor ForwardCore(Tensor input, LayerContext context) => Ops.Softmax(input);

        protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
        {
            float[] y = context.Output.ToArray(), dy = outputGradient.ToArray(), dx = new float[y.Length];
            int classes = context.Output.Shape[^1];
            for (int r = 0; r < y.Length / classes; r++)
            {
                double dot = 0;
                for (int j = 0; j < classes; j++)
                {
                    dot += (double)dy[r * classes + j] * y[r * classes + j];
                }

                for (int j = 0; j < classes; j++)
                {
                    dx[r * classes + j] = (float)(y[r * classes + j] * (dy[r * classes + j] - dot));
                }
            }

            return Tensor.FromArray(dx, outputGradient.Shape);
        }
    }

    [Fact]
    public void FusedPath_AndTwoStepPath_ReachTheSameWeights_OnWellBehavedData()
    {
        (Tensor x, Tensor y) = Blobs(25, spread: 1.5f);
        Sequential fused = SmallModel(Activation.Softmax, seed: 9);
        fused.Compile(new SparseCategoricalCrossentropy(), new SGD(0.05f));
        var twoStep = new Sequential(new Dense(16, Activation.Relu), new Dense(4), new OpaqueSoftmax()) { Seed = 9, Log = TextWriter.Null };
        twoStep.Compile(new SparseCategoricalCrossentropy(), new SGD(0.05f));

        fused.Fit(x, y, epochs: 3, batchSize: 10, verbose: 0);
        twoStep.Fit(x, y, epochs: 3, batchSize: 10, verbose: 0);
        for (int p = 0; p < fused.Parameters.Count; p++)
        {
            float[] a = fused.Parameters[p].Value.ToArray(), b = twoStep.Parameters[p].Value.ToArray();
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Max(1, Math.Abs(a[i])), $"parameter {p}[{i}]: fused {a[i]}, two-step {b[i]}");
            }
        }
    }

    /// <summary>
    /// The reverse mistake: a linear last layer gives logits, a loss compiled with fromLogits: false takes them for
    /// probabilities, and PredictProba returns them as they are (negative "probabilities"). It was silent.
    /// </summary>
    [Theory]
    [InlineData(false, "Activation.Softmax")]
    [InlineData(true, "Activation.Sigmoid")]
    public void LinearOutput_WithProbabilityLoss_WarnsThatTheOutputsAreNotProbabilities(bool binary, string fix)
    {
        var log = new StringWriter();
        var model = new Sequential(new Dense(16, Activation.Relu), new Dense(binary ? 1 : 4)) { Log = log };
        model.Compile(binary ? new BinaryCrossentropy(fromLogits: false) : new SparseCategoricalCrossentropy(fromLogits: false), new Adam());
        string text = log.ToString();
        Assert.StartsWith("Warning: layer '", text);
        Assert.Contains("is linear", text);
        Assert.Contains("not probabilities", text);
        Assert.Contains("fromLogits: true", text);
        Assert.Contains(fix, text);
    }

    [Theory]
    [InlineData(Activation.Linear, true)]
    [InlineData(Activation.Softmax, false)]
    public void MatchingOutputAndLoss_DoNotWarn(Activation output, bool fromLogits)
    {
        var log = new StringWriter();
        Sequential model = SmallModel(output);
        model.Log = log;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits), new Adam());
        Assert.DoesNotContain("Warning", log.ToString());
    }

    [Fact]
    public void SoftmaxOutput_WithLogitsLoss_WarnsOfDoubleSquashing()
    {
        var log = new StringWriter();
        Sequential model = SmallModel(Activation.Softmax);
        model.Log = log;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        Assert.Contains("applies it again", log.ToString());
        Assert.Contains("Activation.Linear", log.ToString());
    }

    [Fact]
    public void ModelGradients_MatchFiniteDifferencesOfTheLoss()
    {
        // SGD with learning rate 0 leaves the weights and keeps the gradients of the one batch.
        (Tensor x, Tensor y) = Blobs(3, spread: 1f);
        var model = new Sequential(new Dense(5, Activation.Tanh), new Dense(3, Activation.Gelu), new Dense(4)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f));
        model.Fit(x, y, epochs: 1, batchSize: x.Shape[0], shuffle: false, verbose: 0);
        foreach (Parameter parameter in model.Parameters)
        {
            float[] analytic = parameter.Gradient.ToArray();
            Span<float> values = parameter.Value.AsSpan();
            for (int i = 0; i < values.Length; i += 3)
            {
                float original = values[i];
                const float H = 1e-2f;
                values[i] = original + H;
                double up = model.Evaluate(x, y, batchSize: 100)["loss"];
                values[i] = original - H;
                double down = model.Evaluate(x, y, batchSize: 100)["loss"];
                values[i] = original;
                double numeric = (up - down) / (2 * H);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"{parameter.Name}[{i}]: analytic {analytic[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void TrainingLoop_WhenWarm_AllocatesNothing()
    {
        (Tensor x, Tensor y) = Blobs(6400);
        var model = new Sequential(new Dense(32, Activation.Relu), new Dropout(0.1f), new Dense(16, Activation.Tanh), new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(), [new SparseCategoricalAccuracy()]);
        var probe = new AllocationProbe(from: 10, window: 100);
        model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0, callbacks: [probe]);
        Assert.True(probe.Windows >= 3, $"only {probe.Windows} windows of 100 steps measured");
        Assert.Equal(0, probe.FewestBytes);
    }

    /// <summary>
    /// Bytes allocated on the training thread over windows of 100 steps, from batch <c>from</c> on;
    /// the fewest in any window (see <see cref="SteadyState"/> for why not the first window alone).
    /// </summary>
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

    [Fact]
    public void Fit_WithValidation_RecordsValidationValues()
    {
        (Tensor x, Tensor y) = Blobs(20);
        Sequential model = SmallModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f), [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy]);
        History history = model.Fit(x, y, epochs: 2, validationSplit: 0.25, verbose: 0);
        Assert.Equal(["loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy", "learning_rate"], history.Keys);
        Assert.Equal(2, history.Epochs);
        History withData = model.Fit(x, y, epochs: 1, validationData: (x, y), verbose: 0);
        Assert.True(withData.Contains("val_loss"));
        Assert.Throws<KeyNotFoundException>(() => history["val_accuracy"]);
    }

    [Fact]
    public void Fit_VerboseOne_DrawsAProgressLine_PerEpoch()
    {
        (Tensor x, Tensor y) = Blobs(10);
        Sequential model = SmallModel();
        var log = new StringWriter();
        model.Log = log;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 1);
        string text = log.ToString();
        Assert.Contains("Epoch 1/2", text);
        Assert.Contains("5/5 ━━━━━━━━━━━━━━━━━━━━", text);
        Assert.Contains("- loss: ", text);
        var perEpoch = new StringWriter();
        model.Log = perEpoch;
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 2);
        Assert.Equal(2, perEpoch.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void EarlyStopping_StopsAndRestoresTheBestWeights()
    {
        (Tensor x, Tensor y) = Blobs(20);
        Sequential model = SmallModel();
        // A learning rate this large makes the loss bounce, so it stops improving quickly.
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(3f));
        var stopping = new EarlyStopping(monitor: "loss", patience: 1, restoreBestWeights: true);
        var best = new BestWeights();
        History history = model.Fit(x, y, epochs: 50, verbose: 0, callbacks: [best, stopping]);
        Assert.NotNull(stopping.StoppedEpoch);
        Assert.True(history.Epochs < 50);
        Assert.Equal(best.WeightsAt[stopping.BestEpoch], model.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }

    private sealed class BestWeights : Callback
    {
        public List<float[][]> WeightsAt { get; } = [];

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) =>
            WeightsAt.Add(Model!.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }

    [Fact]
    public void EarlyStopping_OnAQuantityNotLogged_SaysWhatIsLogged_AndTrainsOn_AsKeras()
    {
        // Keras warns and lets the epochs pass; this threw after the first epoch until session 25.
        (Tensor x, Tensor y) = Blobs(5);
        Sequential model = SmallModel();
        var log = new StringWriter();
        model.Log = log;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        Assert.Equal(2, model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new EarlyStopping()]).Epochs);
        Assert.Contains("EarlyStopping monitors 'val_loss', which this epoch's logs do not hold (logged: loss", log.ToString());
        Assert.Contains("validationSplit", log.ToString());
    }

    [Fact]
    public void ReduceLROnPlateau_ReducesTheRate()
    {
        (Tensor x, Tensor y) = Blobs(10);
        Sequential model = SmallModel();
        var optimizer = new SGD(5f);
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), optimizer);
        model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [new ReduceLROnPlateau(monitor: "loss", factor: 0.5f, patience: 0, minDelta: 10f)]);
        Assert.True(optimizer.LearningRate < 5f);
    }

    [Fact]
    public void NaNLoss_ThrowsNamingEpochAndBatch_OrStopsWithTerminateOnNaN()
    {
        (Tensor x, Tensor y) = Blobs(10);
        x[13, 0] = float.NaN;                       // in the second batch of 8 (no shuffling)
        Sequential model = SmallModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var error = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0));
        Assert.Contains("epoch 1, batch 2", error.Message);
        Assert.Equal(1, error.Batch);

        Sequential other = SmallModel();
        other.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var terminate = new TerminateOnNaN();
        History history = other.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0, callbacks: [terminate]);
        Assert.Equal((0, 1), terminate.StoppedAt);
        Assert.Equal(1, history.Epochs);
    }

    [Fact]
    public void PredictProba_AppliesTheLossesSquashing()
    {
        (Tensor x, Tensor y) = Blobs(5);
        Sequential model = SmallModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        Assert.Equal(Ops.Softmax(model.Predict(x)).ToArray(), model.PredictProba(x).ToArray());

        var binary = new Sequential(new Dense(1)) { Log = TextWriter.Null };
        binary.Compile(new BinaryCrossentropy(fromLogits: true), new Adam());
        Tensor xb = Tensor.RandomNormal([6, 3], 0f, 1f, seed: 1);
        binary.Fit(xb, Tensor.FromArray([0f, 1f, 0f, 1f, 1f, 0f], 6, 1), verbose: 0);
        Assert.Equal(Ops.Sigmoid(binary.Predict(xb)).ToArray(), binary.PredictProba(xb).ToArray());

        var regression = new Sequential(new Dense(1)) { Log = TextWriter.Null };
        regression.Compile(new MeanSquaredError(), new Adam());
        Assert.Throws<InvalidOperationException>(() => regression.PredictProba(xb));
    }

    /// <summary>
    /// A sequence model's output per sample is <c>[time, classes]</c>: the softmax is over the classes at each step (the
    /// last axis, as the losses and <see cref="Ops.Softmax"/> take it). PredictProba took the whole sample as one row, so
    /// the five steps' fifteen values summed to 1 together (each about 1/15).
    /// </summary>
    [Fact]
    public void PredictProba_SequenceOutput_IsTheSoftmaxOverTheLastAxis_OnEveryPath()
    {
        var model = new Sequential(new Input(5), new Embedding(10, 4), new Dense(3)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        var ids = new float[1100 * 5];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = i * 7 % 10;
        }

        // 1,100 rows: past the row-chunk size, so a machine of several cores also runs the chunked path.
        Tensor x = Tensor.FromArray(ids, 1100, 5);
        float[] expected = Ops.Softmax(model.Predict(x)).ToArray();
        Assert.Equal(1f, expected[0] + expected[1] + expected[2], 5);

        Assert.Equal(expected, model.PredictProba(x).ToArray());
        Assert.Equal(expected.AsSpan(0, 30).ToArray(), model.PredictProba(x.Slice(0, 2)).ToArray());
        var destination = new float[2 * 15];
        Assert.Equal(2, model.PredictProba(ids.AsSpan(0, 10), destination));
        Assert.Equal(expected.AsSpan(0, 30).ToArray(), destination);
    }

    [Fact]
    public void Predict_SingleSample_AndAnyBatchSize_GiveTheSameRows()
    {
        (Tensor x, Tensor _) = Blobs(10);
        Sequential model = SmallModel();
        Tensor all = model.Predict(x, batchSize: 40);
        Tensor chunks = model.Predict(x, batchSize: 3);
        Assert.Equal(all.ToArray(), chunks.ToArray());
        Assert.Equal(all.Slice(7, 1).ToArray(), model.Predict(x.Slice(7, 1)).ToArray());
    }

    [Fact]
    public void Summary_ShowsLayersShapesAndParameterCounts()
    {
        var model = new Sequential(new Input(784), new Dense(25, Activation.Relu), new Dense(15, Activation.Relu), new Dense(10));
        string summary = model.SummaryText();
        Assert.Contains("dense (Dense)", summary);
        Assert.Contains("dense_1 (Dense)", summary);
        Assert.Contains("(None, 25)", summary);
        Assert.Contains("19,625", summary);                      // 784·25 + 25
        Assert.Contains("Total params: 20,175", summary);
        Assert.Contains("Non-trainable params: 0", summary);
    }

    [Fact]
    public void BadInput_GetsErrorsThatSayWhatToFix()
    {
        (Tensor x, Tensor y) = Blobs(5);
        Sequential model = SmallModel();
        Assert.Contains("call Compile(loss, optimizer) first", Assert.Throws<InvalidOperationException>(() => model.Fit(x, y)).Message);
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());

        var rows = Assert.Throws<ArgumentException>(() => model.Fit(x, y.Slice(0, 10), verbose: 0));
        Assert.Contains("20 rows", rows.Message);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 0, verbose: 0)).ParamName);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(0, 2), Tensor.Zeros(0), verbose: 0)).Message);

        model.Fit(x, y, verbose: 0);
        var features = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(20, 3), y, verbose: 0));
        Assert.Contains("[2]", features.Message);
        Assert.Contains("[3]", features.Message);

        Tensor badLabels = y.Clone();
        badLabels[4] = 7;
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, badLabels, verbose: 0));
        Assert.Contains("row 4", label.Message);
        Assert.Contains("4 classes", label.Message);
        Assert.Equal("y", label.ParamName);

        var oneHot = Assert.Throws<ArgumentException>(() => model.Fit(x, Tensor.Zeros(20, 4), verbose: 0));
        Assert.Contains("CategoricalCrossentropy", oneHot.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, validationSplit: 1.0, verbose: 0));
        Assert.Throws<InvalidOperationException>(() => model.Add(new Dense(2)));
    }

    [Fact]
    public void ClassWeight_And_SampleWeight_ScaleTheLoss()
    {
        (Tensor x, Tensor y) = Blobs(5);
        Sequential model = SmallModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f));
        float plain = model.Fit(x, y, batchSize: 20, verbose: 0)["loss"][0];
        float doubled = model.Fit(x, y, batchSize: 20, verbose: 0, sampleWeight: Tensor.Full(2f, 20))["loss"][0];
        float classDoubled = model.Fit(x, y, batchSize: 20, verbose: 0,
            classWeight: new Dictionary<int, float> { [0] = 2f, [1] = 2f, [2] = 2f, [3] = 2f })["loss"][0];
        Assert.Equal(2 * plain, doubled, 1e-5f);
        Assert.Equal(2 * plain, classDoubled, 1e-5f);
    }

    [Fact]
    public void Names_AreMadeUniqueWithinAModel()
    {
        var model = new Sequential(new Dense(3), new Dense(3), new Dense(3));
        Assert.Equal(["dense", "dense_1", "dense_2"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void PredictProba_OnAnUncompiledModel_IsItsOutputWhenItEndsInSoftmax_AndRefusedOtherwise()
    {
        // A Keras file whose optimizer LogitNet lacks loads uncompiled; its softmax head still makes probabilities.
        (Tensor x, _) = Blobs(3);
        Sequential softmax = SmallModel(Activation.Softmax, seed: 2);
        softmax.Build(2);
        Assert.Equal(softmax.Predict(x).ToArray(), softmax.PredictProba(x).ToArray());

        Sequential logits = SmallModel(Activation.Linear, seed: 2);
        logits.Build(2);
        Assert.Contains("compiled", Assert.Throws<InvalidOperationException>(() => logits.PredictProba(x)).Message);
    }
}
