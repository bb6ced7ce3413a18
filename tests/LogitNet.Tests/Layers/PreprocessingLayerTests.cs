using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

/// <summary>Flatten, Reshape, Rescaling and Normalization: values, gradients, Adapt, and saving in LogitNet's format.</summary>
public sealed class PreprocessingLayerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-prep-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Flatten_IsAViewInRowMajorOrder_AndItsGradientGoesBack()
    {
        var flatten = new Flatten();
        Tensor x = Tensor.RandomNormal([3, 4, 5], 0f, 1f, seed: 1);
        Tensor y = flatten.Forward(x, training: true);
        Assert.Equal([3, 20], y.Shape);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Equal([3, 4, 5], flatten.Backward(Tensor.Ones(3, 20)).Shape);
        Assert.True(GradientCheck.Run(new Flatten(), x).MaxError < 1e-3);
    }

    [Fact]
    public void Reshape_InfersTheOpenSize_AndRefusesAWrongCount()
    {
        var reshape = new Reshape(2, -1);
        Tensor y = reshape.Forward(Tensor.RandomNormal([4, 12], 0f, 1f, seed: 2), training: true);
        Assert.Equal([4, 2, 6], y.Shape);
        Assert.True(GradientCheck.Run(new Reshape(3, 4), Tensor.RandomNormal([2, 12], 0f, 1f, seed: 3)).MaxError < 1e-3);
        var error = Assert.Throws<ArgumentException>(() => new Reshape(5, 5).Build(12));
        Assert.Contains("[5, 5]", error.Message);
        Assert.Throws<ArgumentException>(() => new Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => new Reshape(0, 3));
    }

    [Fact]
    public void Rescaling_ComputesScaleTimesXPlusOffset_WithItsGradient()
    {
        var rescaling = new Rescaling(1f / 128, -1f);
        float[] y = rescaling.Forward(Tensor.FromArray([0f, 128f, 256f], 1, 3)).ToArray();
        Assert.Equal([-1f, 0f, 1f], y);
        Assert.True(GradientCheck.Run(new Rescaling(0.3f, 2f), Tensor.RandomNormal([3, 7], 0f, 1f, seed: 4)).MaxError < 1e-3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rescaling(float.NaN));
    }

    [Fact]
    public void Adapt_GivesThePopulationMeanAndVariance_InDouble()
    {
        // A large mean over a small spread: a one-pass float32 variance would cancel to garbage.
        float[] data = [1e6f + 1, 1e6f + 2, 1e6f + 3, 1e6f + 4, 1e6f + 5, 1e6f + 6];
        var norm = new Normalization();
        norm.Adapt(Tensor.FromArray(data, 3, 2));            // features: {1,3,5} and {2,4,6} above 1e6
        Assert.Equal([1e6f + 3, 1e6f + 4], norm.Mean.Value.ToArray());
        Assert.Equal([8f / 3, 8f / 3], norm.Variance.Value.ToArray());
        Assert.False(norm.Mean.Trainable);

        var global = new Normalization(perFeature: false);
        global.Adapt(Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2));
        Assert.Equal([2.5f], global.Mean.Value.ToArray());
        Assert.Equal([1.25f], global.Variance.Value.ToArray());
    }

    [Fact]
    public void Normalization_IsKerasFormula_WithTheEpsilonFloorOnTheDeviation()
    {
        var norm = new Normalization([2f, 5f], [4f, 0f]);
        float[] y = norm.Forward(Tensor.FromArray([4f, 5f, 0f, 5.0000001f], 2, 2)).ToArray();
        Assert.Equal(1f, y[0]);                               // (4 - 2) / 2
        Assert.Equal(0f, y[1]);                               // constant feature: (5 - 5) / max(0, 1e-7)
        Assert.Equal(-1f, y[2]);
        Assert.Equal((float)((5.0000001f - 5.0) / 1e-7f), y[3]);
        Assert.True(GradientCheck.Run(new Normalization([1f, -2f, 0.5f], [2f, 9f, 0.25f]), Tensor.RandomNormal([4, 3], 0f, 1f, seed: 5)).MaxError < 1e-3);
    }

    [Fact]
    public void Adapt_RefusesAnotherShapeAndNonFiniteData()
    {
        var norm = new Normalization();
        norm.Adapt(Tensor.Ones(3, 4));
        Assert.Throws<ArgumentException>(() => norm.Adapt(Tensor.Ones(3, 5)));
        Assert.Throws<ArgumentException>(() => new Normalization().Adapt(Tensor.FromArray([1f, float.NaN], 1, 2)));
        Assert.Throws<ArgumentException>(() => new Normalization().Adapt(Tensor.Zeros(0, 2)));
    }

    [Fact]
    public void ModelWithEveryNewLayer_SavesAndLoads_BitForBit_AndTrains()
    {
        var norm = new Normalization();
        Tensor x = Tensor.RandomNormal([40, 3, 4], 10f, 3f, seed: 6);
        norm.Adapt(x);
        var model = new Sequential(new Input(3, 4), new Rescaling(0.5f, 1f), norm, new Flatten(), new Dense(6, Activation.Swish),
            new Reshape(3, 2), new Dense(2, Activation.Mish), new Flatten(), new Dense(1, Activation.Sigmoid)) { Seed = 3, Log = TextWriter.Null };
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 2)).ToArray(), 40);
        model.Compile(new BinaryCrossentropy(), new Adam(0.01f));
        History history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], "the model did not train");
        Assert.Equal(norm.Mean.Value.ToArray(), ((Normalization)model.Layers[2]).Mean.Value.ToArray());   // never trained

        string path = Path.Combine(_directory, "model.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(["rescaling", "normalization", "flatten", "dense", "reshape", "dense_1", "flatten_1", "dense_2"], loaded.Layers.Skip(1).Select(l => l.Name));
    }
}
