using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Cli.Tests;

/// <summary>The CLI on Keras files: summary, predict and export-onnx take them, and convert moves between formats.</summary>
public sealed class KerasFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-keras-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A corpus file (../shared/keras_corpus beside the repository), copied here.</summary>
    private string Corpus(string number)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string models = Path.Combine(d.FullName, "shared", "keras_corpus", "models");
            if (Directory.Exists(models))
            {
                string source = Directory.GetFiles(models, number + "_*").Single();
                string copy = Path.Combine(_directory, Path.GetFileName(source));
                File.Copy(source, copy, overwrite: true);
                return copy;
            }
        }

        throw new DirectoryNotFoundException("shared/keras_corpus/models was not found above the test assembly; CI lays shared/ beside the repository.");
    }

    [Fact]
    public void Summary_OfAKerasH5_ShowsTheLayersAndTheCompileState()
    {
        CliResult result = CliRunner.Run(_directory, "summary", Corpus("002"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("dense_13", result.Output);
        Assert.Contains("BinaryCrossentropy", result.Output);
    }

    [Fact]
    public void Convert_KerasToLogitNetToKeras_AndOnnx_KeepsThePredictions()
    {
        string keras = Corpus("027");
        string logitnet = Path.Combine(_directory, "churn.logitnet");
        string back = Path.Combine(_directory, "churn_again.keras");
        string onnx = Path.Combine(_directory, "churn.onnx");
        foreach ((string from, string to) in new[] { (keras, logitnet), (logitnet, back), (keras, onnx) })
        {
            CliResult result = CliRunner.Run(_directory, "convert", from, to);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains($"Wrote {to}", result.Output);
        }

        Tensor x = Tensor.RandomNormal([5, 12], 0f, 1f, seed: 1);
        float[] expected = Sequential.Load(keras).Predict(x).ToArray();
        Assert.Equal(expected, Sequential.Load(logitnet).Predict(x).ToArray());
        Assert.Equal(expected, Sequential.Load(back).Predict(x).ToArray());
    }

    [Fact]
    public void Convert_ToH5_OrOntoItself_IsAUsageError()
    {
        string keras = Corpus("027");
        CliResult h5 = CliRunner.Run(_directory, "convert", keras, Path.Combine(_directory, "x.h5"));
        Assert.Equal(2, h5.ExitCode);
        Assert.Contains("write a .keras file", h5.Error);
        Assert.Equal(2, CliRunner.Run(_directory, "convert", keras, keras).ExitCode);
    }

    [Fact]
    public void Convert_OutInAMissingFolder_FailsInOneLine_BeforeReadingIn()
    {
        // IN does not exist either: the error about OUT shows the output was checked before any work.
        CliResult result = CliRunner.Run(_directory, "convert", "nowhere.keras", Path.Combine("no-such-dir", "model.onnx"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("OUT 'no-such-dir", result.Error);
        Assert.Contains("does not exist", result.Error);
        Assert.DoesNotContain("nowhere.keras", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Convert_AnUnsupportedKerasModel_FailsInOneLineNamingTheLayer()
    {
        // A recurrent layer: outside issue 13, so refused for good.
        CliResult result = CliRunner.Run(_directory, "convert", Corpus("069"), Path.Combine(_directory, "rnn.logitnet"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("LSTM", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Convert_AKerasConvNet_ToOnnxAndKeras()
    {
        foreach (string output in (string[])["cnn.onnx", "cnn.keras"])
        {
            CliResult result = CliRunner.Run(_directory, "convert", Corpus("010"), Path.Combine(_directory, output));
            Assert.Equal(0, result.ExitCode);
            Assert.True(new FileInfo(Path.Combine(_directory, output)).Length > 100_000, output);   // 34,826 float32 weights and more
        }
    }

    [Fact]
    public void Help_ShowsTheKerasForms()
    {
        Assert.Contains("logitnet convert model.h5 model.logitnet", CliRunner.Run(_directory, "convert", "--help").Output);
        Assert.Contains("model.keras", CliRunner.Run(_directory, "predict", "--help").Output);
    }

    /// <summary>
    /// A Keras file saved without compile settings loads uncompiled; it ends in a softmax, so predict gives its outputs as
    /// the probabilities (it refused: "PredictProba needs a compiled model").
    /// </summary>
    [Fact]
    public void Predict_AnUncompiledKerasSoftmaxModel_GivesItsOutputs()
    {
        string model = Path.Combine(_directory, "uncompiled.keras");
        var written = new Sequential(new Input(6), new Dense(5, Activation.Relu), new Dense(3, Activation.Softmax)) { Seed = 4, Log = TextWriter.Null };
        written.Build(6);
        written.Save(model);
        Sequential loaded = Sequential.Load(model);
        Assert.Null(loaded.Loss);
        Tensor x = Tensor.RandomUniform([2, .. loaded.Layers[0].InputShape], 0f, 1f, seed: 5);
        LogitNet.Data.Npy.Write(Path.Combine(_directory, "x.npy"), x);

        CliResult result = CliRunner.Run(_directory, "predict", model, "--input", "x.npy", "--output", "p.npy");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(loaded.Predict(x).ToArray(), LogitNet.Data.Npy.Read(Path.Combine(_directory, "p.npy")).ToArray());
    }

    /// <summary>
    /// A Keras model that ends in a linear layer but was compiled with a probability loss (from_logits=False): predict
    /// showed its outputs, negative ones among them, as probabilities without a word, and evaluate failed in the loss's
    /// words. Both now warn on stderr first that they are not probabilities and why; the results themselves are unchanged.
    /// The file is written by LogitNet's Keras writer, so the test needs no Python.
    /// </summary>
    [Fact]
    public void PredictAndEvaluate_ALinearOutputCompiledForProbabilities_WarnOnStderr()
    {
        Dataset blobs = Datasets.Blobs(count: 40, seed: 3);
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: false), new Adam(), [new LogitNet.Metrics.SparseCategoricalAccuracy()]);
        model.Build([2]);
        string keras = Path.Combine(_directory, "linear_probabilities.keras");
        model.Save(keras);
        Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Npy.Write(Path.Combine(_directory, "y.npy"), blobs.Labels);
        float[] outputs = model.PredictProba(blobs.Features).ToArray();
        Assert.Contains(outputs, value => value < 0);   // what the warning is about

        CliResult predict = CliRunner.Run(_directory, "predict", keras, "--input", "x.npy", "--output", "p.npy");
        CliResult evaluate = CliRunner.Run(_directory, "evaluate", keras, "--dataset", "x.npy", "--labels", "y.npy");

        // evaluate then fails as before when an output is outside [0, 1] (the loss refuses it, exit 1): the warning says why first.
        foreach ((CliResult result, string consequence) in new[] { (predict, "the probabilities given here"), (evaluate, "the loss given here") })
        {
            string line = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            Assert.StartsWith($"logitnet: warning: {keras}: layer 'dense_1' is linear", line);
            Assert.Contains("not probabilities", line);
            Assert.Contains("SparseCategoricalCrossentropy(fromLogits: false)", line);
            Assert.Contains(consequence, line);
        }

        Assert.Equal(0, predict.ExitCode);
        Assert.Single(predict.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(outputs, Npy.Read(Path.Combine(_directory, "p.npy")).ToArray());
    }
}
