using System.IO.Compression;
using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using PureHDF;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// <c>Save("x.keras")</c> writes Keras 3's layout; the files read back through LogitNet and, once, through
/// the independent numpy/h5py reader (its outputs are committed in Data/written_reference.json).
/// </summary>
public sealed class KerasWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-write-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string WrittenDirectory => Path.Combine(KerasCorpus.RepositoryRoot, "tests", "LogitNet.Tests", "Serialization", "Keras", "Data", "written");

    /// <summary>Seeded models covering every layer and several activations the writer takes.</summary>
    public static Dictionary<string, Func<Sequential>> Models { get; } = new()
    {
        ["classifier.keras"] = () =>
        {
            var model = new Sequential(new Input(6), new Dense(8, Activation.Relu), new Dropout(0.25f), new Dense(5, Activation.Swish),
                new Dense(3, Activation.Softmax)) { Seed = 11, Log = TextWriter.Null };
            model.Build(6);
            model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.003f), [new LogitNet.Metrics.Accuracy()]);
            model.ClassNames = ["cat", "dog", "bird"];
            return model;
        },
        ["every_layer.keras"] = () =>
        {
            var normalization = new Normalization();
            normalization.Adapt(Tensor.RandomNormal([50, 4, 5], 3f, 2f, seed: 5));
            var model = new Sequential(new Input(4, 5), new Rescaling(0.5f, -1f), normalization, new Flatten(), new Dense(7, Activation.Selu),
                new Reshape(7, 1), new Dense(2, Activation.Mish), new Flatten(), new Dense(1, Activation.Sigmoid)) { Seed = 12, Log = TextWriter.Null };
            model.Build(4, 5);
            model.Compile(new BinaryCrossentropy(), new RMSprop(0.01f, momentum: 0.5f));
            return model;
        },
        ["activations.keras"] = () =>
        {
            var model = new Sequential(new Dense(6, Activation.Softplus), new Dense(6, Activation.Softsign), new Dense(6, Activation.HardSigmoid),
                new ActivationLayer(Activation.Relu6), new Dense(6, Activation.HardSwish), new Dense(6, Activation.Exponential, useBias: false),
                new Dense(6, Activation.Gelu), new Dense(6, Activation.Elu), new Dense(2, Activation.Tanh)) { Seed = 13, Log = TextWriter.Null };
            model.Build(3);
            return model;
        },
        ["global_normalization.keras"] = () =>
        {
            var normalization = new Normalization(perFeature: false);
            normalization.Adapt(Tensor.RandomNormal([40, 3], -7f, 0.5f, seed: 6));
            var model = new Sequential(normalization, new Dense(2, Activation.LeakyRelu)) { Seed = 14, Log = TextWriter.Null };
            model.Build(3);
            model.Compile(new MeanSquaredError(), new SGD(0.1f, momentum: 0.9f, nesterov: true));
            return model;
        },
        ["convnet.keras"] = () =>
        {
            // Odd sizes, "same" with strides, a rectangular kernel, both poolings and a batch normalization with its statistics set.
            var model = new Sequential(new Input(9, 7, 2),
                new Conv2D(5, (3, 2), strides: (2, 1), padding: Padding.Same, activation: Activation.Relu),
                new BatchNormalization(momentum: 0.9f, epsilon: 1e-2f),
                new MaxPooling2D((2, 3), strides: (1, 2), padding: Padding.Same),
                new Conv2D(4, 2, dilationRate: 2, activation: Activation.Tanh),
                new AveragePooling2D(2, padding: Padding.Same),
                new GlobalAveragePooling2D(),
                new Dense(3, Activation.Softmax)) { Seed = 15, Log = TextWriter.Null };
            model.Build(9, 7, 2);
            RandomizeStatistics(model, 7);
            model.Compile(new CategoricalCrossentropy(), new Adam(0.001f));
            return model;
        },
        ["image_variants.keras"] = () =>
        {
            // No bias, BatchNormalization without β or without γ, global max pooling keeping its axes.
            var model = new Sequential(new Input(6, 5, 3),
                new Conv2D(4, 3, padding: Padding.Same, useBias: false),
                new BatchNormalization(center: false),
                new Conv2D(3, (1, 2), activation: Activation.Elu),
                new BatchNormalization(scale: false),
                new GlobalMaxPooling2D(keepDims: true),
                new Flatten(),
                new BatchNormalization(center: false, scale: false),
                new Dense(2)) { Seed = 16, Log = TextWriter.Null };
            model.Build(6, 5, 3);
            RandomizeStatistics(model, 8);
            return model;
        },
        ["sequence_text.keras"] = () =>
        {
            var model = new Sequential(new Input(11), new Embedding(40, 6), new SpatialDropout1D(0.3f),
                new Conv1D(5, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Tanh),
                new MaxPooling1D(3, strides: 2, padding: Padding.Same),
                new Conv1D(4, 2, strides: 2, padding: Padding.Same, activation: Activation.Relu, useBias: false),
                new AveragePooling1D(2, strides: 1), new GlobalMaxPooling1D(keepDims: true), new Flatten(),
                new Dense(3, Activation.Softmax)) { Seed = 15, Log = TextWriter.Null };
            model.Build(11);
            RandomBiases(model);
            model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.002f));
            return model;
        },
        ["sequence_signal.keras"] = () =>
        {
            var model = new Sequential(new Input(4, 5, 3), new SpatialDropout2D(0.2f), new Reshape(20, 3),
                new Conv1D(3, 4, padding: Padding.Same, activation: Activation.Selu), new AveragePooling1D(3, padding: Padding.Same),
                new Conv1D(2, 2, strides: 3), new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid)) { Seed = 16, Log = TextWriter.Null };
            model.Build(4, 5, 3);
            RandomBiases(model);
            return model;
        },
        ["misc_layers.keras"] = () =>
        {
            // Issue 13's activation layers, zero padding and depthwise convolution (two multipliers, "same" with strides, dilation).
            var model = new Sequential(new Input(7, 6, 3), new ZeroPadding2D(((1, 0), (0, 2))),
                new DepthwiseConv2D((3, 2), strides: (2, 1), padding: Padding.Same, depthMultiplier: 2, activation: Activation.Tanh),
                new ReLU(maxValue: 0.5f, negativeSlope: 0.1f, threshold: 0.05f), new DepthwiseConv2D(2, dilationRate: 2, useBias: false),
                new LeakyReLU(0.2f), new Flatten(), new Dense(4), new Softmax()) { Seed = 15, Log = TextWriter.Null };
            model.Build(7, 6, 3);
            // Biases away from zero, so the files check them too.
            Tensor.RandomNormal([6], 0f, 0.3f, seed: 16).AsSpan().CopyTo(((DepthwiseConv2D)model.Layers[2]).Bias!.Value.AsSpan());
            return model;
        },
    };

    /// <summary>Gives every bias, γ, β and moving statistic seeded values, so a misplaced weight shows in the outputs.</summary>
    private static void RandomizeStatistics(Sequential model, int seed)
    {
        foreach (Parameter parameter in model.Layers.SelectMany(l => l.Parameters).Where(p => p.Value.Rank == 1))
        {
            float[] values = Tensor.RandomUniform([parameter.Value.Length], 0.2f, 1.5f, seed++).ToArray();
            values.CopyTo(parameter.Value.AsSpan());
        }
    }

    /// <summary>Seeded non-zero biases, so that a file that lost or misplaced them shows it.</summary>
    private static void RandomBiases(Sequential model)
    {
        foreach (Parameter bias in model.Parameters.Where(p => p.Name.EndsWith("/bias", StringComparison.Ordinal)))
        {
            Tensor.RandomNormal(bias.Value.Shape, 0f, 0.5f, seed: bias.Name.Length).AsSpan().CopyTo(bias.Value.AsSpan());
        }
    }

    /// <summary>Inputs for a model: integer ids below the vocabulary for one that starts with an Embedding, values otherwise.</summary>
    internal static Tensor SampleInput(Sequential model, int samples, long seed)
    {
        int[] shape = model.Layers[0].InputShape;
        if (model.Layers.FirstOrDefault(l => l is not Input) is Embedding embedding)
        {
            var random = new Random((int)seed);
            int count = samples * shape.Aggregate(1, (p, d) => p * d);
            return Tensor.FromArray(Enumerable.Range(0, count).Select(_ => (float)random.Next(embedding.InputDim)).ToArray(), [samples, .. shape]);
        }

        return Tensor.RandomNormal([samples, .. shape], 0f, 1.5f, seed);
    }

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void SavedKeras_LoadsBack_WithTheSamePredictions(string name)
    {
        Sequential model = Models[name]();
        string path = Path.Combine(_directory, name);
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        loaded.Log = TextWriter.Null;
        Tensor x = SampleInput(model, 9, seed: 21);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.ClassNames, loaded.ClassNames);
        Assert.Equal(model.Loss?.GetType(), loaded.Loss?.GetType());
        Assert.Equal(model.Optimizer?.GetType(), loaded.Optimizer?.GetType());
        Assert.Equal(model.Optimizer?.LearningRate, loaded.Optimizer?.LearningRate);
    }

    [Theory]
    [InlineData("adamax")]
    [InlineData("adadelta")]
    public void AdamaxAndAdadelta_RoundTripThroughKerasFiles(string name)
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), name == "adamax"
            ? new Adamax(0.002f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f)
            : new Adadelta(0.5f, rho: 0.9f, epsilon: 1e-6f) { ClipNorm = 2f });
        string path = Path.Combine(_directory, name + ".keras");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        switch (loaded.Optimizer)
        {
            case Adamax x:
                Assert.Equal((0.002f, 0.8f, 0.99f, 1e-6f), (x.LearningRate, x.Beta1, x.Beta2, x.Epsilon));
                break;
            case Adadelta d:
                Assert.Equal((0.5f, 0.9f, 1e-6f, (float?)2f), (d.LearningRate, d.Rho, d.Epsilon, d.ClipNorm));
                break;
            default:
                Assert.Fail($"Loaded {loaded.Optimizer?.GetType().Name ?? "no optimizer"}: {string.Join(" ", loaded.LoadNotes)}");
                break;
        }
    }

    [Fact]
    public void ReshapeTargetsAndLongDecays_RoundTripAsGiven()
    {
        // Reshape(-1) was written as its computed shape, and a schedule's decay_steps was read through float32 (2^24 + 1 → 2^24).
        var model = new Sequential(new Input(2, 4), new Reshape(-1), new Dense(2)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(new ExponentialDecay(0.1f, 16_777_217, 0.5f)));
        string path = Path.Combine(_directory, "reshape.keras");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        Assert.Equal([-1], Assert.IsType<Reshape>(loaded.Layers[1]).TargetShape);
        Assert.Equal(16_777_217, Assert.IsType<ExponentialDecay>(loaded.Optimizer!.Schedule).DecaySteps);
    }

    [Fact]
    public void SavedKeras_HasKeras3sLayout()
    {
        string path = Path.Combine(_directory, "layout.keras");
        Models["classifier.keras"]().Save(path);
        using ZipArchive zip = ZipFile.OpenRead(path);
        Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));   // stored, as Keras writes them

        using JsonDocument config = JsonDocument.Parse(zip.GetEntry("config.json")!.Open());
        JsonElement root = config.RootElement;
        Assert.Equal("keras", root.GetProperty("module").GetString());
        Assert.Equal("Sequential", root.GetProperty("class_name").GetString());
        JsonElement dense = root.GetProperty("config").GetProperty("layers")[1];
        Assert.Equal("keras.layers", dense.GetProperty("module").GetString());
        Assert.Equal("Dense", dense.GetProperty("class_name").GetString());
        Assert.Equal(JsonValueKind.Null, dense.GetProperty("registered_name").ValueKind);
        Assert.Equal("[null,6]", dense.GetProperty("build_config").GetProperty("input_shape").GetRawText());
        Assert.Equal("DTypePolicy", dense.GetProperty("config").GetProperty("dtype").GetProperty("class_name").GetString());
        Assert.Equal("Adam", root.GetProperty("compile_config").GetProperty("optimizer").GetProperty("class_name").GetString());

        var bytes = new MemoryStream();
        zip.GetEntry("model.weights.h5")!.Open().CopyTo(bytes);
        using var h5 = H5File.Open(new MemoryStream(bytes.ToArray()), false, null);
        Assert.Equal(["dense", "dense_1", "dense_2", "dropout"], h5.Group("layers").Children().Select(c => c.Name).Order());
        Assert.Equal("dense_1", h5.Group("layers/dense_1/vars").Attribute("name").Read<string>());
        Assert.Equal([6UL, 8UL], h5.Dataset("layers/dense/vars/0").Space.Dimensions);
        Assert.Equal([8UL], h5.Dataset("layers/dense/vars/1").Space.Dimensions);
        Assert.Equal(0L, h5.Dataset("optimizer/vars/0").Read<long>());
        Assert.Equal(0.003f, h5.Dataset("optimizer/vars/1").Read<float>());
    }

    [Fact]
    public void WrittenFiles_ReadByTheIndependentReader_GiveLogitNetsOutputs()
    {
        // Data/written holds these models as Save wrote them, and written_reference.json what
        // tools/keras_reference/reference_forward.py (numpy and h5py, no LogitNet code) computed from those files.
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(WrittenDirectory, "..", "written_reference.json")));
        int checkedModels = 0;
        foreach (JsonElement entry in reference.RootElement.GetProperty("models").EnumerateArray())
        {
            string file = entry.GetProperty("file").GetString()!;
            Assert.Equal("loaded", entry.GetProperty("status").GetString());
            float[] input = entry.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            int[] shape = entry.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            double[] expected = entry.GetProperty("output").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Tensor x = Tensor.FromArray(input, [input.Length / shape.Aggregate(1, (p, d) => p * d), .. shape]);

            // The committed file, and the same model written now: the writer has not drifted from what was checked.
            foreach (Sequential model in new[] { Sequential.Load(Path.Combine(WrittenDirectory, file)), Models[file]() })
            {
                float[] ours = model.Predict(x).ToArray();
                for (int i = 0; i < ours.Length; i++)
                {
                    Assert.True(Math.Abs(ours[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{file}[{i}]: {ours[i]} vs {expected[i]}");
                }
            }

            checkedModels++;
        }

        Assert.Equal(Models.Count, checkedModels);
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void WrittenConfig_IsByteForByteTheCommittedFixtures(string name)
    {
        // The writer's refactorings must not change what it writes: config.json now is the committed file's, byte for byte.
        // A change meant to alter the files regenerates Data/written (WriteFixtures_WhenAsked) and reruns the reference tool.
        string path = Path.Combine(_directory, name);
        Models[name]().Save(path);
        Assert.Equal(Entry(Path.Combine(WrittenDirectory, name), "config.json"), Entry(path, "config.json"));

        static string Entry(string keras, string entry)
        {
            using ZipArchive zip = ZipFile.OpenRead(keras);
            using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
            return reader.ReadToEnd();
        }
    }

    /// <summary>Writes the models to Data/written when LOGITNET_WRITE_KERAS_FIXTURES is set (then run the reference tool on that folder).</summary>
    [Fact]
    public void WriteFixtures_WhenAsked()
    {
        if (Environment.GetEnvironmentVariable("LOGITNET_WRITE_KERAS_FIXTURES") is not "1")
        {
            return;
        }

        Directory.CreateDirectory(WrittenDirectory);
        foreach ((string name, Func<Sequential> make) in Models)
        {
            make().Save(Path.Combine(WrittenDirectory, name));
        }
    }
}
