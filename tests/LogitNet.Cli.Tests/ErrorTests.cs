namespace LogitNet.Cli.Tests;

public sealed class ErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(2, "logitnet: unknown dataset 'nosuch': expected digits, mnist, blobs, or a path to a .csv, .npy or IDX file", "train", "--dataset", "nosuch")]
    [InlineData(2, "logitnet: bad layer '25:rleu' in --layers '25:rleu,10':", "train", "--layers", "25:rleu,10")]
    [InlineData(2, "logitnet: bad layer '-3' in --layers '25:relu,-3':", "train", "--layers", "25:relu,-3")]
    [InlineData(2, "logitnet: Unrecognized command or argument '--bogus'.", "train", "--bogus")]
    [InlineData(2, "logitnet: unknown optimizer 'adagrad'", "train", "--optimizer", "adagrad")]
    [InlineData(2, "logitnet: the output layer has 5 units but the dataset has 10 classes", "train", "--layers", "5")]
    [InlineData(1, "logitnet: file not found: missing.csv", "train", "--dataset", "missing.csv")]
    [InlineData(1, "logitnet: file not found: missing.logitnet", "evaluate", "missing.logitnet")]
    [InlineData(1, "logitnet: file not found: missing.logitnet", "predict", "missing.logitnet", "--input", "x.csv")]
    public void BadInvocation_GivesOneLineOnStderrAndItsExitCode(int exitCode, string message, params string[] args)
    {
        CliResult result = CliRunner.Run(_directory, args);

        Assert.Equal(exitCode, result.ExitCode);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith(message, lines[0]);
        Assert.DoesNotContain(" at ", lines[0]);
    }

    [Fact]
    public void DamagedModel_ExitsOneWithTheFileNamed_AndVerboseAddsTheStackTrace()
    {
        string model = Path.Combine(_directory, "damaged.logitnet");
        File.WriteAllBytes(model, [0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);

        CliResult plain = CliRunner.Run(_directory, "summary", model);
        CliResult verbose = CliRunner.Run(_directory, "summary", model, "--verbose");

        Assert.Equal(1, plain.ExitCode);
        Assert.Single(plain.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("damaged.logitnet", plain.Error);
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("DataFormatException", verbose.Error);
        Assert.Contains(" at ", verbose.Error);
    }

    [Fact]
    public void Help_OnEveryCommand_ShowsExamplesAndExitsZero()
    {
        foreach (string command in new[] { "train", "evaluate", "predict", "summary", "export-onnx", "demo", "demo roundoff", "demo softmax-lab", "audit" })
        {
            CliResult result = CliRunner.Run(_directory, [.. command.Split(' '), "--help"]);

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("Examples:", result.Output);
            Assert.Contains("logitnet " + command, result.Output);
        }
    }

    [Fact]
    public void Train_CsvWithNamedLabelColumn_TrainsAndSaves()
    {
        string csv = Path.Combine(_directory, "blobs.csv");
        Data.Dataset blobs = Data.Datasets.Blobs(count: 400, seed: 3);
        float[] x = blobs.Features.ToArray();
        File.WriteAllLines(csv, new[] { "x,y,label" }.Concat(Enumerable.Range(0, blobs.Count).Select(i =>
            FormattableString.Invariant($"{x[2 * i]},{x[2 * i + 1]},{blobs.Labels[i]}"))));

        CliResult result = CliRunner.Run(_directory, "train", "--dataset", csv, "--label-column", "label", "--layers", "8:relu,4",
            "--epochs", "30", "--output", "blobs.logitnet");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("320 training samples", result.Output);
        Assert.True(File.Exists(Path.Combine(_directory, "blobs.logitnet")));
        Assert.True(File.Exists(Path.Combine(_directory, "blobs.curves.svg")));
    }

    [Fact]
    public void Train_NpyFeaturesWithNpyLabels_TrainsAndNeedsTheLabels()
    {
        Data.Dataset blobs = Data.Datasets.Blobs(count: 300, seed: 4);
        Data.Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Data.Npy.Write(Path.Combine(_directory, "y.npy"), blobs.Labels);

        CliResult trained = CliRunner.Run(_directory, "train", "--dataset", "x.npy", "--labels", "y.npy", "--layers", "8:relu,4", "--epochs", "20");
        CliResult unlabelled = CliRunner.Run(_directory, "train", "--dataset", "x.npy", "--layers", "8:relu,4");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("240 training samples", trained.Output);
        Assert.Equal(2, unlabelled.ExitCode);
        Assert.StartsWith("logitnet: --dataset x.npy is a .npy of features; give its labels with --labels", unlabelled.Error);
    }
}
