using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using LogitNet.Callbacks;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Serialization;

public sealed class SaveLoadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-save-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static Sequential Trained(out Tensor x)
    {
        (x, Tensor y) = SequentialTests.Blobs(10);
        var model = new Sequential(new Input(2), new Dense(8, Activation.Gelu), new Dropout(0.1f), new Dense(6, Activation.LeakyRelu),
            new Dense(4, Activation.Softmax)) { Seed = 4, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new AdamW(0.01f), [new LogitNet.Metrics.SparseCategoricalAccuracy()]);
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        return model;
    }

    [Fact]
    public void SaveThenLoad_PredictsBitwiseTheSame_AndKeepsTheSettings()
    {
        Sequential model = Trained(out Tensor x);
        string path = PathOf("model.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Layers.Select(l => (l.Name, l.GetType())), loaded.Layers.Select(l => (l.Name, l.GetType())));
        Assert.Equal(Activation.Softmax, ((Dense)loaded.Layers[^1]).Activation);
        Assert.IsType<SparseCategoricalCrossentropy>(loaded.Loss);
        AdamW optimizer = Assert.IsType<AdamW>(loaded.Optimizer);
        Assert.Equal(0.01f, optimizer.LearningRate);
        Assert.Equal(0.004f, optimizer.WeightDecay);
        Assert.Equal(["sparse_categorical_accuracy"], loaded.Metrics.Select(m => m.Name));
        Assert.Equal(model.Seed, loaded.Seed);
        Assert.Equal(model.Evaluate(x, Tensor.Zeros(x.Shape[0]))["loss"], loaded.Evaluate(x, Tensor.Zeros(x.Shape[0]))["loss"]);
    }

    [Fact]
    public void Save_OverAnExistingFile_ReplacesIt_AndLeavesNoTemporaryFiles()
    {
        Sequential model = Trained(out Tensor x);
        string path = PathOf("model.logitnet");
        File.WriteAllText(path, "old");
        model.Save(path);
        Assert.Equal(model.Predict(x).ToArray(), Sequential.Load(path).Predict(x).ToArray());
        Assert.Equal(["model.logitnet"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    private sealed class Custom() : Layer("custom")
    {
        protected override Tensor ForwardCore(Tensor input, LayerContext context) => input;

        protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) => outputGradient;
    }

    [Fact]
    public void FailedSave_LeavesTheOldFileIntact()
    {
        string path = PathOf("model.logitnet");
        File.WriteAllText(path, "old");
        var model = new Sequential(new Input(2), new Custom(), new Dense(2));
        model.Build(2);
        Assert.Throws<NotSupportedException>(() => model.Save(path));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Save_OfAModelStartingWithInput_BuildsItFirst()
    {
        var model = new Sequential(new Input(3), new Dense(4, Activation.Softmax)) { Log = TextWriter.Null };
        string path = PathOf("fresh.logitnet");
        model.Save(path);
        Tensor x = Tensor.RandomNormal([2, 3], 0f, 1f, seed: 1);
        Assert.Equal(model.Predict(x).ToArray(), Sequential.Load(path).Predict(x).ToArray());
        model.ExportOnnx(PathOf("fresh.onnx"));
        Assert.True(File.Exists(PathOf("fresh.onnx")));
    }

    [Fact]
    public void ModelOfPrebuiltLayers_IsBuiltOnlyByTheModel_SoSaveNeverMissesWeights()
    {
        var dense = new Dense(2);
        dense.Build(3);
        var model = new Sequential(dense);
        Assert.False(model.IsBuilt);
        Assert.Empty(model.Parameters);
        Assert.Throws<InvalidOperationException>(() => model.Save(PathOf("prebuilt.logitnet")));
        model.Build(3);
        Assert.Equal(2, model.Parameters.Count);
        model.Save(PathOf("prebuilt.logitnet"));
        Assert.Equal(dense.Kernel.Value.ToArray(), Sequential.Load(PathOf("prebuilt.logitnet")).Parameters[0].Value.ToArray());
    }

    [Fact]
    public void Save_BeforeBuild_SaysHowToBuild()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(2)).Save(PathOf("x")));
        Assert.Contains("Input layer", error.Message);
    }

    [Fact]
    public void Weights_AreStandardSafetensors()
    {
        Sequential model = Trained(out _);
        string path = PathOf("model.logitnet");
        model.Save(path);
        using ZipArchive zip = ZipFile.OpenRead(path);
        using var weights = new MemoryStream();
        zip.GetEntry("model.safetensors")!.Open().CopyTo(weights);
        byte[] bytes = weights.ToArray();
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Contains("\"dense/kernel\":{\"dtype\":\"F32\",\"shape\":[2,8],\"data_offsets\":[0,64]}", header);
        Assert.Equal(0, (8 + headerLength) % 8);
        float first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength)));
        Assert.Equal(model.Parameters[0].Value.AsSpan()[0], first);
    }

    [Fact]
    public void Load_NotAModel_ReportsWhatIsWrong()
    {
        string path = PathOf("bad");
        File.WriteAllText(path, "not a zip at all");
        Assert.Contains("not a zip", Assert.Throws<DataFormatException>(() => Sequential.Load(path)).Message);
        Assert.Throws<FileNotFoundException>(() => Sequential.Load(PathOf("missing")));
    }

    private string Rewrite(Sequential model, Func<string, string>? config = null, Func<byte[], byte[]>? weights = null)
    {
        string original = PathOf("original.logitnet");
        model.Save(original);
        string path = PathOf($"crafted-{Guid.NewGuid():N}.logitnet");
        using ZipArchive source = ZipFile.OpenRead(original);
        using (ZipArchive target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using var buffer = new MemoryStream();
                entry.Open().CopyTo(buffer);
                byte[] content = buffer.ToArray();
                if (entry.FullName == "config.json" && config is not null)
                {
                    content = Encoding.UTF8.GetBytes(config(Encoding.UTF8.GetString(content)));
                }
                else if (entry.FullName == "model.safetensors" && weights is not null)
                {
                    content = weights(content);
                }

                using Stream stream = target.CreateEntry(entry.FullName).Open();
                stream.Write(content);
            }
        }

        return path;
    }

    [Fact]
    public void Load_HugeArchitecture_IsRefusedBeforeAllocation()
    {
        Sequential model = Trained(out _);
        string path = Rewrite(model, config: c => c.Replace("\"units\": 8", "\"units\": 16777216"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "the loader allocated for the claimed size");
        Assert.Contains("can hold at most", error.Message);
    }

    /// <summary>A seed that is not a number (the model's, or a dropout layer's) is a format error naming the key.</summary>
    [Theory]
    [InlineData(@"(""logitnet_version"": ""[^""]*"",\s*""seed"": )\d+")]
    [InlineData(@"(""rate"": [^,]+,\s*""seed"": )-?\d+")]
    public void Load_SeedThatIsNotANumber_NamesTheKey(string pattern)
    {
        string path = Rewrite(Trained(out _), config: c =>
        {
            string changed = System.Text.RegularExpressions.Regex.Replace(c, pattern, "$1\"x\"");
            Assert.NotEqual(c, changed); // the pattern found its seed
            return changed;
        });
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("'seed' must be an integer", error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Theory]
    [InlineData("\"units\": 8", "\"units\": -3", "'units' must be an integer")]
    [InlineData("\"activation\": \"gelu\"", "\"activation\": \"maxout\"", "Unknown activation 'maxout'")]
    [InlineData("\"class_name\": \"Dropout\"", "\"class_name\": \"Lambda\"", "Unknown layer class 'Lambda'")]
    [InlineData("\"format\": \"logitnet.sequential\"", "\"format\": \"keras\"", "not a LogitNet Sequential model")]
    [InlineData("\"format_version\": 1", "\"format_version\": 99", "Update LogitNet")]
    [InlineData("\"frozen_parameters\": []", "\"frozen_parameters\": [\"ghost/kernel\"]", "names 'ghost/kernel', which the model does not have")]
    [InlineData("\"learning_rate_schedule\": null", "\"learning_rate_schedule\": {\"class_name\": \"StepDecay\", \"config\": {}}", "Unknown learning-rate schedule 'StepDecay'")]
    [InlineData("\"clipnorm\": null", "\"clipnorm\": -1", "Invalid optimizer setting")]
    public void Load_CraftedConfig_NamesTheFault(string find, string replace, string expected)
    {
        string path = Rewrite(Trained(out _), config: c => c.Replace(find, replace));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains(expected, error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Load_CraftedWeights_AreRejected()
    {
        Sequential model = Trained(out _);
        byte[] HugeHeader(byte[] w)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(w, ulong.MaxValue / 2);
            return w;
        }

        byte[] Truncate(byte[] w) => w[..^5];
        byte[] WrongDtype(byte[] w) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(w).Replace("\"F32\"", "\"F64\""));
        byte[] Overlap(byte[] w) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(w).Replace("[0,64]", "[4,68]"));
        foreach (Func<byte[], byte[]> craft in new Func<byte[], byte[]>[] { HugeHeader, Truncate, WrongDtype, Overlap })
        {
            string path = Rewrite(model, weights: craft);
            var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
            Assert.Equal("model.safetensors", error.Entry?.Split(':')[0]);
        }
    }

    [Fact]
    public void Load_RandomlyDamagedFiles_FailOnlyWithDataFormatException()
    {
        Sequential model = Trained(out _);
        string original = PathOf("fuzz.logitnet");
        model.Save(original);
        byte[] bytes = File.ReadAllBytes(original);
        var random = new Random(12345);
        string path = PathOf("damaged.logitnet");
        int loaded = 0, rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (trial % 5 == 0)
            {
                damaged = damaged[..random.Next(damaged.Length)];
            }

            File.WriteAllBytes(path, damaged);
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (DataFormatException)
            {
                rejected++;
            }
        }

        Assert.Equal(300, loaded + rejected);
        Assert.True(rejected > 100, $"only {rejected} of 300 damaged files were rejected");
    }

    [Fact]
    public void ModelCheckpoint_SavesTheBestEpochs()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        string path = PathOf("best.logitnet");
        var checkpoint = new ModelCheckpoint(path, monitor: "loss", saveBestOnly: true);
        model.Fit(x, y, epochs: 5, verbose: 0, callbacks: [checkpoint]);
        Assert.Equal(0, checkpoint.SavedEpochs[0]);
        Assert.True(File.Exists(path));
        var every = new ModelCheckpoint(PathOf("epoch-{epoch}.logitnet"));
        model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [every]);
        Assert.True(File.Exists(PathOf("epoch-7.logitnet")));   // the epoch count continues: epochs 6 and 7
    }

    [Fact]
    public void AWeightUnfrozenInAFrozenLayer_StaysUnfrozen()
    {
        // The layer's flag froze all its weights before Build, and the file's list of frozen parameters only ever froze more.
        var model = new Sequential(new Input(3), new Dense(4, name: "d"), new Dense(2)) { Log = TextWriter.Null };
        model.Build(3);
        model.GetLayer("d").Trainable = false;
        model.Parameters.Single(p => p.Name == "d/kernel").Trainable = true;
        string directory = Directory.CreateTempSubdirectory("logitnet-unfrozen-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.logitnet");
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            Assert.Equal(model.Parameters.Select(p => p.Trainable), loaded.Parameters.Select(p => p.Trainable));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void CompilesWarning_OnLoad_IsKeptInLoadNotes()
    {
        // A loaded model logs nowhere while it compiles, so its warnings were lost (the CLI restated the rule to warn).
        var model = new Sequential(new Input(3), new Dense(2)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new Adam());
        string directory = Directory.CreateTempSubdirectory("logitnet-load-warning-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.logitnet");
            model.Save(path);
            string note = Assert.Single(Sequential.Load(path).LoadNotes);
            Assert.StartsWith("Warning: layer 'dense' is linear", note);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
