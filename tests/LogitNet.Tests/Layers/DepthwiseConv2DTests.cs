using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class DepthwiseConv2DTests
{
    // h, w, c, kh, kw, multiplier, sh, sw, dh, dw, same, batch
    public static IEnumerable<object[]> Shapes =>
    [
        [5, 7, 3, 3, 3, 1, 1, 1, 1, 1, false, 2],
        [5, 7, 3, 3, 3, 2, 1, 1, 1, 1, true, 1],     // batch 1, multiplier 2
        [3, 2, 2, 5, 4, 3, 1, 1, 1, 1, true, 2],     // kernel larger than the input under "same"
        [7, 9, 2, 2, 2, 1, 3, 3, 1, 1, false, 1],    // stride > kernel
        [7, 9, 5, 2, 2, 2, 3, 3, 1, 1, true, 2],
        [8, 7, 3, 3, 3, 1, 2, 3, 1, 1, true, 3],     // odd sizes, unequal strides
        [9, 9, 2, 3, 2, 2, 1, 1, 2, 3, true, 2],     // dilation
        [9, 8, 1, 3, 3, 4, 1, 1, 2, 2, false, 1],
        [6, 5, 19, 3, 3, 1, 1, 1, 1, 1, true, 2],    // channels past two vector widths plus a tail
        [4, 5, 3, 1, 1, 3, 2, 2, 1, 1, false, 2],    // 1×1 with stride
        [18, 20, 11, 17, 17, 1, 1, 1, 1, 1, true, 1], // 289 taps, more than 256; windows cut on every side
        [15, 15, 3, 4, 3, 2, 1, 1, 3, 4, true, 1],   // dilation reaching past both borders
    ];

    /// <summary>The depthwise kernel as a full Conv2D kernel [kh, kw, C, C·M]: zero outside each channel's own M filters.</summary>
    private static float[] BlockDiagonal(float[] kernel, int kh, int kw, int c, int m)
    {
        var full = new float[kh * kw * c * c * m];
        for (int tap = 0; tap < kh * kw; tap++)
        for (int ch = 0; ch < c; ch++)
        for (int j = 0; j < m; j++)
        {
            full[(tap * c + ch) * c * m + ch * m + j] = kernel[(tap * c + ch) * m + j];
        }

        return full;
    }

    private static DepthwiseConv2D Build(int h, int w, int c, int kh, int kw, int m, int sh, int sw, int dh, int dw, bool same,
        Activation activation = Activation.Linear)
    {
        var layer = new DepthwiseConv2D((kh, kw), (sh, sw), same ? Padding.Same : Padding.Valid, m, (dh, dw), activation) { Seed = 3 };
        layer.Build(h, w, c);
        Tensor.RandomNormal([c * m], 0f, 0.5f, seed: 4).AsSpan().CopyTo(layer.Bias!.Value.AsSpan());
        return layer;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheDirectConvolution(int h, int w, int c, int kh, int kw, int m, int sh, int sw, int dh, int dw, bool same, int n)
    {
        DepthwiseConv2D layer = Build(h, w, c, kh, kw, m, sh, sw, dh, dw, same);
        Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 11);
        Tensor y = layer.Forward(x);
        float[] full = BlockDiagonal(layer.Kernel.Value.ToArray(), kh, kw, c, m);
        double[] expected = ConvReference.Conv(x.ToArray(), n, h, w, c, full, kh, kw, c * m, layer.Bias!.Value.ToArray(), sh, sw, dh, dw, same,
            out int oh, out int ow, out double[] magnitude);
        Assert.Equal([n, oh, ow, c * m], y.Shape);
        Conv2DTests.AssertClose(expected, y.ToArray(), magnitude, kh * kw + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_MatchesTheDirectConvolution(int h, int w, int c, int kh, int kw, int m, int sh, int sw, int dh, int dw, bool same, int n)
    {
        DepthwiseConv2D layer = Build(h, w, c, kh, kw, m, sh, sw, dh, dw, same);
        float[] kernel = layer.Kernel.Value.ToArray(), full = BlockDiagonal(kernel, kh, kw, c, m);
        Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 12);
        Tensor y = layer.Forward(x, training: true);
        Tensor dy = Tensor.RandomNormal(y.Shape, 0f, 1f, seed: 13);
        float[] dx = layer.Backward(dy).ToArray();
        (double[] edx, double[] edwFull, double[] edb) = ConvReference.ConvBackward(x.ToArray(), n, h, w, c, full, kh, kw, c * m, sh, sw, dh, dw, same, dy.ToArray());
        float[] absFull = BlockDiagonal(kernel.Select(Math.Abs).ToArray(), kh, kw, c, m);
        (double[] mdx, double[] mdwFull, double[] mdb) = ConvReference.ConvBackward(x.ToArray().Select(Math.Abs).ToArray(), n, h, w, c, absFull, kh, kw, c * m,
            sh, sw, dh, dw, same, dy.ToArray().Select(Math.Abs).ToArray());

        // The depthwise kernel's gradient is the full kernel's gradient on the diagonal blocks.
        double[] Diagonal(double[] fullGradient)
        {
            var result = new double[kh * kw * c * m];
            for (int tap = 0; tap < kh * kw; tap++)
            for (int ch = 0; ch < c; ch++)
            for (int j = 0; j < m; j++)
            {
                result[(tap * c + ch) * m + j] = fullGradient[(tap * c + ch) * c * m + ch * m + j];
            }

            return result;
        }

        Conv2DTests.AssertClose(edx, dx, mdx, kh * kw * m + m);
        Conv2DTests.AssertClose(Diagonal(edwFull), layer.Kernel.Gradient.ToArray(), Diagonal(mdwFull), dy.Length / (c * m));
        Conv2DTests.AssertClose(edb, layer.Bias!.Gradient.ToArray(), mdb, dy.Length / (c * m));
    }

    [Theory]
    [InlineData(Activation.Linear, false, 1)]
    [InlineData(Activation.Tanh, true, 2)]
    [InlineData(Activation.Sigmoid, false, 3)]
    [InlineData(Activation.Swish, true, 1)]
    public void Backward_PassesTheGradientCheck(Activation activation, bool same, int multiplier)
    {
        DepthwiseConv2D layer = Build(6, 5, 3, 3, 2, multiplier, 2, 1, 1, 1, same, activation);
        GradientCheckResult result = GradientCheck.Run(layer, Tensor.RandomNormal([2, 6, 5, 3], 0f, 1f, seed: 5), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
        Assert.Equal(3, result.ParameterErrors.Count + 1);
    }

    [Fact]
    public void Backward_WithRelu_PassesTheGradientCheck()
    {
        var layer = new DepthwiseConv2D(2, dilationRate: 2, padding: Padding.Same, depthMultiplier: 2, activation: Activation.Relu) { Seed = 4 };
        layer.Build(5, 5, 2);
        new[] { -20f, 20f, -20f, 20f }.CopyTo(layer.Bias!.Value.AsSpan());
        GradientCheckResult result = GradientCheck.Run(layer, Tensor.RandomNormal([2, 5, 5, 2], 0f, 1f, seed: 5), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Forward_EachSample_IsBitwiseTheSameInAnyBatch()
    {
        DepthwiseConv2D layer = Build(7, 6, 11, 3, 3, 2, 1, 1, 1, 1, true, Activation.Relu);
        Tensor x = Tensor.RandomNormal([5, 7, 6, 11], 0f, 1f, seed: 8);
        float[] all = layer.Forward(x).ToArray();
        int per = all.Length / 5;
        for (int i = 0; i < 5; i++)
        {
            Tensor one = Tensor.FromArray(x.ToArray().AsSpan(i * 7 * 6 * 11, 7 * 6 * 11).ToArray(), 1, 7, 6, 11);
            Assert.Equal(all.AsSpan(i * per, per).ToArray(), layer.Forward(one).ToArray());
        }
    }

    [Fact]
    public void Settings_AreCheckedAsInKeras()
    {
        Assert.Equal("depthMultiplier", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv2D(3, depthMultiplier: 0)).ParamName);
        Assert.Equal("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv2D(3, strides: 2, dilationRate: 2)).ParamName);
        Assert.Throws<ArgumentException>(() => new DepthwiseConv2D(3).Build(10, 3));
        Assert.Throws<ArgumentException>(() => new DepthwiseConv2D(5).Build(3, 3, 1));
        var layer = new DepthwiseConv2D(3, depthMultiplier: 2);
        layer.Build(8, 8, 3);
        Assert.Equal([3, 3, 3, 2], layer.Kernel.Value.Shape);
        Assert.Equal([6, 6, 6], layer.OutputShape);
        Assert.Equal("depthwise_conv2d", layer.Name);
        // Keras's fans of [3, 3, 3, 2]: fanIn 27, fanOut 18.
        float limit = MathF.Sqrt(6f / (27 + 18));
        Assert.Equal(Tensor.RandomUniform([3, 3, 3, 2], -limit, limit, layer.Seed).ToArray(), layer.Kernel.Value.ToArray());
    }
}
