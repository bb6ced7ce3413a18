using System.Globalization;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary>
/// Whether a CSV's first line is a header is read from the first two lines (<c>CsvShape.HasHeader</c>): a first row with
/// a missing value is data and is refused naming line 1 (it was skipped as a "header", so every prediction moved up one
/// row), pandas' header of unnamed columns (0, 1, 2, …) is skipped (it was predicted as a sample), and a text label
/// column does not make the first sample a header.
/// </summary>
public sealed class CsvHeaderTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    private static readonly Dataset s_test = Datasets.Digits(normalize: true).Split(0.2, seed: 0).Test;

    private static string Row(ReadOnlySpan<float> values) =>
        string.Join(",", values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private string Write(string name, IEnumerable<string> lines)
    {
        File.WriteAllLines(Path.Combine(trained.Directory, name), lines);
        return name;
    }

    [Fact]
    public void Predict_PandasNumericHeader_IsSkipped()
    {
        Tensor samples = s_test.Features.Slice(0, 5);
        string header = string.Join(",", Enumerable.Range(0, 64));
        string file = Write("pandas.csv", [header, .. Enumerable.Range(0, 5).Select(i => Row(samples.AsSpan().Slice(i * 64, 64)))]);
        Npy.Write(Path.Combine(trained.Directory, "five.npy"), samples);

        CliResult csv = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", file, "--output", "pandas.npy");
        CliResult npy = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "five.npy", "--output", "five-out.npy");

        Assert.True(csv.ExitCode == 0, csv.Error);
        Assert.True(npy.ExitCode == 0, npy.Error);
        Tensor fromCsv = Npy.Read(Path.Combine(trained.Directory, "pandas.npy"));
        Assert.Equal([5, 10], fromCsv.Shape);
        Assert.Equal(Npy.Read(Path.Combine(trained.Directory, "five-out.npy")).ToArray(), fromCsv.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("NA")]
    public void Predict_FirstRowWithAMissingValue_IsRefusedNamingLineOne(string missing)
    {
        Tensor samples = s_test.Features.Slice(0, 3);
        string[] rows = Enumerable.Range(0, 3).Select(i => Row(samples.AsSpan().Slice(i * 64, 64))).ToArray();
        rows[0] = missing + rows[0][rows[0].IndexOf(',', StringComparison.Ordinal)..];
        string file = Write($"missing-{missing.Length}.csv", rows);

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 1", result.Error);
    }

    /// <summary>
    /// numpy's <c>np.savetxt(..., delimiter=",")</c> writes infinities as <c>inf</c> and <c>-inf</c>: a first row holding
    /// one is data (it was taken for a header, "inf" being text above a number, and dropped) and its values are read (the
    /// reader refused them).
    /// </summary>
    [Fact]
    public void Predict_NumpysInfInTheFirstRow_IsReadAsData()
    {
        Tensor samples = s_test.Features.Slice(0, 3);
        string[] rows = Enumerable.Range(0, 3)
            .Select(i => string.Join(",", samples.AsSpan().Slice(i * 64, 64).ToArray().Select(v => v.ToString("E18", CultureInfo.InvariantCulture))))
            .ToArray();
        rows[0] = "inf" + rows[0][rows[0].IndexOf(',', StringComparison.Ordinal)..];
        rows[1] = rows[1][..rows[1].LastIndexOf(',')] + ",-inf";
        string file = Write("savetxt.csv", rows);
        Npy.Write(Path.Combine(trained.Directory, "last.npy"), samples.Slice(2, 1));

        CliResult csv = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", file, "--output", "savetxt.npy");
        CliResult npy = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", "last.npy", "--output", "last-out.npy");

        Assert.True(csv.ExitCode == 0, csv.Error);
        Assert.True(npy.ExitCode == 0, npy.Error);
        Tensor fromCsv = Npy.Read(Path.Combine(trained.Directory, "savetxt.npy"));
        Assert.Equal([3, 10], fromCsv.Shape);
        Assert.Equal(Npy.Read(Path.Combine(trained.Directory, "last-out.npy")).ToArray(), fromCsv.Slice(2, 1).ToArray());
    }

    [Fact]
    public void Train_HeaderlessCsvWithTextLabels_KeepsItsFirstRow()
    {
        // Two classes named by text in the last column, no header: 40 samples, all of them read.
        var random = new Random(3);
        string[] rows = Enumerable.Range(0, 40)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"{random.NextDouble() + (i % 2) * 3:R},{random.NextDouble():R},{(i % 2 == 0 ? "low" : "high")}"))
            .ToArray();
        string file = Write("text-labels.csv", rows);

        CliResult result = CliRunner.Run(trained.Directory, "train", "--dataset", file, "--layers", "4:relu,2", "--epochs", "1", "--test-split", "0.25");

        Assert.True(result.ExitCode == 0, result.Error);
        var counts = System.Text.RegularExpressions.Regex.Match(result.Output, @"(\d+) training samples[^,]*, (\d+) test");
        Assert.True(counts.Success, result.Output);
        Assert.Equal(40, int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture) + int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture));
    }
}
