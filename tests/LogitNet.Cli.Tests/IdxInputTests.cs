using System.Globalization;
using System.Text.RegularExpressions;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>train</c>, <c>evaluate</c> and <c>predict</c> on MNIST-format files, as a user with the original
/// IDX download runs them: the embedded MNIST test part (2,004 images) written back to uint8 IDX, plain and gzip.
/// </summary>
public sealed class IdxInputTests : IDisposable
{
    private const int Images = 2004;
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-idx-").FullName;
    private readonly float[] _bytes;

    public IdxInputTests()
    {
        Dataset test = Datasets.Mnist().Test;
        // The embedded pixels are byte / 255; multiplying back gives each byte within far less than 0.5.
        float[] pixels = test.Features.ToArray();
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = MathF.Round(pixels[i] * 255f);
        }

        _bytes = pixels;
        Tensor images = Tensor.FromArray(pixels, test.Count, 28, 28);
        foreach (string suffix in new[] { "", ".gz" })
        {
            Idx.Write(Path.Combine(_directory, "images-idx3-ubyte" + suffix), images);
            Idx.Write(Path.Combine(_directory, "labels-idx1-ubyte" + suffix), test.Labels);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData(".gz")]
    public void Train_IdxImagesWithIdxLabels_TrainsOnTheImagesAndSaves(string suffix)
    {
        CliResult result = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte" + suffix, "--labels", "labels-idx1-ubyte" + suffix,
            "--layers", "32:relu,10", "--epochs", "8", "--output", "idx.logitnet");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        // 2,004 images, 20% (401) held out for the test; pixels flattened to 784 features, labels 0-9.
        Assert.Contains($"Dataset images-idx3-ubyte{suffix}: 1603 training samples", result.Output);
        Assert.Contains("401 test samples, 784 features, 10 classes", result.Output);
        Assert.Contains("Epoch 8/8", result.Output);
        float accuracy = Number(result.Output, @"Test accuracy: ([0-9.]+)");
        Assert.True(accuracy >= 0.8f, $"test accuracy {accuracy} after 8 epochs on MNIST images:\n{result.Output}");
        Assert.True(File.Exists(Path.Combine(_directory, "idx.logitnet")));
    }

    [Fact]
    public void Evaluate_PlainAndGzipIdx_GiveTheSameReportOnEveryImage()
    {
        CliResult train = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte",
            "--layers", "32:relu,10", "--epochs", "8", "--output", "idx.logitnet");
        Assert.True(train.ExitCode == 0, train.Error);

        CliResult plain = CliRunner.Run(_directory, "evaluate", "idx.logitnet", "--dataset", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte");
        CliResult gzip = CliRunner.Run(_directory, "evaluate", "idx.logitnet", "--dataset", "images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte.gz");

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.True(gzip.ExitCode == 0, gzip.Error);
        Assert.Contains($"Samples: {Images} (images-idx3-ubyte)", plain.Output);
        Assert.Contains($"Samples: {Images} (images-idx3-ubyte.gz)", gzip.Output);
        // Evaluated on every image, training ones included: above the held-out figure.
        float accuracy = Number(plain.Output, @"Accuracy: ([0-9.]+)");
        Assert.True(accuracy >= 0.85f, $"accuracy {accuracy}:\n{plain.Output}");
        Assert.Equal(Number(plain.Output, @"Loss: ([0-9.]+)"), Number(gzip.Output, @"Loss: ([0-9.]+)"));
        Assert.Equal(accuracy, Number(gzip.Output, @"Accuracy: ([0-9.]+)"));
        Assert.Contains("Confusion matrix", gzip.Output);
    }

    [Fact]
    public void Predict_IdxImages_GiveTheModelsProbabilitiesForTheSameImagesReadAsNpy()
    {
        CliResult train = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte.gz",
            "--layers", "32:relu,10", "--epochs", "8", "--output", "idx.logitnet");
        Assert.True(train.ExitCode == 0, train.Error);
        // The same images another way: a .npy of float32 features holding byte / 255, as train scaled them.
        Tensor scaled = Tensor.FromArray(_bytes.Select(b => b / 255f).ToArray(), Images, 784);
        Npy.Write(Path.Combine(_directory, "images.npy"), scaled);

        CliResult gzip = CliRunner.Run(_directory, "predict", "idx.logitnet", "--input", "images-idx3-ubyte.gz", "--output", "from-idx-gz.npy");
        CliResult plain = CliRunner.Run(_directory, "predict", "idx.logitnet", "--input", "images-idx3-ubyte", "--output", "from-idx.npy");
        CliResult npy = CliRunner.Run(_directory, "predict", "idx.logitnet", "--input", "images.npy", "--output", "from-npy.npy");

        foreach (CliResult result in new[] { gzip, plain, npy })
        {
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Equal("", result.Error);
        }

        Assert.Contains($"Wrote probabilities {Images}x10", gzip.Output);
        float[] fromNpy = Npy.Read(Path.Combine(_directory, "from-npy.npy")).ToArray();
        Assert.Equal(fromNpy, Npy.Read(Path.Combine(_directory, "from-idx-gz.npy")).ToArray());
        Assert.Equal(fromNpy, Npy.Read(Path.Combine(_directory, "from-idx.npy")).ToArray());
        // And in-process, the model on the scaled features: the probabilities predict wrote, exactly.
        Sequential model = Sequential.Load(Path.Combine(_directory, "idx.logitnet"));
        Assert.Equal(model.PredictProba(scaled).ToArray(), fromNpy);
    }

    [Fact]
    public void Predict_IdxOfAnotherShape_FailsNamingBothSizes()
    {
        CliResult train = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte",
            "--layers", "10", "--epochs", "1", "--output", "idx.logitnet");
        Assert.True(train.ExitCode == 0, train.Error);

        CliResult result = CliRunner.Run(_directory, "predict", "idx.logitnet", "--input", "labels-idx1-ubyte.gz");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logitnet: --input labels-idx1-ubyte.gz: each sample has 1 value, but the model takes 784 features per sample; give the model data of the shape it was trained on", result.Error.TrimEnd());
    }

    [Fact]
    public void Train_IdxImagesWithNpyLabels_TrainsAsWithIdxLabels()
    {
        Npy.Write(Path.Combine(_directory, "labels.npy"), Idx.Read(Path.Combine(_directory, "labels-idx1-ubyte")));
        string[] options = ["--dataset", "images-idx3-ubyte.gz", "--layers", "10", "--epochs", "2"];

        CliResult idx = CliRunner.Run(_directory, ["train", .. options, "--labels", "labels-idx1-ubyte"]);
        CliResult npy = CliRunner.Run(_directory, ["train", .. options, "--labels", "labels.npy"]);

        Assert.True(idx.ExitCode == 0, idx.Error);
        Assert.True(npy.ExitCode == 0, npy.Error);
        Match expected = Regex.Match(idx.Output, "^Test accuracy: .*$", RegexOptions.Multiline);
        Assert.True(expected.Success, idx.Output);
        Assert.Contains(expected.Value, npy.Output);
    }

    [Fact]
    public void Train_IdxWithoutLabels_IsAUsageError()
    {
        CliResult result = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte.gz", "--layers", "10");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("logitnet: --dataset images-idx3-ubyte.gz is an IDX images file; give its labels with --labels LABELS-idx1-ubyte", result.Error.TrimEnd());
    }

    [Fact]
    public void Train_IdxLabelsOfAnotherSet_FailsNamingTheLabelsFile()
    {
        Idx.Write(Path.Combine(_directory, "short-labels-idx1-ubyte"), Tensor.FromArray([1f, 2f, 3f], 3));

        CliResult result = CliRunner.Run(_directory, "train", "--dataset", "images-idx3-ubyte", "--labels", "short-labels-idx1-ubyte", "--layers", "10");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("logitnet: short-labels-idx1-ubyte", result.Error);
        Assert.Contains($"holds 3 labels but images-idx3-ubyte holds {Images} samples", result.Error);
        Assert.Contains("one label per sample", result.Error);
    }

    private static float Number(string text, string pattern)
    {
        Match match = Regex.Match(text, pattern);
        Assert.True(match.Success, $"no '{pattern}' in:\n{text}");
        return float.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
