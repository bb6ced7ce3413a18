using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Serialization;

public sealed class SequenceSaveLoadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-seq-save-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (Tensor X, Tensor Y) Ids(int n)
    {
        var random = new Random(1);
        return (Tensor.FromArray(Enumerable.Range(0, n * 11).Select(_ => (float)random.Next(40)).ToArray(), n, 11),
            Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)(i % 3)).ToArray(), n));
    }

    private static Sequential TextModel() => new(
        new Input(11),
        new Embedding(40, 6, name: "words"),
        new SpatialDropout1D(0.3f),
        new Conv1D(5, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Tanh, name: "causal"),
        new MaxPooling1D(3, strides: 2, padding: Padding.Same),
        new Conv1D(4, 2, strides: 2, padding: Padding.Same, activation: Activation.Relu, useBias: false),
        new AveragePooling1D(2, strides: 1),
        new GlobalMaxPooling1D(keepDims: true),
        new GlobalAveragePooling1D(),
        new Dense(3)) { Seed = 2, Log = TextWriter.Null };

    [Fact]
    public void SaveThenLoad_SequenceLayers_PredictBitwiseTheSame_KeepTheSettings_AndTrainOnAsOneRun()
    {
        (Tensor x, Tensor y) = Ids(24);
        Sequential model = TextModel();
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        string path = Path.Combine(_directory, "text.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Layers.Select(l => (l.Name, l.GetType(), string.Join(",", l.OutputShape))),
            loaded.Layers.Select(l => (l.Name, l.GetType(), string.Join(",", l.OutputShape))));
        var embedding = (Embedding)loaded.Layers[1];
        Assert.Equal((40, 6), (embedding.InputDim, embedding.OutputDim));
        Assert.Equal(0.3f, ((SpatialDropout1D)loaded.Layers[2]).Rate);
        var causal = (Conv1D)loaded.Layers[3];
        Assert.Equal((5, 3, 1, Padding.Causal, 2, Activation.Tanh, true),
            (causal.Filters, causal.KernelSize, causal.Strides, causal.Padding, causal.DilationRate, causal.Activation, causal.UseBias));
        var strided = (Conv1D)loaded.Layers[5];
        Assert.Equal((2, Padding.Same, false, Activation.Relu), (strided.Strides, strided.Padding, strided.UseBias, strided.Activation));
        var max = (MaxPooling1D)loaded.Layers[4];
        Assert.Equal((3, 2, Padding.Same), (max.PoolSize, max.Strides, max.Padding));
        Assert.Equal((2, 1), (((AveragePooling1D)loaded.Layers[6]).PoolSize, ((AveragePooling1D)loaded.Layers[6]).Strides));
        Assert.True(((GlobalMaxPooling1D)loaded.Layers[7]).KeepDims);

        // Weights, optimizer state and the spatial dropout's mask generator all continue: one more epoch each, same bits.
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        loaded.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void SpatialDropout2D_SavesAndContinuesItsMasks()
    {
        Tensor x = Tensor.RandomNormal([12, 5, 4, 2], 0f, 1f, seed: 3);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)(i % 2)).ToArray(), 12);
        Sequential Build() => new(new Input(5, 4, 2), new Conv2D(3, 2), new SpatialDropout2D(0.5f), new Flatten(), new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        Sequential oneRun = Build(), resumed = Build();
        oneRun.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(0.1f));
        resumed.Compile(new BinaryCrossentropy(fromLogits: true), new SGD(0.1f));
        oneRun.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0);
        resumed.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0);
        string path = Path.Combine(_directory, "spatial.logitnet");
        resumed.Save(path);
        Sequential loaded = Sequential.Load(path);
        loaded.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0);
        Assert.Equal(oneRun.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void Load_RefusesAMaskedEmbedding_AndCausalPooling()
    {
        (Tensor x, _) = Ids(2);
        var model = new Sequential(new Input(11), new Embedding(40, 3), new MaxPooling1D(2), new Flatten(), new Dense(1)) { Log = TextWriter.Null };
        model.Predict(x);
        string path = Path.Combine(_directory, "masked.logitnet");
        model.Save(path);
        string masked = Path.Combine(_directory, "masked-edited.logitnet");
        Rewrite(path, masked, config => config.Replace("\"mask_zero\": false", "\"mask_zero\": true"));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(masked));
        Assert.Contains("mask_zero", error.Message);
        string causal = Path.Combine(_directory, "causal-pool.logitnet");
        Rewrite(path, causal, config => config.Replace("\"padding\": \"valid\"", "\"padding\": \"causal\""));
        Assert.Contains("'causal'", Assert.Throws<DataFormatException>(() => Sequential.Load(causal)).Message);
    }

    /// <summary>Copies a saved model with its config.json edited (the weights file unchanged).</summary>
    private static void Rewrite(string source, string target, Func<string, string> edit)
    {
        File.Copy(source, target);
        using var zip = System.IO.Compression.ZipFile.Open(target, System.IO.Compression.ZipArchiveMode.Update);
        System.IO.Compression.ZipArchiveEntry entry = zip.GetEntry("config.json")!;
        string config;
        using (var reader = new StreamReader(entry.Open()))
        {
            config = reader.ReadToEnd();
        }

        string edited = edit(config);
        Assert.NotEqual(config, edited);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
        writer.Write(edited);
    }
}
