using System.IO.Compression;
using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// What Keras 3's constructors require of a written config.json (floats written as floats, no keys a constructor does not
/// take, metrics in the form Keras reads back as the same metric), and Dropout's noise_shape read as the layer that draws
/// the same masks.
/// </summary>
public sealed class KerasWriterSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Settings Keras holds as Python floats (its json writes them with a point or an exponent).</summary>
    private static readonly HashSet<string> FloatKeys =
    [
        "learning_rate", "initial_learning_rate", "decay_rate", "alpha", "momentum", "rho", "epsilon", "beta_1", "beta_2",
        "weight_decay", "ema_momentum", "clipnorm", "global_clipnorm", "label_smoothing", "gamma", "delta", "rate", "threshold",
        "thresholds", "scale", "offset", "max_value", "negative_slope", "l1", "l2", "renorm_momentum",
    ];

    private string Save(Sequential model)
    {
        string path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".keras");
        model.Save(path);
        return path;
    }

    private static JsonDocument Config(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        using Stream entry = zip.GetEntry("config.json")!.Open();
        return JsonDocument.Parse(entry);
    }

    private static IEnumerable<(string Key, JsonElement Value)> Properties(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                yield return (property.Name, property.Value);
                foreach (var inner in Properties(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                foreach (var inner in Properties(item))
                {
                    yield return inner;
                }
            }
        }
    }

    public static TheoryData<string> WholeNumberModels => ["sgd", "schedule", "layers"];

    [Theory]
    [MemberData(nameof(WholeNumberModels))]
    public void WholeNumberFloats_AreWrittenAsFloats(string which)
    {
        // SGD's momentum of 0 and a learning rate of 1 were written as 0 and 1: Keras's SGD.__init__ and
        // BaseOptimizer.__init__ check isinstance(x, float), so load_model failed on the file.
        var model = new Sequential(new Input(4, 3), new Rescaling(2f, 0f), new Dropout(0f), new ReLU(maxValue: 6f), new LeakyReLU(1f),
            new Flatten(), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        Optimizer optimizer = which switch
        {
            "sgd" => new SGD(1f),
            "schedule" => new Adam(new ExponentialDecay(1f, 10, 1f)) { ClipNorm = 2f },
            _ => new Adadelta(1f),
        };
        model.Compile(new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0f), optimizer, [new BinaryAccuracy(), new Precision(0.25f)]);
        using JsonDocument config = Config(Save(model));
        var floats = Properties(config.RootElement).Where(p => FloatKeys.Contains(p.Key) && p.Value.ValueKind == JsonValueKind.Number).ToList();
        Assert.NotEmpty(floats);
        Assert.All(floats, p => Assert.True(p.Value.GetRawText().IndexOfAny(['.', 'e', 'E']) >= 0, $"{p.Key} is written {p.Value.GetRawText()}"));
        JsonElement optimizerConfig = config.RootElement.GetProperty("compile_config").GetProperty("optimizer").GetProperty("config");
        if (which == "sgd")
        {
            Assert.Equal("0.0", optimizerConfig.GetProperty("momentum").GetRawText());
            Assert.Equal("1.0", optimizerConfig.GetProperty("learning_rate").GetRawText());
        }
        else if (which == "schedule")
        {
            Assert.Equal("1.0", optimizerConfig.GetProperty("learning_rate").GetProperty("config").GetProperty("initial_learning_rate").GetRawText());
        }
    }

    [Fact]
    public void WrittenFloats_KeepTheirShortestForm_AndLoadBack()
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f, epsilon: 1e-7f));
        string path = Save(model);
        using (JsonDocument config = Config(path))
        {
            JsonElement optimizerConfig = config.RootElement.GetProperty("compile_config").GetProperty("optimizer").GetProperty("config");
            Assert.Equal("0.001", optimizerConfig.GetProperty("learning_rate").GetRawText());
            Assert.Equal("1E-07", optimizerConfig.GetProperty("epsilon").GetRawText());
        }

        Adam loaded = Assert.IsType<Adam>(Sequential.Load(path).Optimizer);
        Assert.Equal((0.001f, 1e-7f), (loaded.LearningRate, loaded.Epsilon));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SpatialDropout_IsWrittenWithTheKeysItsKerasConstructorTakes(int axes)
    {
        // Keras's SpatialDropout1D/2D.__init__ take (rate, [data_format,] seed, name, dtype) and no **kwargs: a "trainable" key
        // is a TypeError in load_model.
        Sequential model = axes == 1
            ? new Sequential(new Input(5, 4), new SpatialDropout1D(0.25f), new Flatten(), new Dense(2)) { Seed = 3, Log = TextWriter.Null }
            : new Sequential(new Input(3, 3, 2), new SpatialDropout2D(0.25f), new Flatten(), new Dense(2)) { Seed = 3, Log = TextWriter.Null };
        string path = Save(model);
        using (JsonDocument config = Config(path))
        {
            JsonElement spatial = config.RootElement.GetProperty("config").GetProperty("layers").EnumerateArray()
                .Single(l => l.GetProperty("class_name").GetString()!.StartsWith("SpatialDropout", StringComparison.Ordinal));
            string[] expected = axes == 1 ? ["dtype", "name", "rate", "seed"] : ["data_format", "dtype", "name", "rate", "seed"];
            Assert.Equal(expected, spatial.GetProperty("config").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        Assert.Equal(0.25f, Assert.IsAssignableFrom<SpatialDropoutLayer>(Sequential.Load(path).Layers[1]).Rate);
    }

    [Fact]
    public void F1Score_IsWrittenAsKerasMicroF1_AndLoadsBack()
    {
        // A bare "f1_score" is Keras's F1Score() with average=None and threshold=None: one score per class, each row's largest
        // entry its one positive. LogitNet's F1Score pools every entry at a threshold, which is average="micro".
        var model = new Sequential(new Input(3), new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.01f), [new F1Score(0.375f, name: "f1")]);
        string path = Save(model);
        using (JsonDocument config = Config(path))
        {
            JsonElement metric = config.RootElement.GetProperty("compile_config").GetProperty("metrics")[0];
            Assert.Equal("F1Score", metric.GetProperty("class_name").GetString());
            JsonElement settings = metric.GetProperty("config");
            Assert.Equal(("micro", "0.375", "f1"), (settings.GetProperty("average").GetString(), settings.GetProperty("threshold").GetRawText(), settings.GetProperty("name").GetString()));
        }

        Sequential loaded = Sequential.Load(path);
        F1Score f1 = Assert.IsType<F1Score>(Assert.Single(loaded.Metrics));
        Assert.Equal((0.375f, "f1"), (f1.Threshold, f1.Name));
    }

    [Fact]
    public void F1Score_OfOneClass_HasNoKerasForm_AndSaveSaysSo()
    {
        var model = new Sequential(new Input(3), new Dense(4)) { Seed = 5, Log = TextWriter.Null };
        model.Compile(new CategoricalCrossentropy(fromLogits: true), new Adam(0.01f), [new F1Score(classId: 2)]);
        var error = Assert.Throws<NotSupportedException>(() => model.Save(Path.Combine(_directory, "f1class.keras")));
        Assert.Contains("class 2", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "f1class.keras")));
    }

    /// <summary>A saved model whose Dropout layer's noise_shape is replaced by <paramref name="noiseShape"/>.</summary>
    private string WithNoiseShape(Sequential model, string noiseShape) => Patched(model, "\"noise_shape\":null", "\"noise_shape\":" + noiseShape);

    /// <summary>A saved model whose config.json has <paramref name="from"/> replaced by <paramref name="to"/>.</summary>
    private string Patched(Sequential model, string from, string to)
    {
        string path = Save(model);
        using ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update);
        ZipArchiveEntry entry = zip.GetEntry("config.json")!;
        string text;
        using (var reader = new StreamReader(entry.Open()))
        {
            text = reader.ReadToEnd();
        }

        Assert.Contains(from, text, StringComparison.Ordinal);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("config.json", CompressionLevel.NoCompression).Open());
        writer.Write(text.Replace(from, to, StringComparison.Ordinal));
        return path;
    }

    private static Sequential Sequence() =>
        new(new Input(5, 4), new Dropout(0.3f), new Flatten(), new Dense(2)) { Seed = 6, Log = TextWriter.Null };

    private static Sequential Image() =>
        new(new Input(3, 3, 2), new Dropout(0.3f), new Flatten(), new Dense(2)) { Seed = 6, Log = TextWriter.Null };

    [Theory]
    [InlineData("sequence", "[null,1,4]", typeof(SpatialDropout1D))]
    [InlineData("sequence", "[null,1,null]", typeof(SpatialDropout1D))]
    [InlineData("image", "[null,1,1,2]", typeof(SpatialDropout2D))]
    [InlineData("sequence", "[null,null,null]", typeof(Dropout))]
    [InlineData("sequence", "[null,5,4]", typeof(Dropout))]
    public void DropoutNoiseShape_LoadsAsTheLayerThatDrawsTheSameMasks(string input, string noiseShape, Type expected)
    {
        Sequential loaded = Sequential.Load(WithNoiseShape(input == "image" ? Image() : Sequence(), noiseShape));
        Layer layer = loaded.Layers[1];
        Assert.IsType(expected, layer);
        Assert.Equal(0.3f, layer is Dropout dropout ? dropout.Rate : ((SpatialDropoutLayer)layer).Rate);
    }

    [Theory]
    [InlineData("sequence", "[1,1,4]")]
    [InlineData("sequence", "[null,5,1]")]
    [InlineData("sequence", "[null,1,1]")]
    [InlineData("sequence", "[null,1]")]
    [InlineData("image", "[null,1,3,2]")]
    [InlineData("sequence", "[null,2,4]")]
    public void DropoutNoiseShape_WithNoLogitNetForm_IsRefused_NotTrainedAsPlainDropout(string input, string noiseShape)
    {
        string path = WithNoiseShape(input == "image" ? Image() : Sequence(), noiseShape);
        var error = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
        Assert.Contains("noise_shape", error.Message, StringComparison.Ordinal);
        Assert.Contains("dropout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KerasSettingsLogitNetRefuses_AreNotSupported_NotADamagedFile()
    {
        // Keras takes Dropout(rate=1.0) and BatchNormalization(epsilon=0.0); LogitNet's layers do not, and saying the file is
        // damaged (DataFormatException) was wrong.
        string dropout = Patched(Sequence(), "\"rate\":0.3", "\"rate\":1.0");
        Assert.Contains("rate 1", Assert.Throws<NotSupportedException>(() => Sequential.Load(dropout)).Message, StringComparison.Ordinal);
        var normalized = new Sequential(new Input(4), new BatchNormalization(epsilon: 0.001f), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        string zeroEpsilon = Patched(normalized, "\"epsilon\":0.001", "\"epsilon\":0.0");
        Assert.Contains("epsilon 0", Assert.Throws<NotSupportedException>(() => Sequential.Load(zeroEpsilon)).Message, StringComparison.Ordinal);
        var spatialModel = new Sequential(new Input(5, 4), new SpatialDropout1D(0.25f), new Flatten(), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        string spatial = Patched(spatialModel, "\"rate\":0.25", "\"rate\":1.0");   // the same rule as Dropout's
        Assert.Contains("SpatialDropout1D layer", Assert.Throws<NotSupportedException>(() => Sequential.Load(spatial)).Message, StringComparison.Ordinal);
        string damaged = Patched(Sequence(), "\"rate\":0.3", "\"rate\":1.5");
        Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(damaged));
    }
}
