using LogitNet.Callbacks;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Regularizers;

namespace LogitNet.Tests.Models;

/// <summary>Issue 15's "done when" checks for the model: the course's habits behave as in Keras.</summary>
public class KerasFidelityTests
{
    private static Sequential CoffeeModel()
    {
        var model = new Sequential(
            new Input(2),
            new Dense(3, Activation.Sigmoid, name: "layer1"),
            new Dense(1, Activation.Sigmoid, name: "layer2")) { Seed = 1234, Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(), new Adam(0.01f));
        return model;
    }

    private static readonly float[] W1 = [-8.94f, 0.29f, 12.89f, -0.17f, -7.34f, 10.79f];
    private static readonly float[] B1 = [-9.87f, -9.28f, 1.01f];
    private static readonly float[] W2 = [-31.38f, -27.86f, -32.79f];
    private static readonly float[] B2 = [15.54f];

    [Fact]
    public void GetLayer_SetWeights_ThenPredict_GivesTheHandComputedSigmoid_OfTheCoffeeLab()
    {
        Sequential model = CoffeeModel();
        model.GetLayer("layer1").SetWeights(
            Tensor.FromArray(new float[,] { { -8.94f, 0.29f, 12.89f }, { -0.17f, -7.34f, 10.79f } }),
            Tensor.FromArray(B1, 3));
        model.GetLayer("layer2").SetWeights(Tensor.FromArray(W2, 3, 1), Tensor.FromArray(B2, 1));

        // The lab's test roasts, normalised with the lab's statistics (mean and population variance of its data).
        double[] mean = [218.66783295, 13.4306849], variance = [1596.9340, 1.2733253];
        double[][] raw = [[200, 13.9], [200, 17]];
        float[] normalised = raw.SelectMany(r => r.Select((v, j) => (float)((v - mean[j]) / Math.Sqrt(variance[j])))).ToArray();
        Tensor x = Tensor.FromArray(normalised, 2, 2);
        float[] predicted = model.Predict(x).ToArray();
        for (int s = 0; s < 2; s++)
        {
            double z2 = B2[0];
            for (int u = 0; u < 3; u++)
            {
                double z1 = B1[u] + (normalised[2 * s] * (double)W1[u]) + (normalised[(2 * s) + 1] * (double)W1[3 + u]);
                z2 += W2[u] / (1 + Math.Exp(-z1));
            }

            double expected = 1 / (1 + Math.Exp(-z2));
            Assert.True(Math.Abs(predicted[s] - expected) <= 1e-5 * expected, $"sample {s}: {predicted[s]} against {expected}");
        }

        Assert.Equal(0.963, predicted[0], 3e-3);        // the lab prints 9.63e-01 and 3.03e-08
        Assert.Equal(3.03e-8, predicted[1], 0.01e-8);
        Assert.Equal([1, 0], model.PredictClasses(x));
    }

    [Fact]
    public void GetWeights_AreCopiesInKerasOrder_AndSetWeights_NamesWhatIsWrong()
    {
        Sequential model = CoffeeModel();
        Tensor[] weights = model.GetLayer("layer1").GetWeights();
        Assert.Equal([[2, 3], [3]], weights.Select(w => w.Shape));
        weights[0][0, 0] = 100f;
        Assert.NotEqual(100f, model.GetLayer("layer1").GetWeights()[0][0, 0]);

        Layer layer = model.GetLayer("layer1");
        var count = Assert.Throws<ArgumentException>(() => layer.SetWeights(Tensor.Zeros(2, 3)));
        Assert.Contains("2 weight tensors (kernel [2, 3], bias [3])", count.Message);
        var shape = Assert.Throws<ArgumentException>(() => layer.SetWeights(Tensor.Zeros(3, 2), Tensor.Zeros(3)));
        Assert.Contains("weights[0] has shape [3, 2]", shape.Message);
        var missing = Assert.Throws<ArgumentException>(() => model.GetLayer("layer3"));
        Assert.Contains("'layer1', 'layer2'", missing.Message);
        Assert.Throws<InvalidOperationException>(() => new Dense(2).SetWeights(Tensor.Zeros(1, 2), Tensor.Zeros(2)));
    }

