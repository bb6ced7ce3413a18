using System.Globalization;
using System.Text.RegularExpressions;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

public sealed class TrainEvaluatePredictTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Train_Defaults_ReachesTestAccuracyOf95PercentAndSavesModelAndCurves()
    {
        CliResult result = trained.Train;

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        float accuracy = Number(result.Output, @"Test accuracy: ([0-9.]+)");
        Assert.True(accuracy >= 0.95f, $"test accuracy {accuracy}:\n{result.Output}");
        Assert.Contains("Epoch 60/60", result.Output);
        Assert.Contains("val_accuracy", result.Output);
        Assert.True(File.Exists(trained.ModelPath));
        string svg = File.ReadAllText(Path.Combine(trained.Directory, "digits.curves.svg"));
        Assert.StartsWith("<svg", svg);
        Assert.Equal(4, Regex.Matches(svg, "<polyline").Count);
    }

    [Fact]
    public void Evaluate_SavedModel_ReportsTheTrainedTestAccuracyAndTables()
    {
        CliResult result = CliRunner.Run(trained.Directory, "evaluate", trained.ModelPath, "--dataset", "digits");

        Assert.True(result.ExitCode == 0, result.Error);
        float trainedAccuracy = Number(trained.Train.Output, @"Test accuracy: ([0-9.]+)");
        Assert.Equal(trainedAccuracy, Number(result.Output, @"Accuracy: ([0-9.]+)"), 4);
        Assert.Equal("360", Regex.Match(result.Output, @"Samples: (\d+)").Groups[1].Value);
        Assert.Contains("Confusion matrix", result.Output);
        Assert.Contains("precision", result.Output);
    }

    [Fact]
    public void Predict_SavedModelOnCsv_WritesClassesProbabilitiesAndTopK()
    {
        Dataset test = Datasets.Digits(normalize: true).Split(0.2, seed: 0).Test;
        const int rows = 50;
        string input = Path.Combine(trained.Directory, "samples.csv");
        float[] features = test.Features.ToArray();
        File.WriteAllLines(input, Enumerable.Range(0, rows).Select(r =>
            string.Join(',', features.Skip(r * 64).Take(64).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        string output = Path.Combine(trained.Directory, "predictions.csv");

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", input, "--top-k", "3", "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        string[] lines = File.ReadAllLines(output);
        Assert.Equal("class,probability,top1_class,top1_probability,top2_class,top2_probability,top3_class,top3_probability", lines[0]);
        Assert.Equal(rows + 1, lines.Length);
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            float[] fields = lines[r + 1].Split(',').Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(fields[0], fields[2]);
            Assert.InRange(fields[1], 0.1f, 1f);
            Assert.True(fields[3] >= fields[5] && fields[5] >= fields[7], lines[r + 1]);
            correct += fields[0] == test.Labels[r] ? 1 : 0;
        }

        Assert.True(correct >= 45, $"{correct} of {rows} right");
    }

    [Fact]
    public void Predict_SavedModelOnNpy_PrintsATableAndWritesProbabilityRows()
    {
        Dataset test = Datasets.Digits(normalize: true).Split(0.2, seed: 0).Test;
        string input = Path.Combine(trained.Directory, "samples.npy");
        Npy.Write(input, test.Features.Slice(0, 5));
        string output = Path.Combine(trained.Directory, "probabilities.npy");

        CliResult table = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", input, "--top-k", "2");
        CliResult written = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", input, "--output", output);

        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains("top 2", table.Output);
        Assert.True(written.ExitCode == 0, written.Error);
        Tensor probabilities = Npy.Read(output);
        Assert.Equal([5, 10], probabilities.Shape);
        for (int r = 0; r < 5; r++)
        {
            Assert.Equal(1.0, Enumerable.Range(0, 10).Sum(c => (double)probabilities[r, c]), 5);
        }
    }

    [Fact]
    public void Summary_SavedModel_ListsLayersParametersAndClassNames()
    {
        CliResult result = CliRunner.Run(trained.Directory, "summary", trained.ModelPath);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("dense_2 (Dense)", result.Output);
        Assert.Contains("Trainable params: 2,175", result.Output);
        // The saved Adam state loads with the model, so its variables are counted as Keras counts a loaded model's:
        // step count, learning rate and two moments per weight (1 + 1 + 2 × 2,175), and the total includes them.
        Assert.Contains("Optimizer params: 4,352", result.Output);
        Assert.Contains("Total params: 6,527", result.Output);
        // The embedded digits name their classes by the digit; train saved the names with the model.
        Assert.Contains(" Classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9", result.Output);
    }

    private static float Number(string text, string pattern)
    {
        Match match = Regex.Match(text, pattern);
        Assert.True(match.Success, $"no '{pattern}' in:\n{text}");
        return float.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
