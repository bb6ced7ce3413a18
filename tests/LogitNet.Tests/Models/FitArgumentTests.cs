using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>Fit refuses bad arguments before it trains, naming them.</summary>
public sealed class FitArgumentTests
{
    [Theory]
    [InlineData(new[] { 1f, -1f, 1f, 1f }, "validationSampleWeight[1] is -1")]
    [InlineData(new[] { 1f, float.NaN, 1f, 1f }, "validationSampleWeight[1] is NaN")]
    [InlineData(new[] { 1f, 1f, 1f }, "one validation weight per validation sample (4)")]
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
}
