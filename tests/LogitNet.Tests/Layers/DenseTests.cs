using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class DenseTests
{
    [Fact]
    public void Forward_IsInputTimesKernelPlusBias()
    {
        var dense = new Dense(3);
        Tensor x = Tensor.RandomNormal([5, 4], 0f, 1f, seed: 1);
        dense.Build(4);
        Tensor.RandomNormal([3], 0f, 1f, seed: 2).AsSpan().CopyTo(dense.Bias!.Value.AsSpan());
        Tensor y = dense.Forward(x);
        Assert.Equal([5, 3], y.Shape);
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double expected = dense.Bias.Value[j];
                for (int k = 0; k < 4; k++)
                {
                    expected += (double)x[i, k] * dense.Kernel.Value[k, j];
                }

                Assert.Equal(expected, y[i, j], 1e-5);
            }
        }
    }

    [Fact]
    public void Build_GlorotUniformKernel_ZeroBias_ReproducibleFromSeed()
    {
        var a = new Dense(25) { Seed = 7 };
        var b = new Dense(25) { Seed = 7 };
        var c = new Dense(25) { Seed = 8 };
        a.Build(784);
        b.Build(784);
        c.Build(784);
        float limit = MathF.Sqrt(6f / (784 + 25));
        Assert.All(a.Kernel.Value.ToArray(), w => Assert.InRange(w, -limit, limit));
        Assert.Equal(a.Kernel.Value.ToArray(), b.Kernel.Value.ToArray());
        Assert.NotEqual(a.Kernel.Value.ToArray(), c.Kernel.Value.ToArray());
        Assert.All(a.Bias!.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(784 * 25 + 25, a.ParameterCount);
        Assert.Equal(["dense/kernel", "dense/bias"], a.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void NoBias_HasOnlyAKernel()
    {
        var dense = new Dense(2, useBias: false);
        dense.Build(3);
        Assert.Null(dense.Bias);
        Assert.Single(dense.Parameters);
        var check = GradientCheck.Run(dense, Tensor.RandomNormal([4, 3], 0f, 1f, seed: 3));
        Assert.True(check.MaxError < 1e-2, check.ToString());
    }

    public static TheoryData<Activation> AllActivations() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Backward_MatchesFiniteDifferences(Activation activation)
    {
        var dense = new Dense(6, activation) { Seed = 11 };
        Tensor x = Tensor.RandomNormal([7, 5], 0f, 1f, seed: 12);
        GradientCheckResult result = GradientCheck.Run(dense, x);
        Assert.True(result.MaxError < 1e-2, $"{activation}: {result}");
    }

    /// <summary>
    /// Inside a fitted model the first Dense skips its input gradient (nothing reads it); a gradient
    /// check on that layer must still get and compare it, and leave the layer as the model set it.
    /// </summary>
    [Fact]
    public void GradientCheck_OnAFittedModelsFirstLayer_ChecksTheInputGradient()
    {
        (Tensor x, Tensor y) = LogitNet.Tests.Models.SequentialTests.Blobs(40);
        var model = new Sequential(new Dense(3, Activation.Tanh), new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new LogitNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), new LogitNet.Optimizers.Adam());
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        var first = (Dense)model.Layers[0];

        GradientCheckResult result = GradientCheck.Run(first, x.Slice(0, 5));

        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Backward_OnASequenceBatch_UsesTheLastAxis()
    {
        var dense = new Dense(3, Activation.Tanh) { Seed = 1 };
        Tensor x = Tensor.RandomNormal([2, 4, 5], 0f, 1f, seed: 2);
        Assert.Equal([2, 4, 3], dense.Forward(x).Shape);
        GradientCheckResult result = GradientCheck.Run(dense, x);
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Activations_ComputeTheirDefinitions()
    {
        float[] inputs = [-3f, -0.5f, 0f, 0.7f, 2f];
        var expected = new Dictionary<Activation, Func<double, double>>
        {
            [Activation.Linear] = v => v,
            [Activation.Relu] = v => Math.Max(v, 0),
            [Activation.LeakyRelu] = v => v > 0 ? v : 0.2 * v,
            [Activation.Sigmoid] = v => 1 / (1 + Math.Exp(-v)),
            [Activation.Tanh] = Math.Tanh,
            [Activation.Elu] = v => v > 0 ? v : Math.Exp(v) - 1,
            // GELU reference values: x·Φ(x) with Φ from tables (Φ(-3) = 0.0013498980316301, Φ(-0.5) = 0.3085375387259869,
            // Φ(0.7) = 0.7580363477769270, Φ(2) = 0.9772498680518208).
            [Activation.Gelu] = v => v switch
            {
                -3 => -3 * 0.0013498980316301,
                -0.5 => -0.5 * 0.3085375387259869,
                0 => 0,
                _ when Math.Abs(v - 0.7) < 1e-6 => 0.7 * 0.7580363477769270,
                _ => 2 * 0.9772498680518208,
            },
        };

        foreach ((Activation activation, Func<double, double> f) in expected)
        {
            var layer = new ActivationLayer(activation);
            float[] y = layer.Forward(Tensor.FromArray(inputs, 1, 5)).ToArray();
            for (int i = 0; i < inputs.Length; i++)
            {
                Assert.True(Math.Abs(y[i] - f(inputs[i])) <= 1e-6 * Math.Max(1, Math.Abs(f(inputs[i]))),
                    $"{activation}({inputs[i]}) = {y[i]}, expected {f(inputs[i])}");
            }
        }

        float[] softmax = new ActivationLayer(Activation.Softmax).Forward(Tensor.FromArray(inputs, 1, 5)).ToArray();
        double sum = inputs.Sum(v => Math.Exp(v));
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(Math.Exp(inputs[i]) / sum, softmax[i], 1e-7);
        }
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void ActivationLayer_Backward_MatchesFiniteDifferences(Activation activation)
    {
        GradientCheckResult result = GradientCheck.Run(new ActivationLayer(activation), Tensor.RandomNormal([4, 6], 0f, 1.5f, seed: 5));
        Assert.True(result.MaxError < 1e-2, $"{activation}: {result}");
    }

    [Fact]
    public void Activations_PropagateNaN()
    {
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            float[] y = new ActivationLayer(activation).Forward(Tensor.FromArray([float.NaN, 1f], 1, 2)).ToArray();
            Assert.True(float.IsNaN(y[0]), $"{activation} hid a NaN");
        }
    }

    [Fact]
    public void WrongFeatureCount_AfterBuild_SaysWhatWasExpected()
    {
        var dense = new Dense(3);
        dense.Forward(Tensor.Zeros(2, 4));
        var error = Assert.Throws<ArgumentException>(() => dense.Forward(Tensor.Zeros(2, 5)));
        Assert.Contains("[4]", error.Message);
        Assert.Contains("[2, 5]", error.Message);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Equal("units", Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(2, (Activation)99));
        var error = Assert.Throws<ArgumentException>(() => new Dense(2).Forward(Tensor.Zeros(3)));
        Assert.Contains("Reshape a single sample to [1, ...]", error.Message);
        Assert.Throws<InvalidOperationException>(() => new Dense(2).Kernel);
        Assert.Throws<InvalidOperationException>(() => new Dense(2).Backward(Tensor.Zeros(1, 2)));
    }

    [Fact]
    public void Backward_GradientOfWrongShape_IsRejected()
    {
        var dense = new Dense(3);
        dense.Forward(Tensor.Zeros(2, 4), training: true);
        var error = Assert.Throws<ArgumentException>(() => dense.Backward(Tensor.Zeros(3, 3)));
        Assert.Contains("[2, 3]", error.Message);
    }

    [Fact]
    public void TrainingStep_WhenWarm_AllocatesNothing()
    {
        var dense = new Dense(16, Activation.Gelu);
        Tensor x = Tensor.RandomNormal([8, 12], 0f, 1f, seed: 1);
        Tensor last = Tensor.RandomNormal([3, 12], 0f, 1f, seed: 2);
        Tensor dy = Tensor.Ones(8, 16);
        Tensor dyLast = Tensor.Ones(3, 16);
        for (int warm = 0; warm < 2; warm++)
        {
            dense.Forward(x, training: true);
            dense.Backward(dy);
            dense.Forward(last, training: true);
            dense.Backward(dyLast);
        }

        Assert.Equal(0, SteadyState.AllocatedBytes(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                dense.Forward(x, training: true);
                dense.Backward(dy);
                dense.Forward(last, training: true);
                dense.Backward(dyLast);
            }
        }));
    }
}
