using System.IO.Compression;
using System.Text.Json;
using LogitNet.Initializers;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Initializers;

public sealed class InitializerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-init-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Mean and (population) variance in double.</summary>
    private static (double Mean, double Variance, double MaxAbs) Moments(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => ((double)v - mean) * ((double)v - mean));
        return (mean, variance, values.Max(v => Math.Abs((double)v)));
    }

    /// <summary>
    /// Checks a large draw against the distribution: the mean within 5 standard errors, the variance within
    /// <paramref name="relativeVariance"/> (5 standard errors of a variance estimate at these sizes is under 2%).
    /// </summary>
    private static void AssertMoments(float[] values, double mean, double variance, double relativeVariance = 0.025)
    {
        (double m, double v, _) = Moments(values);
        double standardError = Math.Sqrt(variance / values.Length);
        Assert.InRange(m, mean - 5 * standardError, mean + 5 * standardError);
        Assert.InRange(v, variance * (1 - relativeVariance), variance * (1 + relativeVariance));
    }

    [Fact]
    public void GlorotUniform_IsUniformOnTheGlorotLimits()
    {
        float[] w = new GlorotUniform().Create([400, 300], seed: 3).ToArray();
        double limit = Math.Sqrt(6.0 / 700);
        AssertMoments(w, 0, limit * limit / 3);
        Assert.True(w.All(v => Math.Abs(v) <= limit));
        Assert.True(Moments(w).MaxAbs > 0.999 * limit);
    }

    [Fact]
    public void GlorotNormal_IsKeras3sTruncatedNormal_WithVariance2OverFanSum()
    {
        float[] w = new GlorotNormal().Create([400, 300], seed: 4).ToArray();
        double stddev = Math.Sqrt(2.0 / 700) / 0.87962566103423978;
        AssertMoments(w, 0, 2.0 / 700);
        // Truncated at two of the underlying normal's standard deviations, and reaching close to them.
        Assert.True(w.All(v => Math.Abs(v) <= 2 * stddev * (1 + 1e-6)));
        Assert.True(Moments(w).MaxAbs > 1.99 * stddev);
    }

    [Fact]
    public void HeNormal_OnAConvKernel_UsesFanInOfTheReceptiveField()
    {
        // fanIn = 5·5·64 = 1600.
        float[] w = new HeNormal().Create([5, 5, 64, 128], seed: 5).ToArray();
        AssertMoments(w, 0, 2.0 / 1600);
        Assert.True(w.All(v => Math.Abs(v) <= 2 * Math.Sqrt(2.0 / 1600) / 0.87962566103423978 * (1 + 1e-6)));
    }

    [Fact]
    public void HeUniform_AndLecunNormal_FollowTheirFanIn()
    {
        float[] he = new HeUniform().Create([3, 3, 32, 256], seed: 6).ToArray();
        double limit = Math.Sqrt(6.0 / (3 * 3 * 32));
        AssertMoments(he, 0, limit * limit / 3);
        Assert.True(he.All(v => Math.Abs(v) <= limit) && Moments(he).MaxAbs > 0.999 * limit);

        float[] lecun = new LecunNormal().Create([500, 300], seed: 7).ToArray();
        AssertMoments(lecun, 0, 1.0 / 500);
    }

    [Fact]
    public void RandomNormal_AndRandomUniform_TakeTheirSettings()
    {
        float[] normal = new RandomNormal(1.5f, 0.2f).Create([300, 400], seed: 8).ToArray();
        AssertMoments(normal, 1.5, 0.04);
        float[] uniform = new RandomUniform(-0.3f, 0.7f).Create([300, 400], seed: 9).ToArray();
        AssertMoments(uniform, 0.2, 1.0 / 12);
        Assert.True(uniform.All(v => v >= -0.3f && v < 0.7f));
        Assert.Equal((0f, 0.05f), (new RandomNormal().Mean, new RandomNormal().Stddev));
        Assert.Equal((-0.05f, 0.05f), (new RandomUniform().Minval, new RandomUniform().Maxval));
        Assert.All(new Zeros().Create([3, 4], 1).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(new Ones().Create([7], 1).ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Fans_FollowKerasComputeFans()
    {
        Assert.Equal((1L, 1L), Initializer.ComputeFans([]));
        Assert.Equal((7L, 7L), Initializer.ComputeFans([7]));
        Assert.Equal((784L, 25L), Initializer.ComputeFans([784, 25]));
        Assert.Equal((3L * 3 * 16, 3L * 3 * 32), Initializer.ComputeFans([3, 3, 16, 32]));
        Assert.Equal((5L * 8, 5L * 3), Initializer.ComputeFans([5, 8, 3]));
    }

    [Fact]
    public void SameSeed_SameBits_OtherSeed_OtherValues()
    {
        foreach (Initializer initializer in new Initializer[] { new GlorotUniform(), new GlorotNormal(), new HeNormal(), new HeUniform(), new LecunNormal(), new RandomNormal(), new RandomUniform() })
        {
            float[] a = initializer.Create([17, 13], seed: 11).ToArray();
            Assert.Equal(a, initializer.Create([17, 13], seed: 11).ToArray());
            Assert.NotEqual(a, initializer.Create([17, 13], seed: 12).ToArray());
        }
    }

    [Fact]
    public void DefaultGlorotUniform_KeepsTheBitsLayersAlwaysHad()
    {
        // What Dense and Conv2D drew before initializers were arguments: float32 limit, Tensor.RandomUniform.
        float limit = MathF.Sqrt(6f / (30 + 7));
        Assert.Equal(Tensor.RandomUniform([30, 7], -limit, limit, 5).ToArray(), new GlorotUniform().Create([30, 7], 5).ToArray());
        var dense = new Dense(7) { Seed = 5 };
        dense.Build(30);
        Assert.Equal(Tensor.RandomUniform([30, 7], -limit, limit, 5).ToArray(), dense.Kernel.Value.ToArray());
        Assert.All(dense.Bias!.Value.ToArray(), v => Assert.Equal(0f, v));

        float convLimit = MathF.Sqrt(6f / (3 * 3 * 2 + 3 * 3 * 4));
        var conv = new Conv2D(4, 3) { Seed = 9 };
        conv.Build(8, 8, 2);
        Assert.Equal(Tensor.RandomUniform([3, 3, 2, 4], -convLimit, convLimit, 9).ToArray(), conv.Kernel.Value.ToArray());
    }

    [Fact]
    public void Layers_UseTheirInitializers_WithTheKernelShapesFans_AndABiasSeedApart()
    {
        var conv = new Conv2D(6, (3, 2), kernelInitializer: new HeUniform(), biasInitializer: new RandomNormal(0f, 1f)) { Seed = 21 };
        conv.Build(9, 9, 5);
        Assert.Equal(new HeUniform().Create([3, 2, 5, 6], 21).ToArray(), conv.Kernel.Value.ToArray());
        float[] bias = conv.Bias!.Value.ToArray();
        Assert.NotEqual(new RandomNormal(0f, 1f).Create([6], 21).ToArray(), bias);
        Assert.Equal(new RandomNormal(0f, 1f).Create([6], Sampling.BiasSeed(21)).ToArray(), bias);

        var dense = new Dense(5, kernelInitializer: new Ones(), biasInitializer: new Ones()) { Seed = 1 };
        dense.Build(4);
        Assert.All(dense.Kernel.Value.ToArray().Concat(dense.Bias!.Value.ToArray()), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void BadSettings_AreRefusedNamingTheArgument()
    {
        Assert.Equal("stddev", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomNormal(0f, -1f)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomNormal(float.NaN)).ParamName);
        Assert.Equal("maxval", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomUniform(1f, 1f)).ParamName);
        Assert.Throws<ArgumentException>(() => new Zeros().Create([2, 0], 1));
    }

    private Sequential InitializedModel() => new Sequential(
        new Input(6, 6, 2),
        new Conv2D(3, 3, activation: Activation.Relu, kernelInitializer: new HeNormal(), biasInitializer: new RandomUniform(-0.2f, 0.1f),
            kernelRegularizer: LogitNet.Regularizers.Regularizers.L2(0.01f), biasRegularizer: LogitNet.Regularizers.Regularizers.L1L2(0.001f, 0.002f), name: "c"),
        new Flatten(),
        new Dense(4, kernelInitializer: new RandomNormal(0.1f, 0.3f), biasInitializer: new Ones(), name: "d")) { Seed = 3, Log = TextWriter.Null };

    [Fact]
    public void SaveThenLoad_KeepsInitializersAndConvRegularizers()
    {
        Sequential model = InitializedModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        Tensor x = Tensor.RandomUniform([10, 6, 6, 2], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => (float)(i % 4)).ToArray(), 10);
        model.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0);
        string path = Path.Combine(_directory, "init.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        var conv = (Conv2D)loaded.GetLayer("c");
        Assert.IsType<HeNormal>(conv.KernelInitializer);
        Assert.Equal((-0.2f, 0.1f), (((RandomUniform)conv.BiasInitializer).Minval, ((RandomUniform)conv.BiasInitializer).Maxval));
        Assert.Equal(0.01f, ((LogitNet.Regularizers.L1L2)conv.KernelRegularizer!).L2);
        Assert.Equal((0.001f, 0.002f), (((LogitNet.Regularizers.L1L2)conv.BiasRegularizer!).L1, ((LogitNet.Regularizers.L1L2)conv.BiasRegularizer!).L2));
        Assert.Same(conv.KernelRegularizer, conv.Kernel.Regularizer);
        var dense = (Dense)loaded.GetLayer("d");
        Assert.Equal((0.1f, 0.3f), (((RandomNormal)dense.KernelInitializer).Mean, ((RandomNormal)dense.KernelInitializer).Stddev));
        Assert.IsType<Ones>(dense.BiasInitializer);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        // The penalty is part of the loss the loaded model reports, as in the original.
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"]);
    }

    [Fact]
    public void ConvRegularizer_AddsItsPenaltyToTheLoss()
    {
        Tensor x = Tensor.RandomUniform([8, 5, 5, 1], 0f, 1f, seed: 2);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 8).Select(i => (float)(i % 2)).ToArray(), 8);
        Sequential Make(LogitNet.Regularizers.Regularizer? r) => new Sequential(
            new Input(5, 5, 1), new Conv2D(2, 3, kernelRegularizer: r, name: "c"), new Flatten(), new Dense(2)) { Seed = 4, Log = TextWriter.Null };
        Sequential plain = Make(null), penalized = Make(LogitNet.Regularizers.Regularizers.L2(0.5f));
        foreach (Sequential m in new[] { plain, penalized })
        {
            m.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        }

        double penalty = 0.5 * penalized.GetLayer("c").Parameters[0].Value.ToArray().Sum(w => (double)w * w);
        Assert.True(penalty > 0.01);
        Assert.Equal(plain.Evaluate(x, y)["loss"] + penalty, penalized.Evaluate(x, y)["loss"], 1e-4);
    }

    [Fact]
    public void Keras_WritesAndReadsInitializersByKerasNames()
    {
        var model = new Sequential(new Input(4), new Dense(3, kernelInitializer: new RandomUniform(-0.5f, 0.25f), biasInitializer: new Ones(), name: "d"),
            new Dense(2, kernelInitializer: new LecunNormal(), name: "e")) { Seed = 1, Log = TextWriter.Null };
        string path = Path.Combine(_directory, "init.keras");
        model.Save(path);
        using (ZipArchive zip = ZipFile.OpenRead(path))
        using (Stream config = zip.GetEntry("config.json")!.Open())
        using (JsonDocument document = JsonDocument.Parse(config))
        {
            JsonElement d = document.RootElement.GetProperty("config").GetProperty("layers")[1].GetProperty("config");
            JsonElement kernel = d.GetProperty("kernel_initializer");
            Assert.Equal(("keras.initializers", "RandomUniform"), (kernel.GetProperty("module").GetString(), kernel.GetProperty("class_name").GetString()));
            Assert.Equal((-0.5f, 0.25f), (kernel.GetProperty("config").GetProperty("minval").GetSingle(), kernel.GetProperty("config").GetProperty("maxval").GetSingle()));
            Assert.Equal(JsonValueKind.Null, kernel.GetProperty("config").GetProperty("seed").ValueKind);
            Assert.Equal("Ones", d.GetProperty("bias_initializer").GetProperty("class_name").GetString());
        }

        Sequential loaded = Sequential.Load(path);
        var first = (Dense)loaded.GetLayer("d");
        Assert.Equal((-0.5f, 0.25f), (((RandomUniform)first.KernelInitializer).Minval, ((RandomUniform)first.KernelInitializer).Maxval));
        Assert.IsType<Ones>(first.BiasInitializer);
        Assert.IsType<LecunNormal>(((Dense)loaded.GetLayer("e")).KernelInitializer);
        Assert.IsType<Zeros>(((Dense)loaded.GetLayer("e")).BiasInitializer);
    }

    private sealed class Custom : Initializer
    {
        protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => values.Fill(0.5f);
    }

    [Fact]
    public void CustomInitializer_Trains_ButSaveRefusesIt()
    {
        var model = new Sequential(new Input(3), new Dense(2, kernelInitializer: new Custom(), name: "d")) { Log = TextWriter.Null };
        Assert.All(((Dense)model.GetLayer("d")).Kernel.Value.ToArray(), v => Assert.Equal(0.5f, v));
        var error = Assert.Throws<NotSupportedException>(() => model.Save(Path.Combine(_directory, "custom.logitnet")));
        Assert.Contains("'d'", error.Message);
        Assert.Contains("kernel_initializer", error.Message);
    }
}
