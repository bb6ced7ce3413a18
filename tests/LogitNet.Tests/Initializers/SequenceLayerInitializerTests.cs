using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using LogitNet.Initializers;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Regularizers;

namespace LogitNet.Tests.Initializers;

/// <summary>Conv1D's and Embedding's initializer and regularizer arguments: defaults, use, LogitNet's file, Keras's file, the loss.</summary>
public sealed class SequenceLayerInitializerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-seq-init-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>SHA-256 of the values' float32 bytes (little-endian, as on the machines CI runs).</summary>
    private static string Sha256(float[] values) => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));

    private static (Tensor X, Tensor Y) Ids(int n, int vocabulary, int steps)
    {
        var random = new Random(3);
        return (Tensor.FromArray(Enumerable.Range(0, n * steps).Select(_ => (float)random.Next(vocabulary)).ToArray(), n, steps),
            Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)(i % 2)).ToArray(), n));
    }

    [Fact]
    public void Defaults_KeepTheBitsTheLayersAlwaysDrew()
    {
        // What Conv1D and Embedding drew by hand before they took initializers: Glorot-uniform with a float32 limit
        // and uniform ±0.05, both by Tensor.RandomUniform from the layer's seed; the hashes pin those bits.
        var conv = new Conv1D(4, 3) { Seed = 9 };
        conv.Build(10, 5);
        float limit = MathF.Sqrt(6f / (3 * 5 + 3 * 4));
        float[] kernel = conv.Kernel.Value.ToArray();
        Assert.Equal(Tensor.RandomUniform([3, 5, 4], -limit, limit, 9).ToArray(), kernel);
        Assert.Equal("8ef709d0518cb3ee1ce1881c5010874db15ea9f992cbf0326fab2b3405acdf88", Sha256(kernel));
        Assert.All(conv.Bias!.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.IsType<GlorotUniform>(conv.KernelInitializer);
        Assert.IsType<Zeros>(conv.BiasInitializer);
        Assert.Null(conv.KernelRegularizer);
        Assert.Null(conv.Kernel.Regularizer);

        var embedding = new Embedding(30, 7) { Seed = 5 };
        embedding.Build(4);
        float[] table = embedding.Embeddings.Value.ToArray();
        Assert.Equal(Tensor.RandomUniform([30, 7], -0.05f, 0.05f, 5).ToArray(), table);
        Assert.Equal("e3afb173d629db993f7c9a5d0ce1eb292ef6c2aba7b7b9ce6d21b4bbe7f4e81f", Sha256(table));
        Assert.Equal((-0.05f, 0.05f), (((RandomUniform)embedding.EmbeddingsInitializer).Minval, ((RandomUniform)embedding.EmbeddingsInitializer).Maxval));
        Assert.Null(embedding.EmbeddingsRegularizer);
    }

    [Fact]
    public void ChosenInitializers_FillTheWeights_WithTheKernelShapesFans_AndABiasSeedApart()
    {
        var conv = new Conv1D(6, 3, kernelInitializer: new HeUniform(), biasInitializer: new RandomNormal(0f, 1f)) { Seed = 21 };
        conv.Build(12, 5);
        Assert.Equal(new HeUniform().Create([3, 5, 6], 21).ToArray(), conv.Kernel.Value.ToArray());
        Assert.Equal(new RandomNormal(0f, 1f).Create([6], Sampling.BiasSeed(21)).ToArray(), conv.Bias!.Value.ToArray());

        var embedding = new Embedding(50, 8, embeddingsInitializer: new RandomNormal(0.5f, 0.1f)) { Seed = 4 };
        embedding.Build(3);
        Assert.Equal(new RandomNormal(0.5f, 0.1f).Create([50, 8], 4).ToArray(), embedding.Embeddings.Value.ToArray());
    }

    private static Sequential TextModel(Regularizer? kernel = null, Regularizer? bias = null, Regularizer? embeddings = null) => new(
        new Input(9),
        new Embedding(20, 4, name: "words", embeddingsInitializer: new RandomNormal(0f, 0.3f), embeddingsRegularizer: embeddings),
        new Conv1D(3, 2, activation: Activation.Relu, name: "conv", kernelInitializer: new LecunNormal(), biasInitializer: new RandomUniform(-0.2f, 0.1f),
            kernelRegularizer: kernel, biasRegularizer: bias),
        new GlobalAveragePooling1D(),
        new Dense(2, name: "out")) { Seed = 2, Log = TextWriter.Null };

    private static Sequential PenalizedModel() =>
        TextModel(LogitNet.Regularizers.Regularizers.L2(0.01f), LogitNet.Regularizers.Regularizers.L1L2(0.001f, 0.002f), LogitNet.Regularizers.Regularizers.L1(0.003f));

    private static void AssertSettings(Sequential loaded)
    {
        var embedding = (Embedding)loaded.GetLayer("words");
        Assert.Equal((0f, 0.3f), (((RandomNormal)embedding.EmbeddingsInitializer).Mean, ((RandomNormal)embedding.EmbeddingsInitializer).Stddev));
        Assert.Equal((0.003f, 0f), (((L1L2)embedding.EmbeddingsRegularizer!).L1, ((L1L2)embedding.EmbeddingsRegularizer!).L2));
        Assert.Same(embedding.EmbeddingsRegularizer, embedding.Embeddings.Regularizer);

        var conv = (Conv1D)loaded.GetLayer("conv");
        Assert.IsType<LecunNormal>(conv.KernelInitializer);
        Assert.Equal((-0.2f, 0.1f), (((RandomUniform)conv.BiasInitializer).Minval, ((RandomUniform)conv.BiasInitializer).Maxval));
        Assert.Equal((0f, 0.01f), (((L1L2)conv.KernelRegularizer!).L1, ((L1L2)conv.KernelRegularizer!).L2));
        Assert.Equal((0.001f, 0.002f), (((L1L2)conv.BiasRegularizer!).L1, ((L1L2)conv.BiasRegularizer!).L2));
        Assert.Same(conv.KernelRegularizer, conv.Kernel.Regularizer);
        Assert.Same(conv.BiasRegularizer, conv.Bias!.Regularizer);
    }

    [Fact]
    public void SaveThenLoad_KeepsTheInitializersAndRegularizers_AndTheLossTheyAdd()
    {
        (Tensor x, Tensor y) = Ids(12, 20, 9);
        Sequential model = PenalizedModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0);
        string path = Path.Combine(_directory, "text.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        AssertSettings(loaded);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"]);
    }

    [Fact]
    public void Keras_WritesTheArgumentsByKerasNames_AndReadsThemBack()
    {
        Sequential model = PenalizedModel();
        model.Build(9);
        string path = Path.Combine(_directory, "text.keras");
        model.Save(path);
        using (ZipArchive zip = ZipFile.OpenRead(path))
        using (Stream config = zip.GetEntry("config.json")!.Open())
        using (JsonDocument document = JsonDocument.Parse(config))
        {
            JsonElement layers = document.RootElement.GetProperty("config").GetProperty("layers");
            JsonElement words = layers.EnumerateArray().Single(l => l.GetProperty("class_name").GetString() == "Embedding").GetProperty("config");
            JsonElement table = words.GetProperty("embeddings_initializer");
            Assert.Equal(("keras.initializers", "RandomNormal"), (table.GetProperty("module").GetString(), table.GetProperty("class_name").GetString()));
            Assert.Equal(0.3f, table.GetProperty("config").GetProperty("stddev").GetSingle());
            JsonElement penalty = words.GetProperty("embeddings_regularizer");
            Assert.Equal(("keras.regularizers", "L1L2"), (penalty.GetProperty("module").GetString(), penalty.GetProperty("class_name").GetString()));
            Assert.Equal(0.003f, penalty.GetProperty("config").GetProperty("l1").GetSingle());

            JsonElement conv = layers.EnumerateArray().Single(l => l.GetProperty("class_name").GetString() == "Conv1D").GetProperty("config");
            Assert.Equal("LecunNormal", conv.GetProperty("kernel_initializer").GetProperty("class_name").GetString());
            Assert.Equal(JsonValueKind.Null, conv.GetProperty("kernel_initializer").GetProperty("config").GetProperty("seed").ValueKind);
            Assert.Equal(-0.2f, conv.GetProperty("bias_initializer").GetProperty("config").GetProperty("minval").GetSingle());
            Assert.Equal(0.01f, conv.GetProperty("kernel_regularizer").GetProperty("config").GetProperty("l2").GetSingle());
            Assert.Equal(0.002f, conv.GetProperty("bias_regularizer").GetProperty("config").GetProperty("l2").GetSingle());
        }

        Sequential loaded = Sequential.Load(path);
        AssertSettings(loaded);
        // Mapped, not ignored: no load note says a regularizer was left out.
        Assert.DoesNotContain(loaded.LoadNotes, n => n.Contains("regularizer"));
    }

    [Fact]
    public void KerasDefaults_AreWrittenAsKerasWritesThem_AndLoadAsTheDefaults()
    {
        var model = new Sequential(new Input(6), new Embedding(10, 3, name: "words"), new Conv1D(2, 2, name: "conv"), new Flatten(), new Dense(1))
        { Seed = 1, Log = TextWriter.Null };
        string path = Path.Combine(_directory, "defaults.keras");
        model.Save(path);
        using (ZipArchive zip = ZipFile.OpenRead(path))
        using (Stream config = zip.GetEntry("config.json")!.Open())
        using (JsonDocument document = JsonDocument.Parse(config))
        {
            JsonElement layers = document.RootElement.GetProperty("config").GetProperty("layers");
            JsonElement words = layers.EnumerateArray().Single(l => l.GetProperty("class_name").GetString() == "Embedding").GetProperty("config");
            JsonElement table = words.GetProperty("embeddings_initializer");
            Assert.Equal("RandomUniform", table.GetProperty("class_name").GetString());
            Assert.Equal((-0.05f, 0.05f), (table.GetProperty("config").GetProperty("minval").GetSingle(), table.GetProperty("config").GetProperty("maxval").GetSingle()));
            Assert.Equal(JsonValueKind.Null, words.GetProperty("embeddings_regularizer").ValueKind);
            JsonElement conv = layers.EnumerateArray().Single(l => l.GetProperty("class_name").GetString() == "Conv1D").GetProperty("config");
            Assert.Equal(("GlorotUniform", "Zeros"), (conv.GetProperty("kernel_initializer").GetProperty("class_name").GetString(),
                conv.GetProperty("bias_initializer").GetProperty("class_name").GetString()));
            Assert.Equal(JsonValueKind.Null, conv.GetProperty("kernel_regularizer").ValueKind);
        }

        Sequential loaded = Sequential.Load(path);
        Assert.IsType<RandomUniform>(((Embedding)loaded.GetLayer("words")).EmbeddingsInitializer);
        Assert.IsType<GlorotUniform>(((Conv1D)loaded.GetLayer("conv")).KernelInitializer);
        Assert.Null(((Conv1D)loaded.GetLayer("conv")).KernelRegularizer);
    }

    private sealed class Halves : Initializer
    {
        protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => values.Fill(0.5f);
    }

    [Theory]
    [InlineData("text.logitnet")]
    [InlineData("text.keras")]
    public void CustomInitializers_Train_ButBothFormatsRefuseToSaveThem_NamingLayerAndKey(string file)
    {
        var embedding = new Sequential(new Input(5), new Embedding(8, 3, name: "words", embeddingsInitializer: new Halves()), new Flatten(), new Dense(1))
        { Log = TextWriter.Null };
        Assert.All(((Embedding)embedding.GetLayer("words")).Embeddings.Value.ToArray(), v => Assert.Equal(0.5f, v));
        var error = Assert.Throws<NotSupportedException>(() => embedding.Save(Path.Combine(_directory, file)));
        Assert.Contains("'words'", error.Message);
        Assert.Contains("embeddings_initializer", error.Message);

        var conv = new Sequential(new Input(6, 2), new Conv1D(2, 3, name: "conv", biasInitializer: new Halves()), new Flatten(), new Dense(1))
        { Log = TextWriter.Null };
        error = Assert.Throws<NotSupportedException>(() => conv.Save(Path.Combine(_directory, file)));
        Assert.Contains("'conv'", error.Message);
        Assert.Contains("bias_initializer", error.Message);
        Assert.False(File.Exists(Path.Combine(_directory, file)));
    }

    [Fact]
    public void Regularizers_AddTheirPenaltyToTheLoss()
    {
        (Tensor x, Tensor y) = Ids(8, 20, 9);
        Sequential plain = TextModel(), penalized = TextModel(LogitNet.Regularizers.Regularizers.L2(0.5f), embeddings: LogitNet.Regularizers.Regularizers.L2(0.25f));
        foreach (Sequential m in new[] { plain, penalized })
        {
            m.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        }

        double penalty = 0.5 * penalized.GetLayer("conv").Parameters[0].Value.ToArray().Sum(w => (double)w * w)
            + 0.25 * penalized.GetLayer("words").Parameters[0].Value.ToArray().Sum(w => (double)w * w);
        Assert.True(penalty > 0.01);
        Assert.Equal(plain.Evaluate(x, y)["loss"] + penalty, penalized.Evaluate(x, y)["loss"], 1e-4);
    }

    [Fact]
    public void EmbeddingsRegularizer_ShrinksEvenTheRowsNoIdOfTheBatchUses()
    {
        // Ids 0..9 of a vocabulary of 20: rows 10..19 get no gradient from the data, only the penalty's 2·l2·w.
        (Tensor x, Tensor y) = Ids(8, 10, 9);
        const float l2 = 0.25f, rate = 0.1f;
        Sequential plain = TextModel(), penalized = TextModel(embeddings: LogitNet.Regularizers.Regularizers.L2(l2));
        foreach (Sequential m in new[] { plain, penalized })
        {
            m.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(rate));
        }

        float[] before = penalized.GetLayer("words").Parameters[0].Value.ToArray();
        Assert.Equal(before, plain.GetLayer("words").Parameters[0].Value.ToArray());
        plain.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        penalized.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        float[] unpenalized = plain.GetLayer("words").Parameters[0].Value.ToArray();
        float[] after = penalized.GetLayer("words").Parameters[0].Value.ToArray();
        for (int i = 10 * 4; i < 20 * 4; i++)
        {
            Assert.Equal(before[i], unpenalized[i]);
            Assert.Equal(before[i] * (1 - rate * 2 * l2), after[i], 1e-6f);
            Assert.NotEqual(before[i], after[i]);
        }
    }
}
