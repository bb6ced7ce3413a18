using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// Sample weights per step, <c>[samples, steps]</c>, for models whose outputs have steps: Keras's way of leaving a padded
/// sequence's steps out of the loss (it has no mask here: Embedding's mask_zero is refused). Fit, its validation and
/// Evaluate take them as the losses do.
/// </summary>
public class StepWeightTests
{
    private const int Samples = 12, Steps = 4, Features = 3, Classes = 5;

    private static Sequential Tagger(long seed = 5)
    {
        // One tag per step: [samples, steps, features] in, [samples, steps, classes] logits out.
        var model = new Sequential(new Input(Steps, Features), new Dense(6, Activation.Tanh), new Dense(Classes)) { Seed = seed, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.05f), weightedMetrics: [new SparseCategoricalAccuracy()]);
        return model;
    }

    private static (Tensor X, Tensor Y, Tensor Weights) Data()
    {
        Tensor x = Tensor.RandomNormal([Samples, Steps, Features], 0f, 1f, seed: 11);
        var labels = new float[Samples * Steps];
        var weights = new float[Samples * Steps];
        for (int i = 0; i < Samples; i++)
        {
            int length = 1 + (i % Steps);   // each sequence's real steps; the rest is padding
            for (int t = 0; t < Steps; t++)
            {
                labels[i * Steps + t] = (i + 2 * t) % Classes;
                weights[i * Steps + t] = t < length ? 1f : 0f;
            }
        }

        return (x, Tensor.FromArray(labels, Samples, Steps), Tensor.FromArray(weights, Samples, Steps));
    }

    [Fact]
    public void PaddedSteps_WeighedZero_DoNotChangeTraining()
    {
        // The padded steps' labels are changed; with weight 0 there, the trained weights are the same bits.
        (Tensor x, Tensor y, Tensor w) = Data();
        float[] other = y.ToArray();
        float[] weights = w.ToArray();
        for (int i = 0; i < other.Length; i++)
        {
            if (weights[i] == 0)
            {
                other[i] = (other[i] + 3) % Classes;
            }
        }

        Sequential first = Tagger(), second = Tagger();
        first.Fit(x, y, epochs: 3, batchSize: 5, verbose: 0, sampleWeight: w);
        second.Fit(x, Tensor.FromArray(other, Samples, Steps), epochs: 3, batchSize: 5, verbose: 0, sampleWeight: w);
        Assert.Equal(first.GetWeights().SelectMany(t => t.ToArray()), second.GetWeights().SelectMany(t => t.ToArray()));

        // Without the weights the changed labels do change training: the test can fail.
        Sequential third = Tagger(), fourth = Tagger();
        third.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0);
        fourth.Fit(x, Tensor.FromArray(other, Samples, Steps), epochs: 1, batchSize: 5, verbose: 0);
        Assert.NotEqual(third.GetWeights()[0].ToArray(), fourth.GetWeights()[0].ToArray());
    }

    [Fact]
    public void Evaluate_WithStepWeights_IsTheLossOfThoseWeights()
    {
        (Tensor x, Tensor y, Tensor w) = Data();
        Sequential model = Tagger();
        IReadOnlyDictionary<string, float> logs = model.Evaluate(x, y, batchSize: Samples, sampleWeight: w);
        float expected = new SparseCategoricalCrossentropy(fromLogits: true).Call(y, model.Predict(x), w).ToArray()[0];
        Assert.Equal(expected, logs["loss"]);

        // The weighted accuracy counts the real steps only.
        var accuracy = new SparseCategoricalAccuracy();
        accuracy.Update(y, model.Predict(x), w);
        Assert.Equal(accuracy.Result(), logs["sparse_categorical_accuracy"]);
    }

    [Fact]
    public void ValidationSplit_KeepsTheStepWeightsOfItsRows()
    {
        (Tensor x, Tensor y, Tensor w) = Data();
        Sequential model = Tagger();
        History history = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, sampleWeight: w, validationSplit: 0.25, shuffle: false);
        float validation = history["val_loss"][^1];
        Tensor tail(Tensor t) => t.Slice(9, 3);
        Assert.Equal(model.Evaluate(tail(x), tail(y), batchSize: 4, sampleWeight: tail(w))["loss"], validation);
    }

    [Fact]
    public void OneWeightPerSample_StillTakesAColumnOrAVector()
    {
        (Tensor x, Tensor y, _) = Data();
        Sequential a = Tagger(), b = Tagger();
        Tensor perSample = Tensor.FromArray(Enumerable.Range(0, Samples).Select(i => 0.5f + i % 3).ToArray(), Samples);
        a.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0, sampleWeight: perSample);
        b.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0, sampleWeight: perSample.Reshape(Samples, 1));
        Assert.Equal(a.GetWeights()[0].ToArray(), b.GetWeights()[0].ToArray());
    }

    [Theory]
    [InlineData(new[] { Samples, 3 })]
    [InlineData(new[] { Samples, Steps, Classes })]
    [InlineData(new[] { Steps, Samples })]
    [InlineData(new[] { 2, Samples / 2 * Steps })]
    public void StepWeights_OfAnotherShape_AreRefused_NamingTheShapesTaken(int[] shape)
    {
        (Tensor x, Tensor y, _) = Data();
        Sequential model = Tagger();
        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, verbose: 0, sampleWeight: Tensor.Zeros(shape)));
        Assert.Equal("sampleWeight", error.ParamName);
        Assert.Contains($"[{Samples}, {Steps}]", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.Evaluate(x, y, sampleWeight: Tensor.Zeros(shape)));
    }

    [Fact]
    public void StepWeights_OnAModelWithoutSteps_AreRefused()
    {
        var model = new Sequential(new Input(3), new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var error = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(6, 3), Tensor.Zeros(6), epochs: 1, verbose: 0, sampleWeight: Tensor.Zeros(6, 4)));
        Assert.Contains("[6]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StepWeights_NegativeOrNaN_AreNamedByTheirPlace()
    {
        (Tensor x, Tensor y, Tensor w) = Data();
        float[] bad = w.ToArray();
        bad[7] = -1f;
        var error = Assert.Throws<ArgumentException>(() => Tagger().Fit(x, y, epochs: 1, verbose: 0, sampleWeight: Tensor.FromArray(bad, Samples, Steps)));
        Assert.Contains("sampleWeight[1, 3] is -1", error.Message, StringComparison.Ordinal);   // flat index 7 of [12, 4]
    }

    [Fact]
    public void StepWeights_MustCoverEveryStepAxis()
    {
        // Outputs [n, 4, 4, 5] have steps [4, 4]: weights [n, 4] would reach the loss but not the metrics, which take one
        // weight per scored row; they are refused before training, and [n, 4, 4] is taken.
        var model = new Sequential(new Input(4, 4, 3), new Dense(Classes)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f), weightedMetrics: [new SparseCategoricalAccuracy()]);
        Tensor x = Tensor.RandomNormal([6, 4, 4, 3], 0f, 1f, seed: 3), y = Tensor.Zeros(6, 4, 4);
        float[] before = model.GetWeights()[0].ToArray();
        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, verbose: 0, sampleWeight: Tensor.Ones(6, 4)));
        Assert.Contains("[6, 4, 4]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.GetWeights()[0].ToArray());
        History history = model.Fit(x, y, epochs: 1, verbose: 0, sampleWeight: Tensor.Ones(6, 4, 4));
        Assert.Single(history["sparse_categorical_accuracy"]);
    }

    [Fact]
    public void ClassWeight_OnSparseLabelsPerStep_IsRefused()
    {
        // y [n, steps] of class ids: Keras takes the argmax step's position for the class; here it is refused.
        (Tensor x, Tensor y, _) = Data();
        var error = Assert.Throws<ArgumentException>(() => Tagger().Fit(x, y, epochs: 1, verbose: 0, classWeight: new Dictionary<int, float> { [0] = 2f }));
        Assert.Equal("classWeight", error.ParamName);
    }
}
