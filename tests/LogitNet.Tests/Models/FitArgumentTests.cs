using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>Fit refuses bad arguments before it trains, naming them.</summary>
public sealed class FitArgumentTests
{
    [Theory]
    [InlineData(new[] { 1f, -1f, 1f, 1f }, "validationSampleWeight[1] is -1")]
    [InlineData(new[] { 1f, float.NaN, 1f, 1f }, "validationSampleWeight[1] is NaN")]
    [InlineData(new[] { 1f, 1f, 1f }, "one weight per sample, shape [4]; received validationSampleWeight of shape [3]")]
    public void BadValidationSampleWeights_AreRefusedBeforeTraining_NamingThem(float[] weights, string message)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(1);
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.5f));
        model.Build(2);
        float[] before = model.Parameters[0].Value.ToArray();

        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 2, verbose: 0,
            validationData: (x, y), validationSampleWeight: Tensor.FromArray(weights, weights.Length)));

        Assert.Equal("validationSampleWeight", error.ParamName);
        Assert.Contains(message, error.Message);
        Assert.Equal(before, model.Parameters[0].Value.ToArray());
    }

    [Fact]
    public void InputLayerAndData_DisagreeingOnTheSampleShape_AreRefusedNamingXAndTheReshape()
    {
        // Fit, Evaluate and Predict built the layers for the data's shape, and the Input layer refused with an
        // InvalidOperationException that named neither x nor the fix.
        var model = new Sequential(new Input(6), new Dense(3)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        Tensor images = Tensor.Zeros(4, 2, 3);
        Tensor y = Tensor.FromArray([0f, 1f, 2f, 0f], 4);

        foreach (Action call in new Action[] { () => model.Fit(images, y, verbose: 0), () => model.Evaluate(images, y), () => model.Predict(images) })
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Equal("x", error.ParamName);
            Assert.Contains("Input layer declares samples of shape [6]; x has samples of shape [2, 3]", error.Message);
            Assert.Contains("x.Reshape(-1, 6)", error.Message);
        }

        // The hinted reshape fits.
        Assert.Equal([4, 3], model.Predict(images.Reshape(-1, 6)).Shape);
    }

    [Fact]
    public void MultiAxisSamplesWithoutFlatten_AreRefusedWithTheFlattenHint()
    {
        // Dense acts on the last axis: [2, 3] samples give [2, 4] outputs, and the error used to send the user to reshape y.
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var error = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(4, 2, 3), Tensor.FromArray([0f, 1f, 2f, 3f], 4), verbose: 0));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("The model outputs [2, 4] per sample (its input samples are [2, 3]", error.Message);
        Assert.Contains("put a Flatten layer", error.Message);

        var oneHot = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        oneHot.Compile(new CategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var oneHotError = Assert.Throws<ArgumentException>(() => oneHot.Fit(Tensor.Zeros(4, 2, 3), Tensor.Zeros(4, 4), verbose: 0));
        Assert.Contains("put a Flatten layer", oneHotError.Message);
    }

    [Fact]
    public void BadTargetValues_AreRefusedBeforeTraining_NamingTheirPlaceInTheCallersData()
    {
        // Only sparse labels were checked up front; a binary label of 2 was found by the batch holding it, named by its
        // index in that shuffled batch as 'yTrue', after the earlier batches had moved the weights.
        var binary = new Sequential(new Dense(1)) { Seed = 1, Log = TextWriter.Null };
        binary.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(0.1f));
        binary.Build(2);
        float[] before = binary.Parameters[0].Value.ToArray();
        Tensor x = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f, 0f, 0f], 4, 2);
        var error = Assert.Throws<ArgumentException>(() => binary.Fit(x, Tensor.FromArray([0f, 1f, 1f, 2f], 4, 1), batchSize: 1, verbose: 0));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("y[3] (flat index) is 2", error.Message);
        Assert.Equal(before, binary.Parameters[0].Value.ToArray());

        var validation = Assert.Throws<ArgumentException>(() => binary.Fit(x, Tensor.FromArray([0f, 1f, 1f, 0f], 4, 1), verbose: 0,
            validationData: (x, Tensor.FromArray([0f, -1f, 1f, 0f], 4, 1))));
        Assert.Equal("validationData.Y", validation.ParamName);
        Assert.Equal(before, binary.Parameters[0].Value.ToArray());
        Assert.Throws<ArgumentException>(() => binary.Evaluate(x, Tensor.FromArray([0f, 1f, 1f, 2f], 4, 1)));

        var categorical = new Sequential(new Dense(3)) { Seed = 1, Log = TextWriter.Null };
        categorical.Compile(new CategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var soft = Assert.Throws<ArgumentException>(() => categorical.Fit(x, Tensor.FromArray([1f, 0f, 0f, -0.5f, 1f, 0.5f, 0f, 0f, 1f, 0f, 1f, 0f], 4, 3), verbose: 0));
        Assert.Equal("y", soft.ParamName);
        Assert.Contains("row 1, class 0 of y is -0.5", soft.Message);

        // An output per position names the sample and the position, not a flattened row.
        var perPosition = new Sequential(new Dense(3)) { Seed = 1, Log = TextWriter.Null };
        perPosition.Compile(new CategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        float[] targets = new float[4 * 2 * 3];
        targets[(1 * 2 + 1) * 3 + 2] = -1f;
        var positioned = Assert.Throws<ArgumentException>(() => perPosition.Fit(Tensor.Zeros(4, 2, 5), Tensor.FromArray(targets, 4, 2, 3), verbose: 0));
        Assert.Contains("sample 1, position 1, class 2 of y is -1", positioned.Message);
    }

    [Fact]
    public void ABadEmbeddingId_IsRefusedBeforeTraining_NamingItsRowInX()
    {
        // It was found by the training batch holding it: "row 1 of a training batch", in shuffled order, mid-epoch.
        var model = new Sequential(new Embedding(10, 2), new Flatten(), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        float[] ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2];
        ids[9] = 10;
        Tensor x = Tensor.FromArray(ids, 6, 2), y = Tensor.FromArray([0f, 1f, 0f, 1f, 0f, 1f], 6);
        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, batchSize: 2, verbose: 0));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("x's row 4, position 1 holds the id 10, outside the vocabulary", error.Message);
        Assert.Equal(0, model.Optimizer!.Iterations);
    }

    [Fact]
    public void NullCallback_IsRefusedBeforeTraining_NamingItsIndex()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(1);
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.5f));
        model.Build(2);
        float[] before = model.Parameters[0].Value.ToArray();

        var error = Assert.Throws<ArgumentNullException>(() => model.Fit(x, y, verbose: 0, callbacks: [new EarlyStopping("loss"), null!]));
        Assert.Equal("callbacks", error.ParamName);
        Assert.Contains("callbacks[1] is null", error.Message);
        var batchesError = Assert.Throws<ArgumentNullException>(() => model.FitBatches([(x, y)], verbose: 0, callbacks: [null!]));
        Assert.Contains("callbacks[0] is null", batchesError.Message);
        Assert.Equal(before, model.Parameters[0].Value.ToArray());
    }

    [Fact]
    public void ANullLayer_IsRefused_NamingItsIndex()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new Sequential(new Dense(4), null!, new Dense(2)));
        Assert.Equal("layers", error.ParamName);
        Assert.Contains("layers[1] is null", error.Message);
    }

    [Fact]
    public void ChangingTheSeedOfABuiltModel_IsRefused()
    {
        // It was half applied: the weights kept the old seed, the shuffling took the new one if no Fit had run yet.
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 4, Log = TextWriter.Null };
        model.Summary();
        var error = Assert.Throws<InvalidOperationException>(() => model.Seed = 5);
        Assert.Contains("drawn with seed 4", error.Message);
        model.Seed = 4;
        Assert.Equal(4, model.Seed);
    }

    [Fact]
    public void NullLog_IsRefused_PointingToTextWriterNull()
    {
        var model = new Sequential(new Dense(2));
        var error = Assert.Throws<ArgumentNullException>(() => model.Log = null!);
        Assert.Contains("TextWriter.Null", error.Message);
        Assert.Same(Console.Out, model.Log);
    }

    private sealed class GoesBadAtStep3(float bad) : LearningRateSchedule
    {
        public override float RateAt(long step) => step < 3 ? 0.01f : bad;
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(-0.001f, "-0.001")]
    public void ScheduleGivingABadRate_StopsTraining_NamingTheScheduleAndStep(float bad, string shown)
    {
        // Applied unchecked, NaN or infinity made the weights NaN (the next loss then reported a divergence that looked
        // like the data's fault), and a negative rate trained uphill.
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(new GoesBadAtStep3(bad)));
        var error = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 3, batchSize: 2, verbose: 0));
        Assert.Contains($"GoesBadAtStep3 gave the rate {shown} for step 3", error.Message);
        Assert.Equal(3, model.Optimizer!.Iterations);
        Assert.All(model.Parameters[0].Value.ToArray(), w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void ReduceLROnPlateau_WithAScheduledOptimizer_IsRefusedAtTheStart()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(1);
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(new CosineDecay(0.01f, 1000)));
        model.Build(2);
        float[] before = model.Parameters[0].Value.ToArray();

        // Refused before any callback starts: one listed first (a CsvLogger would have emptied its file) is not begun.
        int begun = 0;
        var error = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 3, verbose: 0,
            callbacks: [new LambdaCallback(onTrainBegin: (_, _) => begun++), new ReduceLROnPlateau("loss", patience: 1)]));
        Assert.Contains("ReduceLROnPlateau sets the learning rate", error.Message);
        Assert.Equal(0, begun);
        Assert.Equal(before, model.Parameters[0].Value.ToArray());
        Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, verbose: 0,
            callbacks: [new LambdaCallback(onTrainBegin: (_, _) => begun++), new LearningRateScheduler((_, rate) => rate)]));
        Assert.Equal(0, begun);
    }

    [Fact]
    public void AccuracyWithAnIgnoredClass_LeavesThoseSamplesOut_InFitAndEvaluate()
    {
        // The logits are the inputs; predicted classes 0, 2, 1, 2 against labels 0, 1, ignored, 2: two of three right.
        // The accuracy threw on the ignored label (-1 is not a class id).
        var model = new Sequential(new Dense(3)) { Log = TextWriter.Null };
        model.Build(3);
        model.Layers[0].SetWeights(Tensor.FromArray([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], 3, 3), Tensor.FromArray([0f, 0f, 0f], 3));
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1), new SGD(0f), [LogitNet.Metrics.Metrics.Accuracy]);
        Tensor x = Tensor.FromArray([5f, 0f, 0f, 0f, 0f, 5f, 0f, 5f, 0f, 0f, 0f, 5f], 4, 3);
        Tensor y = Tensor.FromArray([0f, 1f, -1f, 2f], 4);

        Assert.Equal(2f / 3f, model.Evaluate(x, y)["accuracy"], 6);
        History history = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0);
        Assert.Equal(2f / 3f, history["accuracy"][0], 6);
    }

    [Fact]
    public void SampleWeightsPerSequence_BroadcastOverTime_InTheMetrics()
    {
        // Outputs [batch, time, classes] with one weight per sequence: the losses broadcast it over time, and now the
        // metrics do too (they threw "expected one weight per sample (8)" after the step had already moved the weights).
        var random = new Random(4);
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 2 * 4 * 2).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray(), 2, 4, 2);
        Tensor y = Tensor.FromArray([0f, 1f, 2f, 1f, 2f, 2f, 0f, 1f], 2, 4);
        Metric[] Metrics() => [LogitNet.Metrics.Metrics.Accuracy];
        var model = new Sequential(new Dense(3)) { Seed = 3, Log = TextWriter.Null };
        // Weighted metrics: plain metrics, as Keras's, do not see the sample weights.
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f), weightedMetrics: Metrics());
        Tensor perSequence = Tensor.FromArray([1f, 3f], 2);

        History history = model.Fit(x, y, epochs: 2, batchSize: 2, verbose: 0, sampleWeight: perSequence);
        Assert.Equal(2, history["accuracy"].Count);

        // By hand: each step right or wrong, weighted by its sequence's weight.
        float[] outputs = model.Predict(x).ToArray(), labels = y.ToArray();
        double right = 0, total = 0;
        for (int step = 0; step < 8; step++)
        {
            int predicted = Enumerable.Range(0, 3).MaxBy(j => outputs[step * 3 + j]);
            double weight = step < 4 ? 1 : 3;
            right += predicted == (int)labels[step] ? weight : 0;
            total += weight;
        }

        Assert.Equal((float)(right / total), model.Evaluate(x, y, sampleWeight: perSequence)["accuracy"], 6);
    }
    [Theory]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.SumOverBatchSize)]
    public void EvaluateLoss_HasFitsScale_UnderEveryReduction(Reduction reduction)
    {
        // Keras (and Fit) report the batch-size-weighted mean of the batches' losses; Evaluate gave the total over all
        // samples under Sum and None, so val_loss was about a batch size times loss. A learning rate of 0 keeps the
        // weights, so the epoch's loss and Evaluate's see the same outputs.
        Tensor x = Tensor.RandomNormal([10, 3], 0f, 1f, seed: 8);
        Tensor y = Tensor.FromArray([0f, 1f, 2f, 1f, 0f, 2f, 2f, 1f, 0f, 1f], 10);
        var model = new Sequential(new Dense(3)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true, reduction: reduction), new SGD(0f));
        History history = model.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, validationData: (x, y), verbose: 0);

        // By hand: per-sample losses from the logits, each batch's loss as the step reports it, weighted by batch size.
        float[] logits = model.Predict(x).ToArray(), labels = y.ToArray();
        double[] perSample = Enumerable.Range(0, 10).Select(i =>
        {
            double[] row = [logits[3 * i], logits[3 * i + 1], logits[3 * i + 2]];
            double max = row.Max();
            return max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[(int)labels[i]];
        }).ToArray();
        double expected = 0;
        foreach ((int start, int count) in new[] { (0, 4), (4, 4), (8, 2) })
        {
            double sum = perSample.Skip(start).Take(count).Sum();
            expected += count * (reduction == Reduction.SumOverBatchSize ? sum / count : sum);
        }

        expected /= 10;
        Assert.Equal(expected, model.Evaluate(x, y, batchSize: 4)["loss"], 4);
        Assert.Equal(history["loss"][0], history["val_loss"][0], 4);
    }
    [Fact]
    public void ClassWeight_OnOneColumnLabels_RoundsHalfToEven_AsKeras()
    {
        // Keras's class_weight_to_sample_weights rounds a one-column label half to even: 0.5 → class 0, 0.7 → 1, 1.5 → 2.
        // LogitNet took labels ≥ 0.5 as class 1 for the binary losses (0.5 → 1) and truncated others (0.7 → 0).
        Tensor x = Tensor.RandomNormal([6, 2], 0f, 1f, seed: 3);
        Tensor y = Tensor.FromArray([0.5f, 0.7f, 0.2f, 1f, 0.5f, 0f], 6, 1);
        var classWeight = new Dictionary<int, float> { [0] = 2f, [1] = 5f };
        Tensor expected = Tensor.FromArray([2f, 5f, 2f, 5f, 2f, 2f], 6);
        var model = new Sequential(new Dense(1)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(0f));
        History history = model.Fit(x, y, epochs: 1, batchSize: 6, shuffle: false, classWeight: classWeight, verbose: 0);
        Assert.Equal(model.Evaluate(x, y, batchSize: 6, sampleWeight: expected)["loss"], history["loss"][0]);

        Tensor regression = Tensor.FromArray([0.7f, 1.5f, 2.5f, -0.7f, 0.2f, 1f], 6, 1);
        var byClass = new Dictionary<int, float> { [-1] = 3f, [1] = 4f, [2] = 6f };
        var mse = new Sequential(new Dense(1)) { Seed = 2, Log = TextWriter.Null };
        mse.Compile(new MeanSquaredError(), new SGD(0f));
        history = mse.Fit(x, regression, epochs: 1, batchSize: 6, shuffle: false, classWeight: byClass, verbose: 0);
        Tensor rounded = Tensor.FromArray([4f, 6f, 6f, 3f, 1f, 4f], 6);   // classes 1, 2, 2, -1, 0, 1
        Assert.Equal(mse.Evaluate(x, regression, batchSize: 6, sampleWeight: rounded)["loss"], history["loss"][0]);
    }

    [Fact]
    public void Evaluate_OnNoRows_SaysEvaluate_NotTraining()
    {
        var model = new Sequential(new Dense(2)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD());
        model.Build(3);
        var error = Assert.Throws<ArgumentException>(() => model.Evaluate(Tensor.Zeros(0, 3), Tensor.Zeros(0)));
        Assert.Contains("Evaluate needs at least one sample", error.Message);
        Assert.Equal("x", error.ParamName);
    }
}
