using System.Globalization;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using Spectre.Console;

namespace LogitNet.Cli.Demos;

/// <summary>
/// The softmax lab: four Gaussian blobs classified twice, once with a softmax output and a loss on
/// probabilities, once with a linear output (logits) and a loss from logits; then the
/// logits-to-probabilities step at inference, sample by sample.
/// </summary>
internal static class SoftmaxLab
{
    public static void Run(int epochs, long seed)
    {
        (Dataset train, Dataset test) = Datasets.Blobs(count: 2000, standardDeviation: 1.0, seed: seed).Split(0.2, seed);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[bold]Softmax lab[/]: 4 Gaussian blobs around (-5, 2), (-2, -2), (1, 2), (5, -2), standard deviation 1; {train.Count} training and {test.Count} test points."));
        AnsiConsole.WriteLine();

        AnsiConsole.MarkupLine("[bold]A.[/] Dense(25, relu), Dense(15, relu), [bold]Dense(4, softmax)[/] with SparseCategoricalCrossentropy(fromLogits: false):");
        Sequential softmaxModel = Build(Activation.Softmax, fromLogits: false, seed);
        float softmaxAccuracy = Fit(softmaxModel, train, test, epochs);
        AnsiConsole.MarkupLine("[bold]B.[/] Dense(25, relu), Dense(15, relu), [bold]Dense(4, linear)[/] with SparseCategoricalCrossentropy(fromLogits: true):");
        Sequential logitsModel = Build(Activation.Linear, fromLogits: true, seed);
        float logitsAccuracy = Fit(logitsModel, train, test, epochs);

        var accuracies = new Table { Title = new TableTitle($"Test accuracy after {epochs} epochs") };
        accuracies.AddColumn("output layer");
        accuracies.AddColumn("loss");
        accuracies.AddColumn(new TableColumn("test accuracy").RightAligned());
        accuracies.AddRow("softmax (probabilities)", "fromLogits: false", softmaxAccuracy.ToString("0.0000", CultureInfo.InvariantCulture));
        accuracies.AddRow("linear (logits)", "fromLogits: true", logitsAccuracy.ToString("0.0000", CultureInfo.InvariantCulture));
        AnsiConsole.Write(accuracies);
        AnsiConsole.MarkupLine("Both learn the same classifier: LogitNet trains the softmax model on its pre-activation logits too (the note above).");
        AnsiConsole.MarkupLine("The linear model is the recommended form: the model outputs logits, and probabilities are made only at inference.");
        AnsiConsole.WriteLine();

        const int shown = 6;
        Tensor x = test.Features.Slice(0, shown);
        Tensor logits = logitsModel.Predict(x);
        Tensor probabilities = Ops.Softmax(logits);
        Tensor softmaxOutput = softmaxModel.Predict(x);
        var table = new Table { Title = new TableTitle("Model B at inference: logits z = model.Predict(x), p = Ops.Softmax(z)") };
        table.AddColumn("x");
        table.AddColumn(new TableColumn("true").RightAligned());
        table.AddColumn("logits z");
        table.AddColumn("p = softmax(z)");
        table.AddColumn(new TableColumn("argmax").RightAligned());
        table.AddColumn("model A's softmax output");
        for (int i = 0; i < shown; i++)
        {
            table.AddRow(
                string.Create(CultureInfo.InvariantCulture, $"({x[i, 0]:0.00}, {x[i, 1]:0.00})"),
                test.Labels[i].ToString(CultureInfo.InvariantCulture),
                Row(logits, i, "0.00"),
                Row(probabilities, i, "0.000"),
                ArgMax(probabilities, i).ToString(CultureInfo.InvariantCulture),
                Row(softmaxOutput, i, "0.000"));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("softmax(z)_j = e^(z_j - max z) / sum_k e^(z_k - max z): the largest logit wins; adding a constant to every logit changes nothing.");
    }

    private static Sequential Build(Activation output, bool fromLogits, long seed)
    {
        var model = new Sequential(new Dense(25, Activation.Relu), new Dense(15, Activation.Relu), new Dense(4, output)) { Seed = seed };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits), new Adam(0.001f), [new SparseCategoricalAccuracy()]);
        return model;
    }

    private static float Fit(Sequential model, Dataset train, Dataset test, int epochs)
    {
        model.Fit(train.Features, train.Labels, epochs, batchSize: 32, verbose: 0);
        IReadOnlyDictionary<string, float> result = model.Evaluate(test.Features, test.Labels, batchSize: 256);
        return result["sparse_categorical_accuracy"];
    }

    private static string Row(Tensor t, int row, string format) =>
        Markup.Escape("[" + string.Join(", ", Enumerable.Range(0, t.Shape[1]).Select(c => t[row, c].ToString(format, CultureInfo.InvariantCulture))) + "]");

    private static int ArgMax(Tensor t, int row) =>
        Enumerable.Range(0, t.Shape[1]).MaxBy(c => t[row, c]);
}
