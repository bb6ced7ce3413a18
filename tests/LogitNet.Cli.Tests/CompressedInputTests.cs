using System.IO.Compression;
using System.Text.RegularExpressions;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary>
/// Gzip-compressed inputs: <c>.npy.gz</c> is read as NumPy (it used to be taken for IDX by its
/// <c>.gz</c> ending), a compressed file is told by what it holds rather than by its name, and gzip
/// holding anything else is refused in one line that names the file and what is read.
/// </summary>
public sealed class CompressedInputTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    private static readonly Dataset s_test = Datasets.Digits(normalize: true).Split(0.2, seed: 0).Test;

    [Theory]
    [InlineData("samples.npy.gz")]
    [InlineData("samples-idx3-ubyte.gz")] // misnamed: the content, a .npy, decides
    [InlineData("samples.gz")]
    public void Predict_GzipHoldingNpy_GivesTheProbabilitiesOfThePlainNpy(string name)
    {
        Tensor samples = s_test.Features.Slice(0, 7);
        Npy.Write(Path.Combine(trained.Directory, "plain-samples.npy"), samples);
        WriteGzipNpy(Path.Combine(trained.Directory, name), samples);

        CliResult plain = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "plain-samples.npy", "--output", "plain.npy");
        CliResult gzip = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", name, "--output", name + ".probabilities.npy");

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.True(gzip.ExitCode == 0, gzip.Error);
        Assert.Equal("", gzip.Error);
        Tensor expected = Npy.Read(Path.Combine(trained.Directory, "plain.npy"));
        Tensor actual = Npy.Read(Path.Combine(trained.Directory, name + ".probabilities.npy"));
        Assert.Equal([7, 10], actual.Shape);
        Assert.Equal(expected.ToArray(), actual.ToArray());
    }

    [Fact]
    public void TrainAndEvaluate_NpyGzFeaturesAndLabels_GiveWhatThePlainFilesGive()
    {
        Dataset blobs = Datasets.Blobs(count: 400, seed: 5);
        string directory = trained.Directory;
        Npy.Write(Path.Combine(directory, "blobs-x.npy"), blobs.Features);
        Npy.Write(Path.Combine(directory, "blobs-y.npy"), blobs.Labels);
        WriteGzipNpy(Path.Combine(directory, "blobs-x.npy.gz"), blobs.Features);
        WriteGzipNpy(Path.Combine(directory, "blobs-y.npy.gz"), blobs.Labels);
        string[] options = ["--layers", "8:relu,4", "--epochs", "5", "--seed", "2"];

        CliResult plain = CliRunner.Run(directory, ["train", "--dataset", "blobs-x.npy", "--labels", "blobs-y.npy", .. options, "--output", "blobs.logitnet"]);
        CliResult gzip = CliRunner.Run(directory, ["train", "--dataset", "blobs-x.npy.gz", "--labels", "blobs-y.npy.gz", .. options]);
        CliResult evaluate = CliRunner.Run(directory, "evaluate", "blobs.logitnet", "--dataset", "blobs-x.npy.gz", "--labels", "blobs-y.npy.gz");

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.True(gzip.ExitCode == 0, gzip.Error);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Contains("Dataset blobs-x.npy.gz: 320 training samples", gzip.Output);
        // Same seed, same data: the same run, to the last printed digit of the test loss.
        Assert.Equal(Line(plain.Output, "Test accuracy"), Line(gzip.Output, "Test accuracy"));
        Assert.Contains("Samples: 400 (blobs-x.npy.gz)", evaluate.Output);
    }

    [Fact]
    public void Predict_GzippedCsv_IsRefusedInOneLineNamingTheFileAndWhatIsRead()
    {
        WriteGzip(Path.Combine(trained.Directory, "samples.csv.gz"), "1,2,3\n4,5,6\n"u8.ToArray());

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "samples.csv.gz");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "logitnet: samples.csv.gz is gzip-compressed but holds neither a NumPy .npy array nor an IDX file; CSV is read uncompressed, " +
            "so gunzip it first; logitnet reads a .csv, or a .npy or IDX file, plain or gzip-compressed (x.npy.gz, images-idx3-ubyte.gz)",
            result.Error.TrimEnd());
    }

    [Fact]
    public void Train_GzipOfSomethingElse_IsRefusedInOneLine()
    {
        WriteGzip(Path.Combine(trained.Directory, "archive.gz"), "PK not data"u8.ToArray());

        CliResult result = CliRunner.Run(trained.Directory, "train", "--dataset", "archive.gz", "--labels", "y.npy");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("logitnet: archive.gz is gzip-compressed but holds neither a NumPy .npy array nor an IDX file; logitnet reads", result.Error);
    }

    [Fact]
    public void Predict_DamagedGzip_FailsInOneLineNamingTheFile()
    {
        File.WriteAllBytes(Path.Combine(trained.Directory, "damaged.npy.gz"), [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x03, 0xFF, 0xFF, 0xFF]);

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "damaged.npy.gz");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("logitnet: damaged.npy.gz: the gzip compression is damaged", result.Error);
    }

    [Fact]
    public void Predict_GzOutputName_IsAUsageErrorAsPredictionsAreWrittenUncompressed()
    {
        Npy.Write(Path.Combine(trained.Directory, "two.npy"), s_test.Features.Slice(0, 2));

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "two.npy", "--output", "preds.npy.gz");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("logitnet: --output 'preds.npy.gz': expected a .csv or .npy file name (predictions are written uncompressed)", result.Error.TrimEnd());
        Assert.False(File.Exists(Path.Combine(trained.Directory, "preds.npy.gz")));
    }

    [Fact]
    public void Predict_FileOfNoKnownFormat_IsAUsageError()
    {
        File.WriteAllText(Path.Combine(trained.Directory, "samples.dat"), "not a data file\n");

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "samples.dat");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("logitnet: --input 'samples.dat': not a format logitnet reads; expected a .csv, or a .npy or IDX file", result.Error);
    }

    private static void WriteGzipNpy(string path, Tensor tensor)
    {
        using var npy = new MemoryStream();
        Npy.Write(npy, tensor);
        WriteGzip(path, npy.ToArray());
    }

    private static void WriteGzip(string path, byte[] content)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
    }

    private static string Line(string output, string start)
    {
        Match match = Regex.Match(output, "^" + Regex.Escape(start) + ".*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no line starting '{start}' in:\n{output}");
        return match.Value;
    }
}
