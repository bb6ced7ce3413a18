using System.Globalization;
using System.Text;

namespace LogitNet.Cli.Tests;

/// <summary>
/// Where the tool writes is checked before any work, and common CSV mistakes get advice that fits them:
/// a missing folder used to surface after training, with the temporary file's name; a ';' file was read
/// as 0 features and 149 classes.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>One line on stderr naming <paramref name="path"/>, exit 1, nothing trained or loaded (no output at all).</summary>
    private static void AssertRefusedBeforeWork(CliResult result, string path, string reason)
    {
        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(Lines(result.Error));
        Assert.StartsWith("logitnet: ", line);
        Assert.Contains($"'{path}'", line);
        Assert.Contains(reason, line);
        Assert.DoesNotContain(".tmp", line);
        Assert.DoesNotContain("Could not find", line); // .NET's own wording
        Assert.Equal("", result.Output.Trim());
    }

    [Fact]
    public void Train_OutputInAMissingFolder_IsRefusedBeforeTheFirstEpoch()
    {
        string output = Path.Combine("missing", "dir", "m.logitnet");
        CliResult result = CliRunner.Run(_directory, "train", "--output", output);
        AssertRefusedBeforeWork(result, output, "the folder 'missing/dir' does not exist");
    }

    [Fact]
    public void Train_PlotOrOutputThatIsAFolder_IsRefusedBeforeTraining_AndNoModelIsWritten()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "curves"));
        CliResult plot = CliRunner.Run(_directory, "train", "--output", "m.logitnet", "--plot", "curves");
        AssertRefusedBeforeWork(plot, "curves", "is a folder");
        Assert.False(File.Exists(Path.Combine(_directory, "m.logitnet")));

        CliResult output = CliRunner.Run(_directory, "train", "--output", "curves");
        AssertRefusedBeforeWork(output, "curves", "is a folder");
    }

    [Fact]
    public void PredictAndExport_OutputInAMissingFolder_AreRefusedBeforeLoading()
    {
        // The model path does not even exist: the output is checked first, so the message is about it.
        string predictions = Path.Combine("nodir", "p.csv");
        CliResult predict = CliRunner.Run(_directory, "predict", "absent.logitnet", "--input", "x.csv", "--output", predictions);
        AssertRefusedBeforeWork(predict, predictions, "does not exist");

        string onnx = Path.Combine("nodir", "m.onnx");
        CliResult export = CliRunner.Run(_directory, "export-onnx", "absent.logitnet", onnx);
        AssertRefusedBeforeWork(export, onnx, "does not exist");
    }

    private string WriteIris(string name, char delimiter, Func<int, string> label)
    {
        var text = new StringBuilder();
        text.Append(string.Join(delimiter, "sepal_length", "sepal_width", "petal_length", "petal_width", "species")).Append('\n');
        var random = new Random(1);
        for (int i = 0; i < 150; i++)
        {
            int species = i % 3;
            string[] fields = Enumerable.Range(0, 4)
                .Select(f => (species * 2 + f + random.NextDouble()).ToString("0.0", CultureInfo.InvariantCulture)).Append(label(species)).ToArray();
            text.Append(string.Join(delimiter, fields)).Append('\n');
        }

        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void Train_SemicolonCsvReadWithCommas_SaysWhichDelimiterToPass_AndTrainsWithIt()
    {
        string iris = WriteIris("iris-semicolons.csv", ';', s => $"class{s}");
        CliResult wrong = CliRunner.Run(_directory, "train", "--dataset", iris, "--layers", "8:relu,3", "--epochs", "1");
        Assert.Equal(2, wrong.ExitCode);
        string line = Assert.Single(Lines(wrong.Error));
        Assert.Contains("read as one column with ','", line);
        Assert.Contains("--delimiter ';'", line);
        Assert.DoesNotContain("units", line); // no advice to widen the output to 150 "classes"

        CliResult right = CliRunner.Run(_directory, "train", "--dataset", iris, "--delimiter", ";", "--layers", "8:relu,3", "--epochs", "1");
        Assert.Equal(0, right.ExitCode);
        Assert.Contains("4 features, 3 classes", right.Output);
    }

    /// <summary>
    /// A ';' file given to predict without --delimiter was refused in the library's words: "line 1 ... pass delimiter: ';'",
    /// or, with decimal commas (5,1;3,5), "line 2, column 2: the row has more than 1 fields", exit 1. The CLI names its
    /// option and what to pass, as a usage error; train says the same of a decimal-comma dataset, and of a ';' dataset
    /// whose label column is named (it said the file had no header line).
    /// </summary>
    [Fact]
    public void Predict_SemicolonCsvReadWithCommas_SaysWhichDelimiterToPass()
    {
        string iris = WriteIris("iris-semicolons.csv", ';', s => $"class{s}");
        CliResult trained = CliRunner.Run(_directory, "train", "--dataset", iris, "--delimiter", ";", "--layers", "8:relu,3", "--epochs", "1", "-o", "iris.logitnet");
        Assert.True(trained.ExitCode == 0, trained.Error);
        string header = "sepal_length;sepal_width;petal_length;petal_width";
        File.WriteAllLines(Path.Combine(_directory, "points.csv"), [header, "5.1;3.5;1.4;0.2", "6.7;3.0;5.2;2.3"]);
        File.WriteAllLines(Path.Combine(_directory, "points-comma-decimals.csv"), [header, "5,1;3,5;1,4;0,2", "6,7;3,0;5,2;2,3"]);
        string decimalCommaIris = WriteIris("iris-comma-decimals.csv", ';', s => $"class{s}");
        File.WriteAllText(decimalCommaIris, File.ReadAllText(decimalCommaIris).Replace('.', ','));

        foreach (string[] args in new string[][]
        {
            ["predict", "iris.logitnet", "--input", "points.csv"],
            ["predict", "iris.logitnet", "--input", "points-comma-decimals.csv"],
            ["train", "--dataset", decimalCommaIris, "--layers", "8:relu,3", "--epochs", "1"],
            ["train", "--dataset", iris, "--label-column", "species", "--layers", "8:relu,3", "--epochs", "1"],
        })
        {
            CliResult wrong = CliRunner.Run(_directory, args);
            string command = string.Join(' ', args);
            Assert.True(wrong.ExitCode == 2, $"{command}: {wrong.ExitCode} {wrong.Error}");
            string line = Assert.Single(Lines(wrong.Error));
            Assert.Contains("pass --delimiter ';'", line);
            Assert.DoesNotContain("delimiter: ';'", line);   // the library's parameter
            Assert.DoesNotContain("line 2", line);
        }

        CliResult right = CliRunner.Run(_directory, "predict", "iris.logitnet", "--input", "points.csv", "--delimiter", ";");
        Assert.True(right.ExitCode == 0, right.Error);
    }

    [Fact]
    public void Train_TabSeparatedCsv_SuggestsTab()
    {
        string iris = WriteIris("iris.tsv.csv", '\t', s => $"class{s}");
        CliResult wrong = CliRunner.Run(_directory, "train", "--dataset", iris, "--layers", "8:relu,3", "--epochs", "1");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--delimiter '\\t'", wrong.Error);
        Assert.Equal(0, CliRunner.Run(_directory, "train", "--dataset", iris, "--delimiter", "\\t", "--layers", "8:relu,3", "--epochs", "1").ExitCode);
    }

    [Fact]
    public void Train_LabelsNumberedFromOne_SaysSo_InsteadOfAskingForAnExtraUnit()
    {
        string iris = WriteIris("iris-1to3.csv", ',', s => (s + 1).ToString(CultureInfo.InvariantCulture));
        CliResult three = CliRunner.Run(_directory, "train", "--dataset", iris, "--layers", "8:relu,3", "--epochs", "1");
        Assert.Equal(2, three.ExitCode);
        string line = Assert.Single(Lines(three.Error));
        Assert.Contains("run from 1 to 3 and none is 0", line);
        Assert.Contains("subtract 1", line);
        Assert.DoesNotContain("end --layers with 4", line);

        CliResult four = CliRunner.Run(_directory, "train", "--dataset", iris, "--layers", "8:relu,4", "--epochs", "1");
        Assert.Equal(0, four.ExitCode);
        Assert.Contains("class 0 empty", four.Output);
    }
}