    [Fact]
    public void Trainable_False_FreezesTheLayer_InFit_AndInTheSummary()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        var model = new Sequential(new Dense(8, Activation.Relu, name: "frozen"), new Dense(4)) { Log = TextWriter.Null };
        model.Build(2);
        model.GetLayer("frozen").Trainable = false;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.05f));
        Tensor[] before = model.GetLayer("frozen").GetWeights();
        Tensor[] top = model.Layers[1].GetWeights();
        model.Fit(x, y, epochs: 2, verbose: 0);
        Assert.Equal(before.Select(w => w.ToArray()), model.GetLayer("frozen").GetWeights().Select(w => w.ToArray()));
        Assert.NotEqual(top[0].ToArray(), model.Layers[1].GetWeights()[0].ToArray());
        Assert.Contains("Non-trainable params: 24", model.SummaryText());
    }

    [Fact]
    public void L2Regularizer_ReportedLoss_IsDataLossPlusPointOneSumOfSquares_AndItsGradientTrains()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential Make(Regularizer? regularizer, float rate)
        {
            var model = new Sequential(new Dense(4, kernelRegularizer: regularizer)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(rate));
            model.Build(2);
            return model;
        }

        Sequential plain = Make(null, 0f), regularized = Make(LogitNet.Regularizers.Regularizers.L2(0.1f), 0f);
        double sumOfSquares = regularized.Parameters[0].Value.ToArray().Sum(w => (double)w * w);
        float dataLoss = plain.Evaluate(x, y, batchSize: 40)["loss"];
        float expected = (float)(dataLoss + (0.1f * sumOfSquares));
        Assert.Equal(expected, regularized.Evaluate(x, y, batchSize: 40)["loss"], 1e-6f);
        Assert.Equal(expected, regularized.Fit(x, y, epochs: 1, batchSize: 40, verbose: 0)["loss"][0], 1e-6f);

        // One full-batch SGD step: the regularized kernel moves by an extra -rate · 0.2 · w.
        Sequential a = Make(null, 0.5f), b = Make(new L1L2(l2: 0.1f), 0.5f);
        float[] w0 = b.Parameters[0].Value.ToArray();
        a.Fit(x, y, epochs: 1, batchSize: 40, shuffle: false, verbose: 0);
        b.Fit(x, y, epochs: 1, batchSize: 40, shuffle: false, verbose: 0);
        float[] wa = a.Parameters[0].Value.ToArray(), wb = b.Parameters[0].Value.ToArray();
        for (int i = 0; i < w0.Length; i++)
        {
            Assert.Equal(-0.5 * 0.2 * w0[i], wb[i] - wa[i], 1e-6);
        }

        Assert.Equal(a.Parameters[1].Value.ToArray(), b.Parameters[1].Value.ToArray());   // no bias regularizer
    }

    private static Sequential Trainable(long seed = 5)
    {
        var model = new Sequential(new Dense(16, Activation.Relu), new Dropout(0.2f), new Dense(4)) { Seed = seed, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        return model;
    }

    private static float[][] Weights(Sequential model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void FitOneTwice_EqualsFitTwo_BitForBit_AndTheEpochCountContinues()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(20);
        Sequential once = Trainable(), twice = Trainable();
        once.Fit(x, y, epochs: 2, batchSize: 7, verbose: 0);
        var epochs = new List<int>();
        var seen = new LambdaCallback(onEpochBegin: epochs.Add);
        twice.Fit(x, y, epochs: 1, batchSize: 7, verbose: 0, callbacks: [seen]);
        twice.Fit(x, y, epochs: 1, batchSize: 7, verbose: 0, callbacks: [seen]);
        Assert.Equal(Weights(once), Weights(twice));
        Assert.Equal([0, 1], epochs);
        Assert.Equal(2, twice.TrainedEpochs);
    }

    [Fact]
    public void FitSaveLoadFit_EqualsOneRun_WithRegularizersAndTrainableFlagsKept()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(20);
        string path = Path.Combine(Path.GetTempPath(), $"logitnet-fidelity-{Guid.NewGuid():N}.logitnet");
        try
        {
            Sequential Make()
            {
                var model = new Sequential(
                    new Dense(16, Activation.Relu, name: "features", kernelRegularizer: LogitNet.Regularizers.Regularizers.L1L2(0.001f, 0.01f)),
                    new Dropout(0.2f),
                    new Dense(8, Activation.Relu, name: "frozen"),
                    new Dense(4, biasRegularizer: LogitNet.Regularizers.Regularizers.L2(0.05f))) { Seed = 8, Log = TextWriter.Null };
                model.Build(2);
                model.GetLayer("frozen").Trainable = false;
                model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
                return model;
            }

            Sequential reference = Make(), resumed = Make();
            reference.Fit(x, y, epochs: 3, batchSize: 16, verbose: 0);
            resumed.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0);
            resumed.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.False(loaded.GetLayer("frozen").Trainable);
            var kernel = Assert.IsType<L1L2>(((Dense)loaded.GetLayer("features")).KernelRegularizer);
            Assert.Equal((0.001f, 0.01f), (kernel.L1, kernel.L2));
            Assert.Equal(0.05f, Assert.IsType<L1L2>(((Dense)loaded.Layers[3]).BiasRegularizer).L2);
            Assert.Equal(1, loaded.TrainedEpochs);
            loaded.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0);
            Assert.Equal(Weights(reference), Weights(loaded));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InitialEpoch_HasKerasMeaning_EpochsIsWhereToStop()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(5);
        Sequential model = Trainable();
        var epochs = new List<int>();
        History history = model.Fit(x, y, epochs: 5, initialEpoch: 3, verbose: 0, callbacks: [new LambdaCallback(onEpochBegin: epochs.Add)]);
        Assert.Equal([3, 4], epochs);
        Assert.Equal(2, history.Epochs);
        Assert.Equal(5, model.TrainedEpochs);
        Assert.Equal(0, model.Fit(x, y, epochs: 2, initialEpoch: 2, verbose: 0).Epochs);
    }

    [Fact]
    public void ValidationLoss_UsesTheValidationSampleWeights()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Tensor weights = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => 0.25f + (i % 5)).ToArray(), 40);
        Sequential model = Trainable();
        History split = model.Fit(x, y, epochs: 1, validationSplit: 0.25, sampleWeight: weights, verbose: 0);
        Tensor xv = x.Slice(30, 10), yv = y.Slice(30, 10), wv = weights.Slice(30, 10);
        Assert.Equal(model.Evaluate(xv, yv, sampleWeight: wv)["loss"], split["val_loss"][0]);
        Assert.NotEqual(model.Evaluate(xv, yv)["loss"], split["val_loss"][0]);

        History given = model.Fit(x, y, epochs: 1, validationData: (xv, yv), validationSampleWeight: wv, verbose: 0);
        Assert.Equal(model.Evaluate(xv, yv, sampleWeight: wv)["loss"], given["val_loss"][0]);
        Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, validationSampleWeight: wv, verbose: 0));
    }

    [Fact]
    public void FitBatches_OverAMemoryMappedFileLargerThanABatch_EqualsTheInMemoryFit()
    {
        Tensor x = Tensor.RandomNormal([1000, 6], 0f, 1f, seed: 11);
        float[] labels = Enumerable.Range(0, 1000).Select(i => (float)(((x[i, 0] > 0 ? 1 : 0) + (x[i, 1] > 0 ? 2 : 0)))).ToArray();
        Tensor y = Tensor.FromArray(labels, 1000);
        string xPath = Path.Combine(Path.GetTempPath(), $"logitnet-x-{Guid.NewGuid():N}.npy");
        string yPath = Path.Combine(Path.GetTempPath(), $"logitnet-y-{Guid.NewGuid():N}.npy");
        try
        {
            Npy.Write(xPath, x);
            Npy.Write(yPath, y);
            Sequential inMemory = Trainable(seed: 21), streamed = Trainable(seed: 21);
            History a = inMemory.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
            History b;
            using (var batches = new NpyBatches(xPath, yPath, batchSize: 32, shuffle: true, seed: 21))
            {
                Assert.Equal(32, batches.BatchesPerEpoch);
                b = streamed.FitBatches(batches, epochs: 2, verbose: 0);
            }

            Assert.Equal(Weights(inMemory), Weights(streamed));
            Assert.Equal(a["loss"], b["loss"]);
            Assert.True(b["loss"][1] < b["loss"][0]);
        }
        finally
        {
            File.Delete(xPath);
            File.Delete(yPath);
        }
    }

    [Fact]
    public void FitBatches_TakesAnyReenumerableSource_AndRefusesAnEmptyEpoch()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        IEnumerable<(Tensor, Tensor)> Pieces()
        {
            for (int start = 0; start < 40; start += 16)
            {
                int count = Math.Min(16, 40 - start);
                yield return (x.Slice(start, count), y.Slice(start, count));
            }
        }

        Sequential streamed = Trainable(), inMemory = Trainable();
        var log = new StringWriter();
        streamed.Log = log;
        streamed.FitBatches(Pieces(), epochs: 2, verbose: 1);   // a source of unknown length: the progress line counts without a bar
        Assert.Contains("3/?", log.ToString());
        inMemory.Fit(x, y, epochs: 2, batchSize: 16, shuffle: false, verbose: 0);
        Assert.Equal(Weights(inMemory), Weights(streamed));
        Assert.Throws<InvalidOperationException>(() => Trainable().FitBatches(Array.Empty<(Tensor, Tensor)>(), verbose: 0));
    }

    [Fact]
    public void FitBatches_WithStepsPerEpoch_DrawsThatManyBatchesAnEpochFromOneEndlessEnumeration()
    {
        // Keras's steps_per_epoch: an endless generator never ended an epoch (the progress counted "n/?" forever).
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        int enumerations = 0;
        IEnumerable<(Tensor, Tensor)> Endless()
        {
            enumerations++;
            while (true)
            {
                for (int start = 0; start < 40; start += 16)
                {
                    int count = Math.Min(16, 40 - start);
                    yield return (x.Slice(start, count), y.Slice(start, count));
                }
            }
        }

        Sequential streamed = Trainable(), inMemory = Trainable();
        History history = streamed.FitBatches(Endless(), epochs: 2, verbose: 0, stepsPerEpoch: 3);
        inMemory.Fit(x, y, epochs: 2, batchSize: 16, shuffle: false, verbose: 0);
        Assert.Equal(Weights(inMemory), Weights(streamed));
        Assert.Equal(2, history["loss"].Count);
        Assert.Equal(1, enumerations);
        Assert.Equal(6, streamed.Optimizer!.Iterations);

        Assert.Throws<ArgumentOutOfRangeException>(() => Trainable().FitBatches(Endless(), stepsPerEpoch: 0, verbose: 0));
    }

    [Fact]
    public void FitBatches_WithStepsPerEpoch_EndsAnEpochShortWhenTheSourceRunsOut_AndStartsItAgain_AsKeras3()
    {
        // Keras 3's epoch iterator: 5 batches with steps_per_epoch 7 and 3 epochs train 3 epochs of 5 (each warns).
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        (Tensor, Tensor)[] pieces = [(x.Slice(0, 16), y.Slice(0, 16)), (x.Slice(16, 16), y.Slice(16, 16)), (x.Slice(32, 8), y.Slice(32, 8))];
        Sequential model = Trainable(), inMemory = Trainable();
        var log = new StringWriter();
        model.Log = log;
        History history = model.FitBatches(pieces, epochs: 3, verbose: 0, stepsPerEpoch: 5);
        inMemory.Fit(x, y, epochs: 3, batchSize: 16, shuffle: false, verbose: 0);
        Assert.Equal(3, history["loss"].Count);
        Assert.Equal(9, model.Optimizer!.Iterations);
        Assert.Equal(Weights(inMemory), Weights(model));
        Assert.Contains("Epoch 3: the batch source ran out 2 batches short of stepsPerEpoch", log.ToString());

        // Three batches taken two an epoch: the second epoch gets one and ends short; the third starts the source again.
        Sequential twoAnEpoch = Trainable();
        twoAnEpoch.Log = TextWriter.Null;
        Assert.Equal(3, twoAnEpoch.FitBatches(pieces, epochs: 3, verbose: 0, stepsPerEpoch: 2)["loss"].Count);
        Assert.Equal(5, twoAnEpoch.Optimizer!.Iterations);

        // Three taken three an epoch: the source ends just as the second epoch begins, which starts it again at once.
        Sequential exact = Trainable();
        exact.Log = log = new StringWriter();
        exact.FitBatches(pieces, epochs: 2, verbose: 0, stepsPerEpoch: 3);
        Assert.Equal(6, exact.Optimizer!.Iterations);
        Assert.DoesNotContain("ran out", log.ToString());

        // A source with no batch at all is still refused.
        Assert.Throws<InvalidOperationException>(() => Trainable().FitBatches(Array.Empty<(Tensor, Tensor)>(), verbose: 0, stepsPerEpoch: 2));
    }

    [Fact]
    public void Summary_ABareCallPrints()
    {
        Sequential model = CoffeeModel();
        var log = new StringWriter();
        model.Log = log;
        model.Summary();
        Assert.Contains("layer1 (Dense)", log.ToString());
        Assert.Contains("Total params: 13", log.ToString());
    }

    [Fact]
    public void PredictClasses_ArgmaxForSeveralOutputs_ThresholdForOne()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential softmax = new(new Dense(8, Activation.Relu), new Dense(4, Activation.Softmax)) { Log = TextWriter.Null };
        softmax.Build(2);
        Assert.Equal(Ops.ArgMax(softmax.Predict(x)).ToLabels(), softmax.PredictClasses(x));

        var logits = new Sequential(new Dense(1)) { Log = TextWriter.Null };
        logits.Build(2);
        Assert.Throws<InvalidOperationException>(() => logits.PredictClasses(x));
        logits.Compile(new BinaryCrossentropy(fromLogits: true), new SGD());
        float[] z = logits.Predict(x).ToArray();
        Assert.Equal(z.Select(v => v >= 0 ? 1 : 0), logits.PredictClasses(x));
    }
}
