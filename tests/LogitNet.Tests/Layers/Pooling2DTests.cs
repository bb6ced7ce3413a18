using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class Pooling2DTests
{
    // h, w, c, ph, pw, sh, sw, same, batch
    public static TheoryData<int, int, int, int, int, int, int, bool, int> Shapes => new()
    {
        { 26, 26, 3, 2, 2, 2, 2, false, 2 },   // the convnet's shape, fewer channels
        { 7, 9, 2, 2, 2, 2, 2, false, 1 },     // odd sizes: the last row and column dropped
        { 7, 9, 2, 2, 2, 2, 2, true, 2 },      // odd sizes: a padded last row and column
        { 7, 7, 2, 2, 2, 3, 3, false, 1 },     // stride > window
        { 8, 7, 3, 3, 2, 1, 2, true, 2 },      // overlapping windows, unequal strides
        { 3, 2, 2, 5, 4, 1, 1, true, 2 },      // window larger than the input under "same"
        { 5, 5, 1, 5, 5, 1, 1, false, 3 },     // one window: the whole image
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheDirectPooling(int h, int w, int c, int ph, int pw, int sh, int sw, bool same, int n)
    {
        Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 21);
        Padding padding = same ? Padding.Same : Padding.Valid;
        Tensor max = new MaxPooling2D((ph, pw), (sh, sw), padding).Forward(x);
        double[] expectedMax = ConvReference.Pool(x.ToArray(), n, h, w, c, ph, pw, sh, sw, same, max: true, out int oh, out int ow);
        Assert.Equal([n, oh, ow, c], max.Shape);
        Assert.Equal(expectedMax.Select(v => (float)v).ToArray(), max.ToArray());

        Tensor mean = new AveragePooling2D((ph, pw), (sh, sw), padding).Forward(x);
        double[] expectedMean = ConvReference.Pool(x.ToArray(), n, h, w, c, ph, pw, sh, sw, same, max: false, out _, out _);
        double[] magnitude = ConvReference.Pool(x.ToArray().Select(Math.Abs).ToArray(), n, h, w, c, ph, pw, sh, sw, same, max: false, out _, out _);
        Conv2DTests.AssertClose(expectedMean, mean.ToArray(), magnitude, ph * pw + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_PassesTheGradientCheck(int h, int w, int c, int ph, int pw, int sh, int sw, bool same, int n)
    {
        // Distinct values, spaced far beyond the step, so no window's maximum changes place under a perturbation.
        float[] values = Enumerable.Range(0, n * h * w * c).Select(i => (float)i).ToArray();
        new Random(22).Shuffle(values);
        Tensor x = Tensor.FromArray(values, n, h, w, c);
        Padding padding = same ? Padding.Same : Padding.Valid;
        GradientCheckResult max = GradientCheck.Run(new MaxPooling2D((ph, pw), (sh, sw), padding), x, step: 1e-3, maxChecksPerTensor: 256);
        Assert.True(max.MaxError < 1e-2, max.ToString());
        GradientCheckResult mean = GradientCheck.Run(new AveragePooling2D((ph, pw), (sh, sw), padding),
            Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 23), maxChecksPerTensor: 256);
        Assert.True(mean.MaxError < 1e-2, mean.ToString());
    }

    [Fact]
    public void MaxBackward_GivesTheGradientToTheFirstMaximum_AndKeepsNaN()
    {
        // One 2×2 window per channel: channel 0 ties at 3 (first in row order wins), channel 1 holds a NaN.
        Tensor x = Tensor.FromArray([1f, 5f, 3f, float.NaN, 2f, 0f, 3f, 1f], 1, 2, 2, 2);
        var pool = new MaxPooling2D();
        Tensor y = pool.Forward(x, training: true);
        Assert.Equal(3f, y[0, 0, 0, 0]);
        Assert.True(float.IsNaN(y[0, 0, 0, 1]));
        float[] dx = pool.Backward(Tensor.FromArray([10f, 20f], 1, 1, 1, 2)).ToArray();
        Assert.Equal([0f, 0f, 10f, 20f, 0f, 0f, 0f, 0f], dx);
    }

    /// <summary>
    /// Images large enough that the layers cut the batch into one chunk per sample (run on the pool's
    /// threads): forward and backward must equal the kernels run on the whole batch at once.
    /// </summary>
    [Fact]
    public void LargeBatches_CutIntoSampleChunks_EqualTheWholeBatchKernels()
    {
        const int N = 9, H = 30, W = 29, C = 20;
        Tensor x = Tensor.RandomNormal([N, H, W, C], 0f, 1f, seed: 8);
        Tensor gradient = Tensor.RandomNormal([N, 15, 15, C], 0f, 1f, seed: 9);
        foreach (bool max in new[] { true, false })
        {
            Layer layer = max ? new MaxPooling2D(2, padding: Padding.Same) : new AveragePooling2D(2, padding: Padding.Same);
            Tensor y = layer.Forward(x, training: true);
            Tensor dx = layer.Backward(gradient);

            var g = LogitNet.Kernels.Window2D.Create(H, W, C, 2, 2, 2, 2, 1, 1, same: true)!.Value;
            float[] expectedY = new float[N * 15 * 15 * C], expectedDx = new float[N * H * W * C];
            if (max)
            {
                LogitNet.Kernels.Pooling2D.MaxForward(g, x.AsSpan(), N, expectedY);
                LogitNet.Kernels.Pooling2D.MaxBackward(g, x.AsSpan(), expectedY, gradient.AsSpan(), N, expectedDx);
            }
            else
            {
                LogitNet.Kernels.Pooling2D.AverageForward(g, x.AsSpan(), N, expectedY);
                LogitNet.Kernels.Pooling2D.AverageBackward(g, gradient.AsSpan(), N, expectedDx);
            }

            Assert.Equal(expectedY, y.ToArray());
            Assert.Equal(expectedDx, dx.ToArray());
        }
    }

    [Fact]
    public void Defaults_AreKeras()
    {
        var pool = new MaxPooling2D();
        Assert.Equal((2, 2), pool.PoolSize);
        Assert.Equal((2, 2), pool.Strides);
        Assert.Equal(Padding.Valid, pool.Padding);
        Assert.Equal("max_pooling2d", pool.Name);
        Assert.Equal("average_pooling2d", new AveragePooling2D().Name);
        Assert.Equal((3, 3), new AveragePooling2D(3).Strides);
        Assert.Equal((1, 1), new MaxPooling2D(3, strides: 1).Strides);
        pool.Build(26, 26, 32);
        Assert.Equal([13, 13, 32], pool.OutputShape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling2D(0));
        Assert.Throws<ArgumentException>(() => new MaxPooling2D(3).Build(2, 8, 1));
        Assert.Throws<ArgumentException>(() => new AveragePooling2D().Build(10, 10));
    }

    [Fact]
    public void GlobalPooling_IsTheMeanAndMaximumPerChannel()
    {
        Tensor x = Tensor.RandomNormal([3, 5, 4, 6], 0f, 1f, seed: 24);
        var mean = new GlobalAveragePooling2D();
        var max = new GlobalMaxPooling2D();
        Tensor ym = mean.Forward(x), yx = max.Forward(x);
        Assert.Equal([3, 6], ym.Shape);
        Assert.Equal([3, 6], yx.Shape);
        for (int b = 0; b < 3; b++)
        {
            for (int c = 0; c < 6; c++)
            {
                double sum = 0, best = double.NegativeInfinity, abs = 0;
                for (int i = 0; i < 20; i++)
                {
                    float v = x[b, i / 4, i % 4, c];
                    sum += v;
                    abs += Math.Abs(v);
                    best = Math.Max(best, v);
                }

                Assert.True(Math.Abs(sum / 20 - ym[b, c]) <= 21 * Math.ScaleB(abs / 20, -23));
                Assert.Equal((float)best, yx[b, c]);
            }
        }

        Assert.Equal([1, 1, 6], new GlobalAveragePooling2D(keepDims: true).Also(l => l.Build(5, 4, 6)).OutputShape);
        Assert.Equal("global_average_pooling2d", mean.Name);
        Assert.Equal("global_max_pooling2d", max.Name);
        Assert.True(GradientCheck.Run(new GlobalAveragePooling2D(), x).MaxError < 1e-2);
        float[] distinct = Enumerable.Range(0, x.Length).Select(i => (float)i).ToArray();
        new Random(25).Shuffle(distinct);
        Assert.True(GradientCheck.Run(new GlobalMaxPooling2D(), Tensor.FromArray(distinct, 3, 5, 4, 6), step: 1e-3).MaxError < 1e-2);
    }
}
