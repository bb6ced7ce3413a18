using System.Globalization;
using System.Text.RegularExpressions;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary><c>train --input-shape HxWxC --layers conv:...</c>: a convnet from the command line, then evaluate and predict with it.</summary>
public sealed class ConvLayersTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-conv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Train_ConvLayersOnDigits_Learns_Saves_AndEvaluateAndPredictTakeFlatSamples()
    {
        // The embedded 8 x 8 digits: small enough for a test run (the MNIST convnet is samples/MnistConvnet).
        CliResult train = CliRunner.Run(_directory, "train", "--dataset", "digits", "--input-shape", "8,8,1",
            "--layers", "conv:8x3:relu:same,maxpool,conv:8x3:relu:same,avgpool:2,flatten,dropout:0.25,10", "--epochs", "20", "--output", "conv.logitnet");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal("", train.Error);
        float accuracy = Number(train.Output, @"Test accuracy: ([0-9.]+)");
        Assert.True(accuracy >= 0.8f, $"test accuracy {accuracy} after 20 epochs:\n{train.Output}");

        Sequential model = Sequential.Load(Path.Combine(_directory, "conv.logitnet"));
        Assert.Equal([8, 8, 1], model.Layers[0].InputShape);
        Assert.Equal(["Input", "Conv2D", "MaxPooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dropout", "Dense"], model.Layers.Select(l => l.GetType().Name));

        // evaluate reads the same flat rows and gives them the model's sample shape: the held-out split scores as in train.
        CliResult evaluate = CliRunner.Run(_directory, "evaluate", "conv.logitnet", "--dataset", "digits");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Equal(accuracy, Number(evaluate.Output, @"Accuracy: ([0-9.]+)"));

        // predict on flat rows (.npy [n, 64]) equals the in-process model on [n, 8, 8, 1], exactly.
        Tensor flat = Datasets.Digits(normalize: true).Features.Slice(0, 50);
        Npy.Write(Path.Combine(_directory, "flat.npy"), flat);
        CliResult predict = CliRunner.Run(_directory, "predict", "conv.logitnet", "--input", "flat.npy", "--output", "p.npy");
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Equal(model.PredictProba(flat.Reshape(50, 8, 8, 1)).ToArray(), Npy.Read(Path.Combine(_directory, "p.npy")).ToArray());
    }

    [Theory]
    [InlineData("conv:8x3,flatten,10", null, "has image layers; give the shape of one sample with --input-shape HxWxC")]
    [InlineData("conv:8x3,10", "28x28x1", "put flatten (or globalavgpool) before the Dense layers")]
    [InlineData("conv:8x30,flatten,10", "28x28x1", "is larger than the input's 28 × 28")]
    [InlineData("conv:8x3,flatten,10", "27x28x1", "--input-shape 27x28x1 holds 756 values per sample, but the data have 784")]
    [InlineData("conv:8x3:fast,flatten,10", "28x28x1", "unknown option 'fast'")]
    [InlineData("conv:8,flatten,10", "28x28x1", "expected conv:FILTERSxSIZE")]
    [InlineData("maxpool:0,flatten,10", "28x28x1", "expected maxpool[:SIZE]")]
    [InlineData("flatten,10", "28x", "--input-shape '28x': expected the shape of one sample (without the batch axis) as whole sizes of at least 1")]
    [InlineData("flatten,10", "1x28x28x1", "--input-shape '1x28x28x1' has 4 sizes; train's layers take samples of 1 to 3 axes")]
    public void Train_BadConvSpecs_FailInOneLineSayingWhatToFix(string layers, string? shape, string message)
    {
        string[] args = shape is null
            ? ["train", "--dataset", "mnist", "--layers", layers, "--epochs", "1"]
            : ["train", "--dataset", "mnist", "--input-shape", shape, "--layers", layers, "--epochs", "1"];
        CliResult result = CliRunner.Run(_directory, args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.DoesNotContain("Epoch", result.Output);
    }

    private static float Number(string text, string pattern) =>
        float.Parse(Regex.Match(text, pattern).Groups[1].Value, CultureInfo.InvariantCulture);
}
