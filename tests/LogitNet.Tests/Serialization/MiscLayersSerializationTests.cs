using LogitNet.Initializers;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Tests.Serialization;

/// <summary>ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D: LogitNet's format, .keras files and ONNX.</summary>
public sealed class MiscLayersSerializationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-misc-layers-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Sequential Model(bool trainable = true) => new Sequential(
        new Input(9, 8, 3),
        new ZeroPadding2D(((1, 0), (2, 1)), name: "pad"),
        new DepthwiseConv2D((3, 2), strides: (2, 1), padding: Padding.Same, depthMultiplier: 2, activation: Activation.Tanh, name: "dw",
            depthwiseInitializer: new HeUniform(), depthwiseRegularizer: LogitNet.Regularizers.Regularizers.L2(0.001f)),
        new ReLU(maxValue: 0.6f, negativeSlope: 0.1f, threshold: 0.05f, name: "relu"),
        new DepthwiseConv2D(2, dilationRate: 2, useBias: false, name: "dw2"),
        new LeakyReLU(0.2f, name: "leaky"),
        new Flatten(),
        new Dense(4, name: "logits"),
        new Softmax(name: "probabilities")) { Seed = 7, Log = TextWriter.Null };

    private static (Tensor X, Tensor Y) Data()
    {
        Tensor x = Tensor.RandomNormal([12, 9, 8, 3], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)(i % 4)).ToArray(), 12);
        return (x, y);
    }

    [Fact]
    public void SaveThenLoad_PredictsBitwiseTheSame_KeepsTheSettings_AndResumesTraining()
    {
        (Tensor x, Tensor y) = Data();
        Sequential model = Model();
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0);
        string path = Path.Combine(_directory, "misc.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        var pad = (ZeroPadding2D)loaded.GetLayer("pad");
        Assert.Equal((1, 0, 2, 1), (pad.Top, pad.Bottom, pad.Left, pad.Right));
        var dw = (DepthwiseConv2D)loaded.GetLayer("dw");
        Assert.Equal(((3, 2), (2, 1), Padding.Same, 2, (1, 1), Activation.Tanh, true),
            (dw.KernelSize, dw.Strides, dw.Padding, dw.DepthMultiplier, dw.DilationRate, dw.Activation, dw.UseBias));
        Assert.IsType<HeUniform>(dw.DepthwiseInitializer);
        Assert.Equal(0.001f, ((LogitNet.Regularizers.L1L2)dw.DepthwiseRegularizer!).L2);
        var dw2 = (DepthwiseConv2D)loaded.GetLayer("dw2");
        Assert.Equal(((2, 2), false, 1), (dw2.DilationRate, dw2.UseBias, dw2.DepthMultiplier));
        var relu = (ReLU)loaded.GetLayer("relu");
        Assert.Equal((0.6f, 0.1f, 0.05f), (relu.MaxValue, relu.NegativeSlope, relu.Threshold));
        Assert.Null(((ReLU)new Sequential(new Input(3), new ReLU(name: "r")).Layers[^1]).MaxValue);
        Assert.Equal(0.2f, ((LeakyReLU)loaded.GetLayer("leaky")).NegativeSlope);
        Assert.Equal(-1, ((Softmax)loaded.GetLayer("probabilities")).Axis);

        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, shuffle: false);
        loaded.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, shuffle: false);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void SavedConfig_IsByteForByteTheCommittedOne()
    {
        // Refactorings of the writer must not change the file: config.json is compared with Data/misc_layers.config.json,
        // line ends (the JSON writer takes the platform's) and the library version aside. A change meant to alter the
        // file rewrites the fixture by running this test once with LOGITNET_WRITE_CONFIG_FIXTURES=1.
        var model = new Sequential(
            new Input(9, 8, 3),
            new ZeroPadding2D(((1, 0), (2, 1)), name: "pad"),
            new DepthwiseConv2D((3, 2), strides: (2, 1), padding: Padding.Same, depthMultiplier: 2, activation: Activation.Tanh, name: "dw",
                depthwiseInitializer: new HeUniform(), depthwiseRegularizer: LogitNet.Regularizers.Regularizers.L2(0.001f)),
            new ReLU(maxValue: 0.6f, negativeSlope: 0.1f, threshold: 0.05f, name: "relu"),
            new DepthwiseConv2D(2, dilationRate: 2, useBias: false, name: "dw2"),
            new LeakyReLU(0.2f, name: "leaky"),
            new ReLU(name: "plain"),
            new Flatten(),
            new Dense(4, name: "logits"),
            new Softmax(name: "probabilities")) { Seed = 7, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
        string path = Path.Combine(_directory, "golden.logitnet");
        model.Save(path);
        string written;
        using (System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(path))
        using (var reader = new StreamReader(zip.GetEntry("config.json")!.Open()))
        {
            written = reader.ReadToEnd();
        }

        string fixture = Path.Combine(Keras.KerasCorpus.RepositoryRoot, "tests", "LogitNet.Tests", "Serialization", "Data", "misc_layers.config.json");
        if (Environment.GetEnvironmentVariable("LOGITNET_WRITE_CONFIG_FIXTURES") is "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fixture)!);
            File.WriteAllText(fixture, written);
        }

        // The library's version is not the writer's doing: a release does not have to rewrite the fixture.
        static string Comparable(string config) =>
            System.Text.RegularExpressions.Regex.Replace(config.ReplaceLineEndings("\n"), "\"logitnet_version\": \"[^\"]*\"", "\"logitnet_version\": \"\"");
        Assert.Equal(Comparable(File.ReadAllText(fixture)), Comparable(written));
    }

    [Fact]
    public void SaveAsKeras_LoadsBack_WithTheSamePredictionsAndSettings()
    {
        (Tensor x, _) = Data();
        Sequential model = Model();
        model.Build(9, 8, 3);
        string path = Path.Combine(_directory, "misc.keras");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Layers.Select(l => (l.GetType(), l.Name)), loaded.Layers.Select(l => (l.GetType(), l.Name)));
        var dw = (DepthwiseConv2D)loaded.GetLayer("dw");
        Assert.Equal(((3, 2), (2, 1), Padding.Same, 2), (dw.KernelSize, dw.Strides, dw.Padding, dw.DepthMultiplier));
        Assert.IsType<HeUniform>(dw.DepthwiseInitializer);
        var relu = (ReLU)loaded.GetLayer("relu");
        Assert.Equal((0.6f, 0.1f, 0.05f), (relu.MaxValue, relu.NegativeSlope, relu.Threshold));
    }

    [Fact]
    public void ExportOnnx_RunsInOnnxRuntime_WithLogitNetsOutputs()
    {
        (Tensor x, _) = Data();
        Sequential model = Model();
        model.Build(9, 8, 3);
        // Biases away from zero so the bias path is checked too.
        Tensor.RandomNormal([6], 0f, 0.5f, seed: 3).AsSpan().CopyTo(((DepthwiseConv2D)model.GetLayer("dw")).Bias!.Value.AsSpan());
        string path = Path.Combine(_directory, "misc.onnx");
        model.ExportOnnx(path);
        AssertOnnxMatches(path, model, x);
    }

    [Theory]
    [InlineData(null, 0f, 0f, 1, 1)]
    [InlineData(6f, 0f, 0f, 3, 2)]
    [InlineData(null, 0.3f, 0.5f, 1, 1)]
    public void ExportOnnx_ReLUVariants_AndDepthwiseEdgeShapes(float? max, float slope, float threshold, int multiplier, int stride)
    {
        // Kernel larger than the input under "same" (4 × 3 kernel on a 3 × 2 image), or strided.
        var model = new Sequential(new Input(3, 2, 2), new DepthwiseConv2D((4, 3), strides: (stride, stride), padding: Padding.Same, depthMultiplier: multiplier),
            new ReLU(max, slope, threshold), new ZeroPadding2D(1), new Flatten(), new Dense(2)) { Seed = 2, Log = TextWriter.Null };
        model.Build(3, 2, 2);
        Tensor x = Tensor.RandomNormal([1, 3, 2, 2], 0f, 3f, seed: 4);
        string path = Path.Combine(_directory, $"edge{multiplier}{stride}.onnx");
        model.ExportOnnx(path);
        AssertOnnxMatches(path, model, x);
    }

    [Fact]
    public void ExportOnnx_DepthwiseInsideAConvStack_StaysChannelsFirst_AndMatches()
    {
        // Conv2D -> DepthwiseConv2D -> BatchNormalization -> MaxPooling2D: one channels-first section, one Transpose at each end.
        var model = new Sequential(new Input(9, 8, 3), new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Relu),
            new DepthwiseConv2D(3, strides: 2, padding: Padding.Same, depthMultiplier: 2, activation: Activation.Relu),
            new BatchNormalization(), new MaxPooling2D(), new Flatten(), new Dense(3)) { Seed = 5, Log = TextWriter.Null };
        model.Build(9, 8, 3);
        Tensor.RandomNormal([8], 0f, 0.5f, seed: 6).AsSpan().CopyTo(((DepthwiseConv2D)model.Layers[2]).Bias!.Value.AsSpan());
        (Tensor x, _) = Data();
        string path = Path.Combine(_directory, "stack.onnx");
        model.ExportOnnx(path);
        AssertOnnxMatches(path, model, x);
        string graph = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(graph, "Transpose_").Count);
    }

    private static void AssertOnnxMatches(string path, Sequential model, Tensor x)
    {
        float[] expected = model.Predict(x).ToArray();
        using var session = new InferenceSession(path);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), x.Shape.Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(options, ["input"], [input], ["output"]);
        float[] actual = Assert.Single(outputs).GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"value {i}: LogitNet {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        }
    }

    [Fact]
    public void TrainingStep_WithTheseLayers_WhenWarm_AllocatesNothing()
    {
        Tensor x = Tensor.RandomNormal([2000, 9, 8, 3], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 2000).Select(i => (float)(i % 4)).ToArray(), 2000);
        Sequential model = Model();
        model.Compile(new SparseCategoricalCrossentropy(), new Adam());
        var probe = new Layers.AllocationWindows(from: 10, window: 100);
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, callbacks: [probe]);
        Assert.True(probe.Windows >= 2, $"only {probe.Windows} windows of 100 steps measured");
        Assert.Equal(0, probe.FewestBytes);
    }
}
