using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class Pooling1DTests
{
    // steps, channels, pool, stride, padding, batch
    public static TheoryData<int, int, int, int, Padding, int> Shapes => new()
    {
        { 26, 3, 4, 4, Padding.Valid, 2 },   // the corpus's Conv1D model: pool 4
        { 9, 2, 2, 2, Padding.Valid, 1 },    // odd length: the last step dropped
        { 9, 2, 2, 2, Padding.Same, 2 },     // odd length: a padded last window
        { 7, 2, 2, 3, Padding.Valid, 1 },    // stride > window
        { 8, 3, 3, 1, Padding.Same, 2 },     // overlapping windows
        { 3, 2, 5, 1, Padding.Same, 2 },     // window longer than the input under "same"
        { 5, 1, 5, 1, Padding.Valid, 3 },    // one window: the whole sequence
        { 195, 20, 5, 5, Padding.Valid, 1 }, // the corpus's text model: pool 5
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheDirectPooling(int steps, int c, int size, int stride, Padding padding, int n)
    {
        Tensor x = Tensor.RandomNormal([n, steps, c], 0f, 1f, seed: 21);
        Tensor max = new MaxPooling1D(size, stride, padding).Forward(x);
        double[] expectedMax = SequenceReference.Pool(x.ToArray(), n, steps, c, size, stride, padding, max: true, out int os);
        Assert.Equal([n, os, c], max.Shape);
        Assert.Equal(expectedMax.Select(v => (float)v).ToArray(), max.ToArray());

        Tensor mean = new AveragePooling1D(size, stride, padding).Forward(x);
        double[] expectedMean = SequenceReference.Pool(x.ToArray(), n, steps, c, size, stride, padding, max: false, out _);
        double[] magnitude = SequenceReference.Pool(x.ToArray().Select(Math.Abs).ToArray(), n, steps, c, size, stride, padding, max: false, out _);
        Assert.Equal([n, os, c], mean.Shape);
        Conv2DTests.AssertClose(expectedMean, mean.ToArray(), magnitude, size + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_PassesTheGradientCheck(int steps, int c, int size, int stride, Padding padding, int n)
    {
        // Distinct values spaced far beyond the step, so no window's maximum changes place under a perturbation.
        float[] values = Enumerable.Range(0, n * steps * c).Select(i => (float)i).ToArray();
        new Random(22).Shuffle(values);
        GradientCheckResult max = GradientCheck.Run(new MaxPooling1D(size, stride, padding), Tensor.FromArray(values, n, steps, c), step: 1e-3, maxChecksPerTensor: 256);
        Assert.True(max.MaxError < 1e-2, max.ToString());
        GradientCheckResult mean = GradientCheck.Run(new AveragePooling1D(size, stride, padding),
            Tensor.RandomNormal([n, steps, c], 0f, 1f, seed: 23), maxChecksPerTensor: 256);
        Assert.True(mean.MaxError < 1e-2, mean.ToString());
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 3, 2)]
    [InlineData(200, 16, 1)]
    public void GlobalPooling_MatchesTheDirectMaxAndMean_AndPassesTheGradientCheck(int steps, int c, int n)
    {
        Tensor x = Tensor.RandomNormal([n, steps, c], 0f, 1f, seed: 24);
        double[] expectedMax = SequenceReference.Pool(x.ToArray(), n, steps, c, steps, 1, Padding.Valid, max: true, out _);
        double[] expectedMean = SequenceReference.Pool(x.ToArray(), n, steps, c, steps, 1, Padding.Valid, max: false, out _);
        double[] magnitude = SequenceReference.Pool(x.ToArray().Select(Math.Abs).ToArray(), n, steps, c, steps, 1, Padding.Valid, max: false, out _);
        Tensor max = new GlobalMaxPooling1D().Forward(x);
        Assert.Equal([n, c], max.Shape);
        Assert.Equal(expectedMax.Select(v => (float)v).ToArray(), max.ToArray());
        Tensor mean = new GlobalAveragePooling1D().Forward(x);
        Assert.Equal([n, c], mean.Shape);
        Conv2DTests.AssertClose(expectedMean, mean.ToArray(), magnitude, steps + 1);
        Assert.Equal([n, 1, c], new GlobalAveragePooling1D(keepDims: true).Forward(x).Shape);
        Assert.Equal(max.ToArray(), new GlobalMaxPooling1D(keepDims: true).Forward(x).ToArray());

        float[] values = Enumerable.Range(0, n * steps * c).Select(i => (float)i).ToArray();
        new Random(25).Shuffle(values);
        GradientCheckResult maxCheck = GradientCheck.Run(new GlobalMaxPooling1D(), Tensor.FromArray(values, n, steps, c), step: 1e-3, maxChecksPerTensor: 256);
        Assert.True(maxCheck.MaxError < 1e-2, maxCheck.ToString());
        GradientCheckResult meanCheck = GradientCheck.Run(new GlobalAveragePooling1D(keepDims: true), x, maxChecksPerTensor: 256);
        Assert.True(meanCheck.MaxError < 1e-2, meanCheck.ToString());
    }

    [Fact]
    public void MaxBackward_GivesTheGradientToTheFirstMaximum()
    {
        // One window of 3 steps, 2 channels: channel 0 ties at 4 (the first step wins).
        Tensor x = Tensor.FromArray([4f, 1f, 4f, 2f, 0f, 3f], 1, 3, 2);
        var pool = new GlobalMaxPooling1D();
        pool.Forward(x, training: true);
        Assert.Equal([10f, 0f, 0f, 0f, 0f, 20f], pool.Backward(Tensor.FromArray([10f, 20f], 1, 2)).ToArray());
    }

    [Fact]
    public void Defaults_AreKeras()
    {
        var pool = new MaxPooling1D();
        Assert.Equal((2, 2, Padding.Valid), (pool.PoolSize, pool.Strides, pool.Padding));
        Assert.Equal("max_pooling1d", pool.Name);
        Assert.Equal("average_pooling1d", new AveragePooling1D().Name);
        Assert.Equal("global_max_pooling1d", new GlobalMaxPooling1D().Name);
        Assert.Equal("global_average_pooling1d", new GlobalAveragePooling1D().Name);
        Assert.Equal(3, new AveragePooling1D(3).Strides);
        Assert.Equal(1, new MaxPooling1D(3, strides: 1).Strides);
        pool.Build(24, 8);
        Assert.Equal([12, 8], pool.OutputShape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling1D(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AveragePooling1D(2, strides: 0));
        Assert.Throws<ArgumentException>(() => new MaxPooling1D(3).Build(2, 8));
        Assert.Throws<ArgumentException>(() => new GlobalAveragePooling1D().Build(10));
        Assert.Throws<ArgumentException>(() => new GlobalMaxPooling1D().Build(4, 4, 2));
    }
}
