using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Serialization;

/// <summary>A saved compiled model resumes training exactly: optimizer state, schedules, clipping, dropout masks, frozen parameters.</summary>
public sealed class TrainingStateTests : IDisposable
{
    private const int FirstEpochs = 3, LaterEpochs = 2, BatchSize = 16;

    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-state-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>Every optimizer and setting whose state the next step reads.</summary>
    public static TheoryData<string> Optimizers =>
    [
        "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw", "rmsprop", "rmsprop-momentum-centered",
        "adam-exponential-decay-clipnorm", "sgd-momentum-cosine-decay-global-clipnorm", "rmsprop-staircase-decay",
        "adamax", "adadelta-cosine-decay",
    ];

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new SGD(0.05f),
        "sgd-momentum" => new SGD(0.05f, momentum: 0.9f),
        "sgd-nesterov" => new SGD(0.05f, momentum: 0.8f, nesterov: true),
        "adam" => new Adam(0.01f),
        "adamw" => new AdamW(0.01f, weightDecay: 0.01f),
        "rmsprop" => new RMSprop(0.005f),
        "rmsprop-momentum-centered" => new RMSprop(0.005f, rho: 0.8f, momentum: 0.5f, centered: true),
        "adam-exponential-decay-clipnorm" => new Adam(new ExponentialDecay(0.02f, decaySteps: 4, decayRate: 0.7f)) { ClipNorm = 0.5f },
        "sgd-momentum-cosine-decay-global-clipnorm" => new SGD(new CosineDecay(0.1f, decaySteps: 20, alpha: 0.1f), momentum: 0.9f) { GlobalClipNorm = 1f },
        "rmsprop-staircase-decay" => new RMSprop(new ExponentialDecay(0.01f, decaySteps: 3, decayRate: 0.5f, staircase: true)),
        "adamax" => new Adamax(0.01f, beta1: 0.8f) { ClipNorm = 1f },
        "adadelta-cosine-decay" => new Adadelta(new CosineDecay(1f, decaySteps: 20), rho: 0.9f),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown optimizer case."),
    };

    /// <summary>A model with dropout (random state) and a frozen bias (trainable flags), compiled with the optimizer of <paramref name="name"/>.</summary>
    private static Sequential Model(string name)
    {
        var model = new Sequential(new Input(2), new Dense(8, Activation.Relu), new Dropout(0.25f), new Dense(6, Activation.Tanh), new Dense(4))
        {
            Seed = 11,
            Log = TextWriter.Null,
        };
        model.Build(2);
        model.Parameters.Single(p => p.Name == "dense_1/bias").Trainable = false;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), Create(name));
        return model;
    }

    private static int[] Bits(Sequential model) =>
        model.Parameters.SelectMany(p => p.Value.ToArray()).Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TrainSaveLoadTrain_EqualsTrainingWithoutSaving_Bitwise(string optimizer)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);

        // 40 samples in batches of 16: 3 steps an epoch, the last one short.
        Sequential straight = Model(optimizer);
        History all = straight.Fit(x, y, epochs: FirstEpochs + LaterEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);

        Sequential first = Model(optimizer);
        first.Fit(x, y, epochs: FirstEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);
        string path = PathOf("resume.logitnet");
        first.Save(path);
        Sequential resumed = Sequential.Load(path);
        resumed.Log = TextWriter.Null;
        Assert.Equal(FirstEpochs * 3, resumed.Optimizer!.Iterations);
        History later = resumed.Fit(x, y, epochs: LaterEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);

        Assert.Equal(Bits(straight), Bits(resumed));
        Assert.Equal(all["loss"].Skip(FirstEpochs), later["loss"]);
        Assert.Equal(straight.Optimizer!.Iterations, resumed.Optimizer.Iterations);

        // The control: without the saved state the continuation differs, so the comparison above can fail.
        Sequential fresh = Sequential.Load(WithoutTrainingState(path));
        fresh.Log = TextWriter.Null;
        fresh.Fit(x, y, epochs: LaterEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);
        Assert.NotEqual(Bits(straight), Bits(fresh));
    }

    [Fact]
    public void ShuffledFitCalls_ResumeAsTheSameCallsWithoutSaving()
    {
        // Fit shuffles from the model's seed at each call, so the reference is the same two calls.
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential straight = Model("adam");
        straight.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        straight.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);

        Sequential first = Model("adam");
        first.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        first.Save(PathOf("shuffled.logitnet"));
        Sequential resumed = Sequential.Load(PathOf("shuffled.logitnet"));
        resumed.Log = TextWriter.Null;
        resumed.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);

        Assert.Equal(Bits(straight), Bits(resumed));
    }

    [Fact]
    public void Load_KeepsTheSettingsTheNextStepReads()
    {
        Sequential model = Model("adam-exponential-decay-clipnorm");
        model.Save(PathOf("settings.logitnet"));
        Sequential loaded = Sequential.Load(PathOf("settings.logitnet"));

        Adam adam = Assert.IsType<Adam>(loaded.Optimizer);
        ExponentialDecay schedule = Assert.IsType<ExponentialDecay>(adam.Schedule);
        Assert.Equal((0.02f, 4L, 0.7f, false), (schedule.InitialLearningRate, schedule.DecaySteps, schedule.DecayRate, schedule.Staircase));
        Assert.Equal(0.5f, adam.ClipNorm);
        Assert.Null(adam.GlobalClipNorm);
        Assert.Equal(0, adam.Iterations);
        Assert.Equal(["dense_1/bias"], loaded.Parameters.Where(p => !p.Trainable).Select(p => p.Name));
        Assert.Equal(model.Layers[2].Seed, loaded.Layers[2].Seed);
    }

    [Fact]
    public void Save_CustomSchedule_SaysWhatCanBeSaved()
    {
        var model = new Sequential(new Input(2), new Dense(2)) { Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), new SGD(new HalvingSchedule()));
        var error = Assert.Throws<NotSupportedException>(() => model.Save(PathOf("custom.logitnet")));
        Assert.Contains("HalvingSchedule", error.Message);
        Assert.Contains("ExponentialDecay and CosineDecay", error.Message);
    }

    private sealed class HalvingSchedule : LearningRateSchedule
    {
        public override float RateAt(long step) => 0.1f / (1 + step);
    }

    [Fact]
    public void Load_FileWithoutTrainingState_StartsAFreshOptimizer()
    {
        // A file as LogitNet wrote it before optimizer state was saved: no training_state entry and
        // none of the config keys added with it.
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential trained = Model("adam");
        trained.Fit(x, y, epochs: FirstEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);
        trained.Save(PathOf("new.logitnet"));
        string old = WithoutTrainingState(PathOf("new.logitnet"), config =>
        {
            JsonNode root = JsonNode.Parse(config)!;
            root.AsObject().Remove("frozen_parameters");
            root["layers"]![2]!["config"]!.AsObject().Remove("seed");
            JsonObject optimizer = root["compile"]!["optimizer"]!["config"]!.AsObject();
            foreach (string key in new[] { "learning_rate_schedule", "clipnorm", "global_clipnorm" })
            {
                Assert.True(optimizer.Remove(key), key);
            }

            return root.ToJsonString();
        });

        Sequential loaded = Sequential.Load(old);
        loaded.Log = TextWriter.Null;
        Assert.Equal(0, loaded.Optimizer!.Iterations);
        Assert.All(loaded.Parameters, p => Assert.True(p.Trainable));
        Assert.Equal(trained.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        loaded.Fit(x, y, epochs: LaterEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);

        // Expected: the same weights in a freshly compiled model (nothing frozen, as the old file says).
        var expected = new Sequential(new Input(2), new Dense(8, Activation.Relu), new Dropout(0.25f), new Dense(6, Activation.Tanh), new Dense(4))
        {
            Seed = 11,
            Log = TextWriter.Null,
        };
        expected.Build(2);
        expected.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        for (int i = 0; i < expected.Parameters.Count; i++)
        {
            trained.Parameters[i].Value.AsSpan().CopyTo(expected.Parameters[i].Value.AsSpan());
        }

        expected.Fit(x, y, epochs: LaterEpochs, batchSize: BatchSize, shuffle: false, verbose: 0);
        Assert.Equal(Bits(expected), Bits(loaded));
    }

    [Fact]
    public void Save_CompiledButUntrained_LoadsWithAFreshOptimizer()
    {
        Sequential model = Model("rmsprop-momentum-centered");
        model.Save(PathOf("untrained.logitnet"));
        using (ZipArchive zip = ZipFile.OpenRead(PathOf("untrained.logitnet")))
        {
            Assert.Equal(["optimizer/iterations"], TensorNames(zip));
        }

        Sequential loaded = Sequential.Load(PathOf("untrained.logitnet"));
        Assert.Equal(0, loaded.Optimizer!.Iterations);
    }

    [Fact]
    public void TrainingState_IsStandardSafetensorsBesideTheWeights()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential model = Model("rmsprop-momentum-centered");
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);
        model.Save(PathOf("state.logitnet"));
        using ZipArchive zip = ZipFile.OpenRead(PathOf("state.logitnet"));

        Assert.Equal(["config.json", "model.safetensors", "training_state.safetensors"], zip.Entries.Select(e => e.FullName));
        string[] slots = ["velocity", "momentum", "average_gradient"];
        Assert.Equal(
            new[] { "fit/epochs", "fit/shuffle_generator_state", "layers/dropout/seed_generator_state", "optimizer/iterations" }
                .Concat(slots.SelectMany(slot => model.Parameters.Select(p => $"optimizer/{p.Name}/{slot}")))
                .Order(StringComparer.Ordinal),
            TensorNames(zip).Order(StringComparer.Ordinal));
        string header = Header(zip);
        Assert.Contains("\"optimizer/iterations\":{\"dtype\":\"I64\",\"shape\":[]", header);
        Assert.Contains("\"optimizer/dense/kernel/velocity\":{\"dtype\":\"F32\",\"shape\":[2,8]", header);
        Assert.Contains("\"layers/dropout/seed_generator_state\":{\"dtype\":\"U64\",\"shape\":[6]", header);
    }

    public static TheoryData<string, Func<string, string>, string> CraftedStates => new()
    {
        { "wrong slot shape", h => h.Replace("\"optimizer/dense/kernel/momentum\":{\"dtype\":\"F32\",\"shape\":[2,8]", "\"optimizer/dense/kernel/momentum\":{\"dtype\":\"F32\",\"shape\":[8,2]"), "'optimizer/dense/kernel/momentum' has shape [8, 2]; the architecture needs [2, 8]" },
        { "renamed slot", h => h.Replace("\"optimizer/dense/kernel/momentum\"", "\"optimizer/dense/kernel/moment\""), "lacks 'optimizer/dense/kernel/momentum', which SGD needs after 3 steps; it holds 'optimizer/dense/kernel/moment'" },
        { "slot as integers", h => h.Replace("\"optimizer/dense/bias/momentum\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[", "\"optimizer/dense/bias/momentum\":{\"dtype\":\"I64\",\"shape\":[4],\"data_offsets\":["), "'optimizer/dense/bias/momentum' is I64; expected F32" },
        { "unsigned iterations", h => h.Replace("\"optimizer/iterations\":{\"dtype\":\"I64\"", "\"optimizer/iterations\":{\"dtype\":\"U64\""), "'optimizer/iterations' must be a non-negative I64 scalar; found U64" },
        { "signed generator state", h => h.Replace("\"layers/dropout/seed_generator_state\":{\"dtype\":\"U64\"", "\"layers/dropout/seed_generator_state\":{\"dtype\":\"I64\""), "'layers/dropout/seed_generator_state' is not a generator state" },
    };

    [Theory]
    [MemberData(nameof(CraftedStates))]
    public void Load_CraftedTrainingState_NamesTheTensor(string what, Func<string, string> craft, string expected)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential model = Model("sgd-momentum");
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);
        model.Save(PathOf("good.logitnet"));
        string path = Rewrite(PathOf("good.logitnet"), state => CraftHeader(state, craft));

        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.StartsWith("training_state.safetensors", error.Entry);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Load_CraftedTrainingStateValues_AreRefused()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential model = Model("adam");
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);
        model.Save(PathOf("good.logitnet"));

        // A negative step count, and the all-zero state xoshiro can never reach.
        string negative = Rewrite(PathOf("good.logitnet"), state => Patch(state, "optimizer/iterations", word => -5L));
        Assert.Contains("non-negative I64", Assert.Throws<DataFormatException>(() => Sequential.Load(negative)).Message);
        string zero = Rewrite(PathOf("good.logitnet"), state => Patch(state, "layers/dropout/seed_generator_state", word => 0L));
        Assert.Contains("non-zero state", Assert.Throws<DataFormatException>(() => Sequential.Load(zero)).Message);
    }

    [Fact]
    public void Load_TrainingStateWithoutItsSlots_IsRefused()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        Sequential model = Model("sgd-momentum");
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);
        string path = PathOf("trained.logitnet");
        model.Save(path);

        // The step count of a trained model with the slots of an untrained one: the file is damaged.
        var untrained = Model("sgd-momentum");
        untrained.Save(PathOf("untrained.logitnet"));
        byte[] untrainedState = EntryBytes(PathOf("untrained.logitnet"), "training_state.safetensors");
        string mixed = Rewrite(path, _ => Patch(untrainedState, "optimizer/iterations", _ => 3L));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(mixed));
        Assert.Contains("lacks 'optimizer/dense/kernel/momentum' and 5 more", error.Message);
    }

    [Fact]
    public void Load_TrainingStateOfAnUncompiledModel_IsRefused()
    {
        Sequential model = Model("adam");
        model.Save(PathOf("compiled.logitnet"));
        string path = Rewrite(PathOf("compiled.logitnet"), config: c =>
        {
            JsonNode root = JsonNode.Parse(c)!;
            root["compile"] = null;
            return root.ToJsonString();
        });
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("no compile settings", error.Message);
    }

    private static string[] TensorNames(ZipArchive zip)
    {
        using JsonDocument header = JsonDocument.Parse(Header(zip));
        return header.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__").ToArray();
    }

    private static string Header(ZipArchive zip)
    {
        using var buffer = new MemoryStream();
        using (Stream stream = zip.GetEntry("training_state.safetensors")!.Open())
        {
            stream.CopyTo(buffer);
        }

        byte[] bytes = buffer.ToArray();
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        return Encoding.UTF8.GetString(bytes, 8, length);
    }

    private static byte[] EntryBytes(string path, string name)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        using var buffer = new MemoryStream();
        using (Stream stream = zip.GetEntry(name)!.Open())
        {
            stream.CopyTo(buffer);
        }

        return buffer.ToArray();
    }

    /// <summary>Edits the JSON header of a safetensors blob; the edit must keep its length (pad with spaces).</summary>
    private static byte[] CraftHeader(byte[] state, Func<string, string> craft)
    {
        int length = (int)BitConverter.ToUInt64(state, 0);
        string header = Encoding.UTF8.GetString(state, 8, length);
        string crafted = craft(header);
        Assert.NotEqual(header, crafted);
        crafted = crafted.Length <= length ? crafted.PadRight(length) : throw new InvalidOperationException("The crafted header must not grow.");
        byte[] result = (byte[])state.Clone();
        Encoding.UTF8.GetBytes(crafted).CopyTo(result, 8);
        return result;
    }

    /// <summary>Overwrites every 64-bit word of one tensor in a safetensors blob.</summary>
    private static byte[] Patch(byte[] state, string tensor, Func<long, long> word)
    {
        int length = (int)BitConverter.ToUInt64(state, 0);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(state, 8, length));
        JsonElement offsets = header.RootElement.GetProperty(tensor).GetProperty("data_offsets");
        byte[] result = (byte[])state.Clone();
        for (long at = offsets[0].GetInt64(); at < offsets[1].GetInt64(); at += 8)
        {
            int position = (int)(8 + length + at);
            BitConverter.TryWriteBytes(result.AsSpan(position), word(BitConverter.ToInt64(result, position)));
        }

        return result;
    }

    private string WithoutTrainingState(string path, Func<string, string>? config = null) =>
        Rewrite(path, config: config, dropState: true);

    /// <summary>A copy of a saved model with its entries edited.</summary>
    private string Rewrite(string original, Func<byte[], byte[]>? state = null, Func<string, string>? config = null, bool dropState = false)
    {
        string path = PathOf($"crafted-{Guid.NewGuid():N}.logitnet");
        using ZipArchive source = ZipFile.OpenRead(original);
        using ZipArchive target = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (ZipArchiveEntry entry in source.Entries)
        {
            using var buffer = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(buffer);
            }

            byte[] content = buffer.ToArray();
            if (entry.FullName == "training_state.safetensors")
            {
                if (dropState)
                {
                    continue;
                }

                content = state?.Invoke(content) ?? content;
            }
            else if (entry.FullName == "config.json" && config is not null)
            {
                content = Encoding.UTF8.GetBytes(config(Encoding.UTF8.GetString(content)));
            }

            using Stream written = target.CreateEntry(entry.FullName).Open();
            written.Write(content);
        }

        return path;
    }
}
