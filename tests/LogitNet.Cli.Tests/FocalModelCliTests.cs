using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Cli.Tests;

/// <summary>
/// A model trained with a focal cross-entropy (which Save writes since session 15) is a classifier to <c>evaluate</c> and
/// <c>predict</c>: before, evaluate refused it as not compiled with a cross-entropy, and a model compiled without metrics
/// made evaluate fail with "Sequence contains no matching element".
/// </summary>
public sealed class FocalModelCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-focal-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EvaluateAndPredict_AFocalLossModel_ScoreItAsAClassifier(bool binary)
    {
        Dataset blobs = Datasets.Blobs(count: 300, seed: 6);
        float[] ids = blobs.Labels.ToArray();
        Tensor labels = binary ? Tensor.FromArray(ids.Select(c => c >= 2 ? 1f : 0f).ToArray(), ids.Length) : blobs.Labels;
        Npy.Write(Path.Combine(_directory, "x.npy"), blobs.Features);
        Npy.Write(Path.Combine(_directory, "y.npy"), labels);

        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(binary ? 1 : 4)) { Seed = 2, Log = TextWriter.Null };
        Tensor targets = binary
            ? Tensor.FromArray(labels.ToArray(), ids.Length, 1)
            : Tensor.FromArray(ids.SelectMany(c => Enumerable.Range(0, 4).Select(j => j == (int)c ? 1f : 0f)).ToArray(), ids.Length, 4);
        model.Compile(binary ? new BinaryFocalCrossentropy(fromLogits: true) : new CategoricalFocalCrossentropy(fromLogits: true), new Adam(0.02f));
        model.Fit(blobs.Features, targets, epochs: 20, batchSize: 32, verbose: 0);
        model.Save(Path.Combine(_directory, "focal.logitnet"));

        CliResult evaluate = CliRunner.Run(_directory, "evaluate", "focal.logitnet", "--dataset", "x.npy", "--labels", "y.npy");
        CliResult predict = CliRunner.Run(_directory, "predict", "focal.logitnet", "--input", "x.npy", "--output", "p.npy");

        // Compiled without metrics: the accuracy printed is the share of samples whose most probable class is the label.
        float[] probabilities = model.PredictProba(blobs.Features).ToArray();
        float[] truth = labels.ToArray();
        int right = Enumerable.Range(0, ids.Length).Count(i => binary
            ? (probabilities[i] > 0.5f ? 1f : 0f) == truth[i]
            : Enumerable.Range(0, 4).MaxBy(j => probabilities[i * 4 + j]) == (int)truth[i]);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Contains("Samples: 300", evaluate.Output);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Accuracy: {right / 300.0:0.0000}"), evaluate.Output);
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Equal(model.PredictProba(blobs.Features).ToArray(), Npy.Read(Path.Combine(_directory, "p.npy")).ToArray());
    }
}
