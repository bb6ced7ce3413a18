using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class Conv1DTests
{
    // steps, channels, kernel, filters, stride, dilation, padding, batch
    public static TheoryData<int, int, int, int, int, int, Padding, int> Shapes => new()
    {
        { 10, 3, 3, 4, 1, 1, Padding.Valid, 2 },
        { 7, 2, 9, 3, 1, 1, Padding.Same, 1 },      // kernel larger than the input under "same"
        { 7, 2, 2, 3, 3, 1, Padding.Valid, 2 },     // stride > kernel: steps skipped
        { 9, 2, 3, 2, 2, 1, Padding.Same, 3 },      // odd sizes with a stride
        { 8, 3, 3, 2, 1, 2, Padding.Causal, 2 },    // dilated causal (WaveNet)
        { 5, 1, 4, 2, 2, 1, Padding.Causal, 1 },    // causal with a stride, kernel near the input's length
        { 6, 2, 1, 3, 1, 1, Padding.Valid, 2 },     // a 1-step kernel: the input is its own patch matrix
        { 5, 2, 3, 2, 1, 3, Padding.Same, 1 },      // dilated span 7 over 5 steps under "same"
        { 4, 2, 3, 2, 1, 2, Padding.Causal, 2 },    // causal padding longer than half the input
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheDirectConvolution(int steps, int c, int k, int f, int s, int d, Padding padding, int n)
    {
        Conv1D conv = Build(steps, c, k, f, s, d, padding);
        Tensor x = Tensor.RandomNormal([n, steps, c], 0f, 1f, seed: 11);
        Tensor y = conv.Forward(x);
        float[] kernel = conv.Kernel.Value.ToArray(), bias = conv.Bias!.Value.ToArray();
        double[] expected = SequenceReference.Conv(x.ToArray(), n, steps, c, kernel, k, f, bias, s, d, padding, out int os);
        double[] magnitude = SequenceReference.Conv(Abs(x.ToArray()), n, steps, c, Abs(kernel), k, f, Abs(bias), s, d, padding, out _);
        Assert.Equal([n, os, f], y.Shape);
        Conv2DTests.AssertClose(expected, y.ToArray(), magnitude, k * c + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_MatchesTheDirectConvolution(int steps, int c, int k, int f, int s, int d, Padding padding, int n)
    {
        Conv1D conv = Build(steps, c, k, f, s, d, padding);
        float[] kernel = conv.Kernel.Value.ToArray();
        Tensor x = Tensor.RandomNormal([n, steps, c], 0f, 1f, seed: 12);
        Tensor y = conv.Forward(x, training: true);
        Tensor dy = Tensor.RandomNormal(y.Shape, 0f, 1f, seed: 13);
        float[] dx = conv.Backward(dy).ToArray();
        (double[] edx, double[] edw, double[] edb) = SequenceReference.ConvBackward(x.ToArray(), n, steps, c, kernel, k, f, s, d, padding, dy.ToArray());
        (double[] mdx, double[] mdw, double[] mdb) = SequenceReference.ConvBackward(Abs(x.ToArray()), n, steps, c, Abs(kernel), k, f, s, d, padding, Abs(dy.ToArray()));
        Conv2DTests.AssertClose(edx, dx, mdx, f + k);
        Conv2DTests.AssertClose(edw, conv.Kernel.Gradient.ToArray(), mdw, dy.Length / f);
        Conv2DTests.AssertClose(edb, conv.Bias!.Gradient.ToArray(), mdb, dy.Length / f);
    }

    [Theory]
    [InlineData(Activation.Linear, Padding.Valid)]
    [InlineData(Activation.Tanh, Padding.Same)]
    [InlineData(Activation.Sigmoid, Padding.Causal)]
    [InlineData(Activation.Softmax, Padding.Same)]
    [InlineData(Activation.Selu, Padding.Causal)]
    public void Backward_PassesTheGradientCheck(Activation activation, Padding padding)
    {
        var conv = new Conv1D(3, 3, strides: padding == Padding.Causal ? 1 : 2, padding: padding,
            dilationRate: padding == Padding.Causal ? 2 : 1, activation: activation) { Seed = 4 };
        conv.Build(7, 2);
        Tensor.RandomNormal([3], 0f, 0.5f, seed: 6).AsSpan().CopyTo(conv.Bias!.Value.AsSpan());
        GradientCheckResult result = GradientCheck.Run(conv, Tensor.RandomNormal([2, 7, 2], 0f, 1f, seed: 5), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Backward_WithRelu_PassesTheGradientCheck()
    {
        // Away from the kink: the biases put half the outputs far below 0 and half far above.
        var conv = new Conv1D(4, 2, padding: Padding.Causal, activation: Activation.Relu) { Seed = 4 };
        conv.Build(6, 3);
        new float[] { -6f, 6f, -6f, 6f }.CopyTo(conv.Bias!.Value.AsSpan());
        GradientCheckResult result = GradientCheck.Run(conv, Tensor.RandomNormal([2, 6, 3], 0f, 1f, seed: 7), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Causal_OutputStepDependsOnNoLaterInputStep()
    {
        var conv = new Conv1D(2, 3, padding: Padding.Causal, dilationRate: 2) { Seed = 1 };
        Tensor x = Tensor.RandomNormal([1, 9, 2], 0f, 1f, seed: 2);
        float[] before = conv.Forward(x).ToArray();
        Tensor changed = x.Clone();
        changed[0, 5, 1] += 10f;
        float[] after = conv.Forward(changed).ToArray();
        Assert.Equal(before[..(5 * 2)], after[..(5 * 2)]);
        Assert.NotEqual(before[(5 * 2)..], after[(5 * 2)..]);
    }

    [Fact]
    public void Defaults_AreKeras()
    {
        var conv = new Conv1D(8, 3);
        Assert.Equal((1, Padding.Valid, 1, Activation.Linear, true), (conv.Strides, conv.Padding, conv.DilationRate, conv.Activation, conv.UseBias));
        Assert.Equal("conv1d", conv.Name);
        conv.Build(26, 3);
        Assert.Equal([24, 8], conv.OutputShape);
        Assert.Equal([3, 3, 8], conv.Kernel.Value.Shape);
        float limit = MathF.Sqrt(6f / (3 * 3 + 3 * 8));
        Assert.All(conv.Kernel.Value.ToArray(), v => Assert.InRange(v, -limit, limit));
        Assert.All(conv.Bias!.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal([13, 8], Built(new Conv1D(8, 3, strides: 2, padding: Padding.Same), 26, 3));
        Assert.Equal([26, 8], Built(new Conv1D(8, 5, padding: Padding.Causal), 26, 3));
        Assert.Equal([9, 8], Built(new Conv1D(8, 5, strides: 3, padding: Padding.Causal), 26, 3));
    }

    [Fact]
    public void InvalidArguments_AreRefusedWithTheReason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 0));
        var both = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 3, strides: 2, dilationRate: 2));
        Assert.Contains("dilation", both.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => new Conv1D(4, 5).Build(4, 2));
        Assert.Contains("Padding.Same", tooLong.Message);
        var image = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3).Build(5, 5, 1));
        Assert.Contains("[steps, channels]", image.Message);
        var causal2D = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, padding: Padding.Causal));
        Assert.Contains("Conv1D", causal2D.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling1D(2, padding: Padding.Causal));
    }

    [Fact]
    public void Output_IsBitwiseTheSame_ForASampleAloneAndInABatch()
    {
        var conv = new Conv1D(5, 4, padding: Padding.Same, activation: Activation.Relu) { Seed = 3 };
        Tensor x = Tensor.RandomNormal([9, 31, 6], 0f, 1f, seed: 8);
        float[] batch = conv.Forward(x).ToArray();
        for (int i = 0; i < 9; i++)
        {
            Tensor one = Tensor.FromArray(x.ToArray()[(i * 31 * 6)..((i + 1) * 31 * 6)], 1, 31, 6);
            Assert.Equal(batch[(i * 31 * 5)..((i + 1) * 31 * 5)], conv.Forward(one).ToArray());
        }
    }

    private static int[] Built(Layer layer, params int[] shape)
    {
        layer.Build(shape);
        return layer.OutputShape;
    }

    private static Conv1D Build(int steps, int c, int k, int f, int s, int d, Padding padding)
    {
        var conv = new Conv1D(f, k, s, padding, d) { Seed = 10 };
        conv.Build(steps, c);
        Tensor.RandomNormal([f], 0f, 1f, seed: 9).AsSpan().CopyTo(conv.Bias!.Value.AsSpan());
        return conv;
    }

    private static float[] Abs(float[] values) => values.Select(Math.Abs).ToArray();
}
