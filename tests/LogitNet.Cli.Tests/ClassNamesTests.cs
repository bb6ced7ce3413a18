using System.Globalization;
using System.Text.RegularExpressions;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary>Class names from the data (or <c>--class-names</c>) saved by <c>train</c> and shown by <c>evaluate</c>, <c>predict</c> and <c>summary</c>.</summary>
public sealed class ClassNamesTests : IDisposable
{
    // By blob: centers (-5, 2), (-2, -2), (1, 2), (5, -2). The CSV loader numbers text labels in
    // ordinal order (blue, green, red, "violet, deep"), not in this order.
    private static readonly string[] s_colours = ["red", "green", "blue", "violet, deep"];

    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-names-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Blobs as a CSV whose label column holds colour names (one of them quoted, with a comma).</summary>
    private string ColourCsv(string name, int count, long seed, Func<string, bool>? keep = null)
    {
        Dataset blobs = Datasets.Blobs(count, seed: seed);
        float[] x = blobs.Features.ToArray();
        IEnumerable<string> rows = Enumerable.Range(0, blobs.Count)
            .Select(i => (i, colour: s_colours[(int)blobs.Labels[i]]))
            .Where(r => keep?.Invoke(r.colour) ?? true)
            .Select(r => FormattableString.Invariant($"{x[2 * r.i]},{x[2 * r.i + 1]},\"{r.colour}\""));
        string path = Path.Combine(_directory, name);
        File.WriteAllLines(path, ["x,y,colour", .. rows]);
        return path;
    }

    private CliResult Run(params string[] args) => CliRunner.Run(_directory, args);

    private CliResult TrainColours()
    {
        ColourCsv("colours.csv", 400, seed: 3);
        CliResult train = Run("train", "--dataset", "colours.csv", "--label-column", "colour", "--layers", "8:relu,4", "--epochs", "30", "--learning-rate", "0.01", "--output", "colours.logitnet");
        Assert.True(train.ExitCode == 0, train.Error);
        return train;
    }

    [Fact]
    public void Train_CsvWithTextLabels_SavesTheNames_AndSummaryAndPredictShowThem()
    {
        CliResult train = TrainColours();
        File.WriteAllLines(Path.Combine(_directory, "points.csv"), ["-5,2", "-2,-2", "1,2", "5,-2"]);

        CliResult summary = Run("summary", "colours.logitnet");
        CliResult table = Run("predict", "colours.logitnet", "--input", "points.csv", "--top-k", "2");
        CliResult written = Run("predict", "colours.logitnet", "--input", "points.csv", "--top-k", "2", "--output", "predictions.csv");

        Assert.Contains("Classes: blue, green, red, 'violet, deep'", train.Output);
        Assert.True(summary.ExitCode == 0, summary.Error);
        Assert.Contains(" Classes: blue, green, red, 'violet, deep'", summary.Output);
        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Matches(@"│\s+3 │\s+violet, deep │", table.Output);
        Assert.Matches(@"violet, deep: 0\.\d{4}", table.Output);
        Assert.True(written.ExitCode == 0, written.Error);
        string[] lines = File.ReadAllLines(Path.Combine(_directory, "predictions.csv"));
        Assert.Equal("class,probability,top1_class,top1_probability,top2_class,top2_probability", lines[0]);
        // The blob centers, in the order red, green, blue, violet: each predicted by its name, the comma quoted.
        Assert.Equal(["red", "green", "blue", "\"violet, deep\""], lines[1..].Select(l => Regex.Match(l, "^(\"[^\"]*\"|[^,]*),").Groups[1].Value));
    }

