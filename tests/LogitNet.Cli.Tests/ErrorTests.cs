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

    /// <summary>
    /// Split fractions that leave a part empty were refused by the library, in its words (validationSplit, testFraction,
    /// "(Parameter ...)") with exit 1, Fit's only after the model was compiled. They are usage errors naming the option and
    /// the fractions that work for the data.
    /// </summary>
    [Theory]
    [InlineData("logitnet: --validation-split 0.1 of the 1 training sample (what --test-split 0.999 left of the 1797 samples of digits) leaves none to train on", "train", "--epochs", "1", "--test-split", "0.999")]
    [InlineData("logitnet: --test-split 0.9999999 of the 1797 samples of digits leaves 0 for training and 1797 for testing; both need at least one: expected a fraction in (0, 0.9994]", "train", "--epochs", "1", "--test-split", "0.9999999")]
    [InlineData("logitnet: --test-split 0.9999 of the 2000 samples of blobs leaves 0 for training", "train", "--epochs", "1", "--dataset", "blobs", "--layers", "4", "--test-split", "0.9999")]
    [InlineData("logitnet: --validation-split 0.9999 of the 1437 training samples (what --test-split 0.2 left of the 1797 samples of digits) leaves none to train on; expected 0 (no validation) or a fraction in (0, 0.9993]", "train", "--epochs", "1", "--validation-split", "0.9999")]
    [InlineData("logitnet: --validation-split 1E-17 of the 1437 training samples", "train", "--epochs", "1", "--validation-split", "1e-17")]
    [InlineData("logitnet: --test-split 0: expected a fraction in (0, 1)", "evaluate", "missing.logitnet", "--test-split", "0")]
    [InlineData("logitnet: --test-split 1: expected a fraction in (0, 1)", "evaluate", "missing.logitnet", "--test-split", "1")]
    public void ImpossibleSplit_IsAUsageErrorNamingTheOptionAndItsRange(string message, params string[] args)
    {
        CliResult result = CliRunner.Run(_directory, args);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(message, line);
        Assert.DoesNotContain("Parameter", line);
        Assert.Equal("", result.Output);   // refused before training: no progress, no model
    }

    [Fact]
    public void Evaluate_TestSplitThatLeavesNoTrainingPart_IsAUsageError()
    {
        Assert.Equal(0, CliRunner.Run(_directory, "train", "--epochs", "1", "-o", "m.logitnet").ExitCode);

        CliResult result = CliRunner.Run(_directory, "evaluate", "m.logitnet", "--test-split", "0.9999999");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("logitnet: --test-split 0.9999999 of the 1797 samples of digits leaves 0 for training", result.Error);
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
