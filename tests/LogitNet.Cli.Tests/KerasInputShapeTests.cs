using System.Globalization;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>--input-shape</c> on the commands that read a model: corpus file 030, a Keras text classifier over
/// sequences of any length (Embedding(10001, 16) → pooling → Dense(1)), loads only with it.
/// </summary>
public sealed class KerasInputShapeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-shape-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The corpus's file 030 (../shared/keras_corpus beside the repository), copied here.</summary>
    private string TextClassifier()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string models = Path.Combine(d.FullName, "shared", "keras_corpus", "models");
            if (Directory.Exists(models))
            {
                string source = Directory.GetFiles(models, "030_*").Single();
                string copy = Path.Combine(_directory, "text.keras");
                File.Copy(source, copy, overwrite: true);
                return copy;
            }
        }

        throw new DirectoryNotFoundException("shared/keras_corpus/models was not found above the test assembly; CI lays shared/ beside the repository.");
    }

    /// <summary>Rows of 64 word ids below the vocabulary size 10001, then a 0/1 label when asked for.</summary>
    private static float[][] Ids(int rows) =>
        Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, 64).Select(i => (float)((r * 7919 + i * 104_729) % 10_001)).ToArray()).ToArray();

    private string Csv(string name, float[][] rows, bool labels)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllLines(path, rows.Select((row, r) =>
            string.Join(",", row.Select(v => v.ToString(CultureInfo.InvariantCulture))) + (labels ? $",{r % 2}" : "")));
        return path;
    }

    [Fact]
    public void WithoutTheOption_TheRefusal_NamesTheOpenAxis_AndTheOption()
    {
        CliResult result = CliRunner.Run(_directory, "summary", TextClassifier());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("leaves axis 0 open (None)", result.Error);
        Assert.Contains("--input-shape 100", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Summary_WithTheOption_ShowsTheFixedShape_AndTheNote()
    {
        CliResult result = CliRunner.Run(_directory, "summary", TextClassifier(), "--input-shape", "64");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("(None, 64, 16)", result.Output);
        Assert.Contains("Note: The file's input shape [None] leaves axis 0 open", result.Output);
    }

    [Fact]
    public void Convert_WithTheOption_WritesAModelThatPredictsAsTheLibraryLoadsIt()
    {
        string keras = TextClassifier();
        string logitnet = Path.Combine(_directory, "text.logitnet");
        string onnx = Path.Combine(_directory, "text.onnx");
        foreach (string output in new[] { logitnet, onnx })
        {
            CliResult result = CliRunner.Run(_directory, "convert", keras, output, "--input-shape", "64");
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains("input [N, 64]", result.Output);
            Assert.Contains("Note: The file's input shape [None]", result.Output);
        }

        float[][] rows = Ids(3);
        Tensor x = Tensor.FromArray(rows.SelectMany(r => r).ToArray(), [3, 64]);
        float[] expected = Sequential.Load(keras, new LoadOptions { InputShape = [64] }).Predict(x).ToArray();
        Sequential converted = Sequential.Load(logitnet);
        Assert.Equal([64], converted.Layers[0].InputShape);
        Assert.Equal(expected, converted.Predict(x).ToArray());
        Assert.True(new FileInfo(onnx).Length > 600_000);   // 160,016 float32 embedding weights
    }

    [Fact]
    public void PredictAndEvaluate_TakeTheOption()
    {
        string keras = TextClassifier();
        float[][] rows = Ids(4);
        CliResult predict = CliRunner.Run(_directory, "predict", keras, "--input", Csv("ids.csv", rows, labels: false), "--input-shape", "64");
        Assert.True(predict.ExitCode == 0, predict.Error);

        // Each row's probability is the library's for the same ids (one sigmoid unit: the larger of p and 1 − p).
        Tensor p = Sequential.Load(keras, new LoadOptions { InputShape = [64] }).PredictProba(Tensor.FromArray(rows.SelectMany(r => r).ToArray(), [4, 64]));
        Assert.Equal([4, 1], p.Shape);
        float[] probabilities = p.ToArray();
        for (int r = 0; r < 4; r++)
        {
            string shown = Math.Max(probabilities[r], 1 - probabilities[r]).ToString("0.0000", CultureInfo.InvariantCulture);
            Assert.Contains($"│   {r} │     {(probabilities[r] >= 0.5f ? 1 : 0)} │      {shown} │", predict.Output);
        }

        CliResult evaluate = CliRunner.Run(_directory, "evaluate", keras, "--dataset", Csv("labelled.csv", Ids(6), labels: true), "--input-shape", "64");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Contains("Samples: 6", evaluate.Output);

        CliResult onnx = CliRunner.Run(_directory, "export-onnx", keras, Path.Combine(_directory, "exported.onnx"), "--input-shape", "64");
        Assert.True(onnx.ExitCode == 0, onnx.Error);
        Assert.Contains("[N, 64]", onnx.Output);
    }

    /// <summary>
    /// Sequences of another length than --input-shape chose: the refusal said "give the model data of the shape it was
    /// trained on", though the length came from the option; it now names the option and the value that fits.
    /// </summary>
    [Fact]
    public void PredictAndEvaluate_SamplesOfAnotherLengthThanTheOption_NameTheOptionThatFits()
    {
        string keras = TextClassifier();
        string ids = Csv("ids.csv", Ids(2), labels: false);

        CliResult predict = CliRunner.Run(_directory, "predict", keras, "--input", ids, "--input-shape", "100");
        Assert.Equal(1, predict.ExitCode);
        Assert.Equal($"logitnet: --input {ids}: each sample has 64 values, but the model takes 100 features per sample; that size is --input-shape 100: " +
            "pass --input-shape 64 for these samples", predict.Error.TrimEnd());

        string labelled = Csv("labelled.csv", Ids(2), labels: true);
        CliResult evaluate = CliRunner.Run(_directory, "evaluate", keras, "--dataset", labelled, "--input-shape", "100");
        Assert.Equal(1, evaluate.ExitCode);
        Assert.Contains("that size is --input-shape 100: pass --input-shape 64 for these samples", evaluate.Error);
    }

    /// <summary>
    /// serve with --input-shape 100 refused 64-id sequences with "instance 0: expected 100 features, got 64": TF Serving
    /// takes any length on the open axis, so the client needs to hear that the server fixed it, and how to fit.
    /// </summary>
    [Fact]
    public async Task Serve_SequencesOfAnotherLengthThanTheOption_SayTheServerFixedIt()
    {
        using ServerProcess server = ServerProcess.Start(_directory, TextClassifier(), "--input-shape", "100", "--name", "text");
        string row = string.Join(", ", Ids(1)[0].Select(v => v.ToString(CultureInfo.InvariantCulture)));
        using var content = new StringContent($"{{\"instances\": [[{row}]]}}", System.Text.Encoding.UTF8, "application/json");

        using HttpResponseMessage response = await server.Client.PostAsync("/v1/models/text:predict", content);

        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("instance 0: expected 100 features, got 64; this server was started with --input-shape 100, which fixes the model's input to " +
            "that shape: pad or cut the samples to it, or restart the server with the shape they have", body);
    }

    [Fact]
    public void AShapeThatContradictsTheFile_OrDoesNotParse_IsAUsageError()
    {
        string keras = TextClassifier();
        CliResult rank = CliRunner.Run(_directory, "summary", keras, "--input-shape", "64,16");
        Assert.Equal(2, rank.ExitCode);
        Assert.Contains("--input-shape 64,16", rank.Error);
        Assert.Contains("[64, 16]", rank.Error);
        Assert.Contains("[None]", rank.Error);
        Assert.DoesNotContain("Parameter", rank.Error);

        foreach (string bad in (string[])["0", "64x", "", "-3"])
        {
            CliResult result = CliRunner.Run(_directory, "summary", keras, "--input-shape", bad);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("--input-shape", result.Error);
        }
    }
}
