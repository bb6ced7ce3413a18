using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

public class ActivationLayerTests
{
    private static float[] Run(Layer layer, params float[] x) => layer.Forward(Tensor.FromArray(x, 1, x.Length)).ToArray();

    [Fact]
    public void ReLU_FollowsKeras3sFormula_OnItsDocumentedExamples()
    {
        float[] x = [-10f, -5f, 0f, 5f, 10f];
        // keras.activations.relu's docstring examples.
        Assert.Equal([0f, 0f, 0f, 5f, 10f], Run(new ReLU(), x));
        Assert.Equal([-5f, -2.5f, 0f, 5f, 10f], Run(new ReLU(negativeSlope: 0.5f), x));
        Assert.Equal([0f, 0f, 0f, 5f, 5f], Run(new ReLU(maxValue: 5f), x));
        Assert.Equal([0f, 0f, 0f, 0f, 10f], Run(new ReLU(threshold: 5f), x));
        // tf.keras's: threshold 1.5 on [-3, -1, 1, 2].
        Assert.Equal([0f, 0f, 0f, 2f], Run(new ReLU(threshold: 1.5f), -3f, -1f, 1f, 2f));
        // All three: x above 2 clipped to 4, slope 0.25·(x − 2) at and below 2.
        Assert.Equal([-1f, 0f, 0f, 3f, 4f], Run(new ReLU(4f, 0.25f, 2f), -2f, 2f, 2f, 3f, 9f));
        Assert.True(float.IsNaN(Run(new ReLU(), float.NaN)[0]));
        Assert.True(float.IsNaN(Run(new ReLU(6f, 0.1f, 1f), float.NaN)[0]));
    }

    [Theory]
    [InlineData(null, 0f, 0f)]
    [InlineData(6f, 0f, 0f)]
    [InlineData(null, 0.3f, 0f)]
    [InlineData(1.5f, 0.2f, 0.5f)]
    public void ReLU_PassesTheGradientCheck_AwayFromItsKinks(float? max, float slope, float threshold)
    {
        var layer = new ReLU(max, slope, threshold);
        // Inputs on a grid offset from every kink (0.5, 1.5, 0) by at least 0.05, so the finite difference sees one piece.
        float[] values = Enumerable.Range(0, 40).Select(i => -3f + 0.15f * i + 0.07f).ToArray();
        GradientCheckResult result = GradientCheck.Run(layer, Tensor.FromArray(values, 4, 10), step: 1e-3);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void ReLU_Derivative_IsZeroAtAndAboveTheMaximum_AndTheSlopeAtTheThreshold()
    {
        var layer = new ReLU(2f, 0.25f, 1f);
        layer.Forward(Tensor.FromArray([1f, 2f, 3f, 1.5f, 0f], 1, 5), training: true);
        Assert.Equal([0.25f, 0f, 0f, 1f, 0.25f], layer.Backward(Tensor.FromArray([1f, 1f, 1f, 1f, 1f], 1, 5)).ToArray());
    }

    [Fact]
    public void LeakyReLU_HasKeras3sDefaultSlope_AndPassesTheGradientCheck()
    {
        Assert.Equal([-3f, 0f, 2f], Run(new LeakyReLU(), -10f, 0f, 2f));
        Assert.Equal(0.3f, new LeakyReLU().NegativeSlope);
        Assert.Equal("leaky_re_lu", new LeakyReLU().Name);
        Assert.Equal("re_lu", new ReLU().Name);
        GradientCheckResult result = GradientCheck.Run(new LeakyReLU(0.1f), Tensor.FromArray(Enumerable.Range(0, 30).Select(i => -2f + 0.13f * i + 0.01f).ToArray(), 3, 10), step: 1e-3);
        Assert.True(result.MaxError < 1e-2, result.ToString());
        Assert.Equal("negativeSlope", Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(-0.1f)).ParamName);
        Assert.Equal("maxValue", Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(maxValue: -1f)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(threshold: -1f)).ParamName);
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(0f)]
    public void LeakyReLU_KeepsSignedZeros_NaN_AndInfinities_Bitwise(float slope)
    {
        // The layer runs the activation's loops; bit patterns, not float equality (which takes -0 for +0).
        float[] x = [-0f, 0f, float.NaN, float.NegativeInfinity, float.PositiveInfinity, -float.Epsilon, 2f];
        var layer = new LeakyReLU(slope);
        float[] y = layer.Forward(Tensor.FromArray(x, 1, x.Length), training: true).ToArray();
        float[] expectedY = x.Select(v => v >= 0 ? v : slope * v).ToArray();
        Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(y[0]));

        float[] dy = [1f, -2f, 3f, 4f, 5f, 6f, 7f];
        float[] dx = layer.Backward(Tensor.FromArray(dy, 1, dy.Length)).ToArray();
        float[] expectedDx = x.Select((v, i) => v > 0 ? dy[i] : float.IsNaN(v) ? float.NaN : slope * dy[i]).ToArray();
        Assert.Equal(expectedDx.Select(BitConverter.SingleToInt32Bits), dx.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Softmax_IsTheStableSoftmaxOfTheLastAxis_AndPassesTheGradientCheck()
    {
        float[] y = Run(new Softmax(), 1000f, 999f, 0f);
        Assert.Equal(Ops.Softmax(Tensor.FromArray([1000f, 999f, 0f], 1, 3)).ToArray(), y);
        GradientCheckResult result = GradientCheck.Run(new Softmax(), Tensor.RandomNormal([3, 2, 5], 0f, 2f, seed: 1));
        Assert.True(result.MaxError < 1e-2, result.ToString());
        new Softmax(axis: 2).Build(4, 5);
        Assert.Throws<ArgumentException>(() => new Softmax(axis: 1).Build(4, 5));
    }

    [Fact]
    public void SoftmaxLayerOutput_WithAProbabilityLoss_TrainsOnTheLogits_AsADenseSoftmaxDoes()
    {
        Tensor x = Tensor.RandomNormal([40, 6], 0f, 1f, seed: 2);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray(), 40);
        var log = new StringWriter();
        var layered = new Sequential(new Input(6), new Dense(3, name: "d"), new Softmax()) { Seed = 5, Log = log };
        var fused = new Sequential(new Input(6), new Dense(3, Activation.Softmax, name: "d")) { Seed = 5, Log = TextWriter.Null };
        layered.Compile(new SparseCategoricalCrossentropy(), new Adam(0.05f));
        fused.Compile(new SparseCategoricalCrossentropy(), new Adam(0.05f));
        Assert.Contains("computes the loss from the logits", log.ToString());
        History a = layered.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        History b = fused.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        // The same fused loss on the same logits: the same training, bit for bit; and both predict probabilities.
        Assert.Equal(b["loss"], a["loss"]);
        Assert.Equal(fused.Predict(x).ToArray(), layered.Predict(x).ToArray());
        Assert.Equal(1.0, layered.Predict(x).ToArray().Take(3).Sum(v => (double)v), 5);

        var doubled = new StringWriter();
        var wrong = new Sequential(new Input(6), new Dense(3), new Softmax()) { Log = doubled };
        wrong.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        Assert.Contains("applies it again", doubled.ToString());
    }
}
