using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class BatchNormalizationTests
{
    [Fact]
    public void Training_NormalizesWithTheBatchStatistics_AndMovesTheMovingOnes()
    {
        var bn = new BatchNormalization(momentum: 0.9f);
        Tensor x = Tensor.RandomNormal([6, 3, 2, 4], 5f, 3f, seed: 1);
        bn.Build(3, 2, 4);
        float[] gamma = [1f, 2f, 0.5f, -1f], beta = [0f, 1f, -2f, 3f];
        gamma.CopyTo(bn.Gamma!.Value.AsSpan());
        beta.CopyTo(bn.Beta!.Value.AsSpan());
        float[] y = bn.Forward(x, training: true).ToArray();
        float[] values = x.ToArray();
        for (int j = 0; j < 4; j++)
        {
            double[] column = values.Where((_, i) => i % 4 == j).Select(v => (double)v).ToArray();
            double mean = column.Average(), variance = column.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < column.Length; i++)
            {
                double expected = gamma[j] * (column[i] - mean) / Math.Sqrt(variance + 1e-3) + beta[j];
                Assert.Equal(expected, y[i * 4 + j], 1e-5 * (1 + Math.Abs(expected)));
            }

            Assert.Equal(0.1 * mean, bn.MovingMean.Value[j], 1e-5);
            Assert.Equal(0.9 + 0.1 * variance, bn.MovingVariance.Value[j], 1e-4);
        }
    }

    [Fact]
    public void Inference_UsesTheMovingStatistics_AndWritesNothing()
    {
        var bn = new BatchNormalization(scale: false);
        bn.Build(3);
        new[] { 1f, -2f, 0f }.CopyTo(bn.MovingMean.Value.AsSpan());
        new[] { 4f, 0.25f, 1f }.CopyTo(bn.MovingVariance.Value.AsSpan());
        Tensor x = Tensor.FromArray([3f, 0f, 5f], 1, 3);
        float[] y = bn.Forward(x).ToArray();
        Assert.Equal(2 / Math.Sqrt(4.001), y[0], 1e-6);
        Assert.Equal(2 / Math.Sqrt(0.251), y[1], 1e-6);
        Assert.Equal(5 / Math.Sqrt(1.001), y[2], 1e-6);
        Assert.Equal([1f, -2f, 0f], bn.MovingMean.Value.ToArray());
        Assert.Null(bn.Gamma);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Backward_PassesTheGradientCheck(bool center, bool scale)
    {
        var bn = new BatchNormalization(center: center, scale: scale);
        bn.Build(4, 3, 5);
        if (scale)
        {
            Tensor.RandomNormal([5], 1f, 0.5f, seed: 2).AsSpan().CopyTo(bn.Gamma!.Value.AsSpan());
        }

        GradientCheckResult result = GradientCheck.Run(bn, Tensor.RandomNormal([3, 4, 3, 5], 1f, 2f, seed: 3), maxChecksPerTensor: 128);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Defaults_AreKeras_AndTheMovingStatisticsAreNotTrainable()
    {
        var bn = new BatchNormalization();
        Assert.Equal((0.99f, 1e-3f, true, true), (bn.Momentum, bn.Epsilon, bn.Center, bn.Scale));
        Assert.Equal("batch_normalization", bn.Name);
        bn.Build(7);
        Assert.Equal(["batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean", "batch_normalization/moving_variance"],
            bn.Parameters.Select(p => p.Name));
        Assert.Equal([true, true, false, false], bn.Parameters.Select(p => p.Trainable));
        Assert.All(bn.MovingVariance.Value.ToArray(), v => Assert.Equal(1f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(momentum: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(epsilon: 0f));
    }
    [Fact]
    public void Frozen_TrainsWithTheMovingStatistics_AndLeavesThem()
    {
        // Keras: `training and self.trainable`. A frozen layer in a training pass normalizes as in inference and
        // writes nothing (its moving statistics moved before).
        var bn = new BatchNormalization();
        bn.Build(4);
        new[] { 1f, -2f, 0f, 3f }.CopyTo(bn.MovingMean.Value.AsSpan());
        new[] { 4f, 0.25f, 1f, 2f }.CopyTo(bn.MovingVariance.Value.AsSpan());
        new[] { 1.5f, -1f, 0.5f, 2f }.CopyTo(bn.Gamma!.Value.AsSpan());
        bn.Trainable = false;
        Tensor x = Tensor.RandomNormal([6, 4], 2f, 3f, seed: 4);
        float[] inference = bn.Forward(x).ToArray();
        float[] training = bn.Forward(x, training: true).ToArray();
        Assert.Equal(inference, training);
        Assert.Equal([1f, -2f, 0f, 3f], bn.MovingMean.Value.ToArray());
        Assert.Equal([4f, 0.25f, 1f, 2f], bn.MovingVariance.Value.ToArray());

        // Its input gradient is the inference form's, γ/σ·dy: checked against finite differences (the moving statistics
        // are constants of the pass here, so only the input, gamma and beta are compared).
        GradientCheckResult result = GradientCheck.Run(bn, x, maxChecksPerTensor: 24);
        Assert.True(result.InputError < 1e-2, result.ToString());
        Assert.True(result.ParameterErrors["batch_normalization/gamma"] < 1e-2, result.ToString());
        Assert.True(result.ParameterErrors["batch_normalization/beta"] < 1e-2, result.ToString());
    }

    [Fact]
    public void Frozen_InAModel_KeepsItsStatisticsThroughFit()
    {
        Tensor x = Tensor.RandomNormal([32, 3], 1f, 2f, seed: 6);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 2)).ToArray(), 32);
        var bn = new BatchNormalization();
        var model = new Sequential(new Input(3), bn, new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new LogitNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), new LogitNet.Optimizers.Adam(0.01f));
        bn.Trainable = false;
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        Assert.All(bn.MovingMean.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(bn.MovingVariance.Value.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(bn.Gamma!.Value.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void TogglingTrainable_NeverMakesTheMovingStatisticsTrainable()
    {
        // Keras's layer.trainable toggles its trainable variables only; the moving statistics were made non-trainable.
        var bn = new BatchNormalization();
        bn.Build(3);
        bn.Trainable = false;
        bn.Trainable = true;
        Assert.Equal([true, true, false, false], bn.Parameters.Select(p => p.Trainable));
        Assert.Equal([false, false, true, true], bn.Parameters.Select(p => p.IsState));

        var normalization = new Normalization(mean: [1f, 2f], variance: [1f, 4f]);
        normalization.Build(2);
        normalization.Trainable = true;
        Assert.All(normalization.Parameters, p => Assert.False(p.Trainable));
    }
}
