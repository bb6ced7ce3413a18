using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class Conv2DTests
{
    // h, w, c, kh, kw, filters, sh, sw, dh, dw, same, batch
    public static IEnumerable<object[]> Shapes =>
    [
        [5, 7, 3, 3, 3, 4, 1, 1, 1, 1, false, 2],
        [5, 7, 3, 3, 3, 4, 1, 1, 1, 1, true, 1],     // batch 1
        [3, 2, 2, 5, 4, 3, 1, 1, 1, 1, true, 2],     // kernel larger than the input under "same"
        [7, 9, 2, 2, 2, 3, 3, 3, 1, 1, false, 1],    // stride > kernel
        [7, 9, 2, 2, 2, 3, 3, 3, 1, 1, true, 2],
        [8, 7, 2, 3, 3, 2, 2, 3, 1, 1, true, 3],     // odd sizes, unequal strides
        [9, 9, 2, 3, 2, 2, 1, 1, 2, 3, true, 2],     // dilation
        [9, 8, 1, 3, 3, 2, 1, 1, 2, 2, false, 1],
        [4, 5, 3, 1, 1, 5, 1, 1, 1, 1, false, 2],    // 1×1: the input is its own patch matrix
        [5, 5, 3, 1, 1, 2, 2, 2, 1, 1, false, 2],    // 1×1 with stride: not
        [13, 13, 32, 3, 3, 17, 1, 1, 1, 1, false, 2], // patches of 288: two GEMM K blocks
        [7, 6, 1, 3, 3, 4, 1, 1, 1, 1, true, 2],     // one channel (its own im2col path): the border under "same"
        [6, 7, 1, 3, 2, 3, 2, 3, 1, 1, true, 1],     // one channel, strides, a rectangular kernel
        [3, 2, 1, 5, 4, 2, 1, 1, 1, 1, true, 2],     // one channel, kernel larger than the input
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheDirectConvolution(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, bool same, int n)
    {
        Conv2D conv = Build(h, w, c, kh, kw, f, sh, sw, dh, dw, same, Activation.Linear, out Tensor x);
        float[] kernel = conv.Kernel.Value.ToArray(), bias = conv.Bias!.Value.ToArray();
        x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 11);
        Tensor y = conv.Forward(x);
        double[] expected = ConvReference.Conv(x.ToArray(), n, h, w, c, kernel, kh, kw, f, bias, sh, sw, dh, dw, same, out int oh, out int ow, out double[] magnitude);
        Assert.Equal([n, oh, ow, f], y.Shape);
        AssertClose(expected, y.ToArray(), magnitude, kh * kw * c + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_MatchesTheDirectConvolution(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, bool same, int n)
    {
        Conv2D conv = Build(h, w, c, kh, kw, f, sh, sw, dh, dw, same, Activation.Linear, out _);
        float[] kernel = conv.Kernel.Value.ToArray();
        Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 12);
        Tensor y = conv.Forward(x, training: true);
        Tensor dy = Tensor.RandomNormal(y.Shape, 0f, 1f, seed: 13);
        float[] dx = conv.Backward(dy).ToArray();
        (double[] edx, double[] edw, double[] edb) = ConvReference.ConvBackward(x.ToArray(), n, h, w, c, kernel, kh, kw, f, sh, sw, dh, dw, same, dy.ToArray());
        (double[] mdx, double[] mdw, double[] mdb) = ConvReference.ConvBackward(Abs(x.ToArray()), n, h, w, c, Abs(kernel), kh, kw, f, sh, sw, dh, dw, same, Abs(dy.ToArray()));
        AssertClose(edx, dx, mdx, f + kh * kw);
        AssertClose(edw, conv.Kernel.Gradient.ToArray(), mdw, dy.Length / f);
        AssertClose(edb, conv.Bias!.Gradient.ToArray(), mdb, dy.Length / f);
    }

    [Theory]
    [InlineData(Activation.Linear, false)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Sigmoid, false)]
    [InlineData(Activation.Softmax, true)]
    public void Backward_PassesTheGradientCheck(Activation activation, bool same)
    {
        var conv = new Conv2D(3, (3, 2), strides: (2, 1), padding: same ? Padding.Same : Padding.Valid, activation: activation) { Seed = 4 };
        Tensor x = Tensor.RandomNormal([2, 6, 5, 2], 0f, 1f, seed: 5);
        conv.Build(6, 5, 2);
        Tensor.RandomNormal([3], 0f, 0.5f, seed: 6).AsSpan().CopyTo(conv.Bias!.Value.AsSpan());
        GradientCheckResult result = GradientCheck.Run(conv, x, maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Backward_WithRelu_PassesTheGradientCheck()
    {
        // Inputs well away from the kink: the bias shifts half the outputs far below 0 and half far above.
        var conv = new Conv2D(4, 2, dilationRate: 2, padding: Padding.Same, activation: Activation.Relu) { Seed = 4 };
        conv.Build(5, 5, 2);
        new[] { -20f, 20f, -20f, 20f }.CopyTo(conv.Bias!.Value.AsSpan());
        GradientCheckResult result = GradientCheck.Run(conv, Tensor.RandomNormal([2, 5, 5, 2], 0f, 1f, seed: 5), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
        Tensor y = conv.Forward(Tensor.RandomNormal([2, 5, 5, 2], 0f, 1f, seed: 5));
        Assert.Contains(0f, y.ToArray());
        Assert.DoesNotContain(y.ToArray(), v => v < 0);
    }

    [Theory]
    [InlineData(Activation.Relu, false)]
    [InlineData(Activation.Tanh, true)]
    public void Forward_EachSample_IsBitwiseTheSameInAnyBatch(Activation activation, bool same)
    {
        var conv = new Conv2D(16, 3, padding: same ? Padding.Same : Padding.Valid, activation: activation) { Seed = 2 };
        Tensor x = Tensor.RandomNormal([7, 11, 10, 5], 0f, 1f, seed: 3);
        float[] batch = conv.Forward(x).ToArray();
        int sampleLength = batch.Length / 7;
        for (int i = 0; i < 7; i++)
        {
            Tensor one = Tensor.FromArray(x.ToArray().AsSpan(i * 550, 550).ToArray(), 1, 11, 10, 5);
            float[] alone = conv.Forward(one).ToArray();
            Assert.True(alone.AsSpan().SequenceEqual(batch.AsSpan(i * sampleLength, sampleLength)), $"sample {i} differs");
        }
    }

    [Fact]
    public void Build_KerasShapesAndGlorotUniformKernel_ZeroBias()
    {
        var conv = new Conv2D(32, 3) { Seed = 1 };
        conv.Build(28, 28, 1);
        Assert.Equal("conv2d", conv.Name);
        Assert.Equal([26, 26, 32], conv.OutputShape);
        Assert.Equal([3, 3, 1, 32], conv.Kernel.Value.Shape);
        Assert.Equal([32], conv.Bias!.Value.Shape);
        Assert.All(conv.Bias.Value.ToArray(), v => Assert.Equal(0f, v));
        float limit = MathF.Sqrt(6f / (9 + 9 * 32));
        float[] kernel = conv.Kernel.Value.ToArray();
        Assert.All(kernel, v => Assert.InRange(v, -limit, limit));
        Assert.True(kernel.Max() > 0.9f * limit && kernel.Min() < -0.9f * limit);
        Assert.Null(new Conv2D(4, 3, useBias: false).Also(l => l.Build(5, 5, 2)).Bias);
        Assert.Equal([3, 3, 4], new Conv2D(4, 3, strides: 2, padding: Padding.Same).Also(l => l.Build(5, 6, 2)).OutputShape);
    }

    [Fact]
    public void InvalidArguments_AreRefusedWithTheReason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, (3, -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, strides: 0));
        var both = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, strides: 2, dilationRate: 2));
        Assert.Contains("dilation", both.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, padding: (Padding)7));
        var flat = Assert.Throws<ArgumentException>(() => new Conv2D(4, 3).Build(784));
        Assert.Contains("[height, width, channels]", flat.Message);
        var small = Assert.Throws<ArgumentException>(() => new Conv2D(4, 5).Build(4, 9, 1));
        Assert.Contains("Padding.Same", small.Message);
    }

    internal static void AssertClose(double[] expected, float[] actual, double[] magnitude, int terms)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // Recursive float32 summation: |error| ≤ terms · 2^-23 · Σ|terms| (plus one rounding of the result).
            double bound = (terms + 1) * Math.ScaleB(1.0, -23) * magnitude[i] + 1e-30;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}, bound {bound:G3}");
        }
    }

    private static Conv2D Build(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, bool same, Activation activation, out Tensor x)
    {
        var conv = new Conv2D(f, (kh, kw), (sh, sw), same ? Padding.Same : Padding.Valid, (dh, dw), activation) { Seed = 9 };
        conv.Build(h, w, c);
        Tensor.RandomNormal([f], 0f, 1f, seed: 10).AsSpan().CopyTo(conv.Bias!.Value.AsSpan());
        x = Tensor.Zeros(1, h, w, c);
        return conv;
    }

    private static float[] Abs(float[] values) => values.Select(Math.Abs).ToArray();
}

internal static class LayerTestExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