    [Fact]
    public void Evaluate_CsvThatLacksAClass_MatchesItsLabelsToTheModelByName()
    {
        TrainColours();
        // Without "red" the CSV loader numbers blue 0, green 1, "violet, deep" 2; the model's 2 is red.
        ColourCsv("no-red.csv", 200, seed: 8, keep: colour => colour != "red");

        CliResult result = Run("evaluate", "colours.logitnet", "--dataset", "no-red.csv", "--label-column", "colour");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Samples: 150 (no-red.csv)", result.Output);
        float accuracy = float.Parse(Regex.Match(result.Output, @"Accuracy: ([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        // Matched by id instead, every "violet, deep" sample would count against red: at most 0.67.
        Assert.True(accuracy >= 0.85f, $"accuracy {accuracy}: the labels were not matched to the model's classes by name\n{result.Output}");
        Assert.Matches(@"true \\ pred\s+│ blue │ green │ red │ violet, deep │", result.Output);
        Assert.Matches(@"│ red\s+│ +[0-9.-]+ │ +- │ +- │ +0 │", result.Output);       // no red samples: support 0
        Assert.Matches(@"│ violet, deep │ +[0-9.]+ │ +[0-9.]+ │ +[0-9.]+ │ +50 │", result.Output);
    }

    [Fact]
    public void Evaluate_CsvWithAClassTheModelDoesNotKnow_FailsNamingIt()
    {
        TrainColours();
        File.WriteAllLines(Path.Combine(_directory, "purple.csv"), ["x,y,colour", "0,0,purple", "1,2,blue"]);

        CliResult result = Run("evaluate", "colours.logitnet", "--dataset", "purple.csv", "--label-column", "colour");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logitnet: the data has class 'purple', which the model does not know; its classes are blue, green, red, 'violet, deep'", result.Error.TrimEnd());
    }

    [Fact]
    public void Train_ClassNamesOption_NamesIdLabels_AndEvaluateAndPredictShowThem()
    {
        Dataset blobs = Datasets.Blobs(count: 300, seed: 4);
        Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Npy.Write(Path.Combine(_directory, "y.npy"), blobs.Labels);
        Npy.Write(Path.Combine(_directory, "centers.npy"), Tensor.FromArray([-5f, 2, -2, -2, 1, 2, 5, -2], 4, 2));

        CliResult train = Run("train", "--dataset", "x.npy", "--labels", "y.npy", "--layers", "8:relu,4", "--epochs", "30", "--learning-rate", "0.01",
            "--class-names", "west, south,north ,east", "--output", "compass.logitnet");
        CliResult evaluate = Run("evaluate", "compass.logitnet", "--dataset", "x.npy", "--labels", "y.npy");
        CliResult predict = Run("predict", "compass.logitnet", "--input", "centers.npy", "--top-k", "1");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("Classes: west, south, north, east", train.Output);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Matches(@"true \\ pred\s+│ west │ south │ north │ east │", evaluate.Output);
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Equal(["west", "south", "north", "east"], Regex.Matches(predict.Output, @"│ +\d │ +(\w+) │").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void Train_DataWithoutNames_SavesNone()
    {
        Dataset blobs = Datasets.Blobs(count: 200, seed: 5);
        Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Npy.Write(Path.Combine(_directory, "y.npy"), blobs.Labels);

        CliResult train = Run("train", "--dataset", "x.npy", "--labels", "y.npy", "--layers", "4", "--epochs", "2", "--output", "ids.logitnet");
        CliResult summary = Run("summary", "ids.logitnet");

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.DoesNotContain("Classes:", train.Output);
        Assert.DoesNotContain("Classes:", summary.Output);
    }

    [Theory]
    [InlineData("a,b", "logitnet: --class-names 'a,b': 2 names for 4 classes; give one name per class, in class-id order")]
    [InlineData("a,b,,d", "logitnet: --class-names 'a,b,,d': the name of class 2 is empty")]
    [InlineData("a,b,a,d", "logitnet: --class-names 'a,b,a,d': classes 0 and 2 are both named 'a'; each class needs its own name")]
    public void Train_BadClassNamesOption_IsAUsageError(string option, string expected)
    {
        Dataset blobs = Datasets.Blobs(count: 100, seed: 6);
        Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Npy.Write(Path.Combine(_directory, "y.npy"), blobs.Labels);

        CliResult result = Run("train", "--dataset", "x.npy", "--labels", "y.npy", "--layers", "4", "--class-names", option);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.Error.TrimEnd());
    }

    [Fact]
    public void Train_ClassNamesOptionOnNamedData_IsAUsageError()
    {
        ColourCsv("colours.csv", 100, seed: 7);

        CliResult result = Run("train", "--dataset", "colours.csv", "--label-column", "colour", "--layers", "4", "--class-names", "a,b,c,d");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("logitnet: --class-names: the dataset names its classes already (blue, green, red, 'violet, deep')", result.Error);
    }
}
