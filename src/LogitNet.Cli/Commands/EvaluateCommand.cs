using System.CommandLine;
using System.Globalization;
using LogitNet.Cli.Reports;
using LogitNet.Cli.Training;
using LogitNet.Data;
using Spectre.Console;

namespace LogitNet.Cli.Commands;

internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model saved by 'logitnet train --output', or a Keras .keras/.h5 file." };
        var dataset = new Option<string>("--dataset", "-d")
        {
            Description = "The data: " + DataSpec.Help + ". For a built-in set, its test part (the split train used with the same --seed and --test-split).",
            DefaultValueFactory = _ => "digits",
        };
        var labels = new Option<string?>("--labels") { Description = "The labels file for a .npy or IDX --dataset." };
        var labelColumn = new Option<string?>("--label-column") { Description = "The label column of a .csv --dataset: an index (-1 = last, the default) or a header name." };
        var testSplit = new Option<double>("--test-split") { Description = "The test fraction train used (built-in sets).", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<long>("--seed") { Description = "The seed train used (built-in sets).", DefaultValueFactory = _ => 0 };
        Option<string> delimiter = CsvDelimiter.Create();
        Option<string?> inputShape = InputShapeArgument.Create();
        var command = new Command("evaluate",
            """
            Evaluate a saved classifier: loss, accuracy, confusion matrix and per-class precision and recall,
            with the class names saved in the model. Labels that are names (a .csv with text labels) are matched
            to the model's classes by name.

            Examples:
              logitnet evaluate digits.logitnet
              logitnet evaluate model.keras --dataset test.csv --label-column label
              logitnet evaluate mnist.logitnet --dataset mnist
              logitnet evaluate model.logitnet --dataset test.csv --label-column label
            """);
        command.Arguments.Add(model);
        command.Options.Add(inputShape);
        foreach (Option option in new Option[] { dataset, labels, labelColumn, testSplit, seed, delimiter })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            SplitOptions.CheckTestFraction(parse.GetValue(testSplit));
            string modelPath = parse.GetValue(model)!;
            Sequential loaded = ModelFile.Load(modelPath, InputShapeArgument.Parse(parse.GetValue(inputShape)));
            ProbabilityCheck.WarnAboutOutputs(loaded, modelPath, "the loss given here is computed from them as they are", Console.Error);
            int[] outputShape = loaded.Layers[^1].OutputShape;
            if (outputShape.Length > 1)
            {
                // A tagger has a label at each position; evaluate reads one label per sample, and the loss's own refusal
                // ("expected y of shape [samples, 5] ... use CategoricalCrossentropy") points at the wrong fix.
                throw new UsageException(
                    $"the model gives {string.Join('x', outputShape)} outputs per sample (classes on the last axis at each of {string.Join('x', outputShape[..^1])} positions); " +
                    $"evaluate scores one label per sample. Score it in code: model.Evaluate(x, y) with labels of shape [samples, {string.Join(", ", outputShape[..^1])}]");
            }

            LossKind kind = LossChoice.KindOf(loaded.Loss);
            var data = new DataSpec(parse.GetValue(dataset)!, parse.GetValue(labels), parse.GetValue(labelColumn), parse.GetValue(testSplit), parse.GetValue(seed),
                CsvDelimiter.Parse(parse.GetValue(delimiter)!));
            int outputUnits = loaded.Layers[^1].OutputShape[^1];
            int classes = kind == LossKind.Binary ? 2 : outputUnits;
            Dataset samples = ClassNaming.AlignToModel(data.LoadEvaluation(), loaded.ClassNames, classes);

            Tensor features = FitToModel(loaded, samples.Features, $"--dataset {data.Dataset}", parse.GetValue(inputShape));
            IReadOnlyDictionary<string, float> result = loaded.Evaluate(features, LossChoice.Targets(kind, samples.Labels, classes), batchSize: 256);
            float[,] probabilities = Classification.ProbabilityMatrix(loaded.PredictProba(features));
            int[,] confusion = Classification.Confusion(probabilities, samples.Labels.ToArray(), classes);
            // The compiled accuracy metric when the model has one (train adds it); otherwise, as for a model compiled in code
            // without metrics, the share of the confusion matrix on its diagonal: the same argmax or 0.5 threshold.
            string? metric = result.Keys.FirstOrDefault(k => k != "loss" && k.Contains("acc", StringComparison.Ordinal));
            float accuracy = metric is not null ? result[metric] : DiagonalShare(confusion);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Samples: {samples.Count} ({data.Dataset})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Loss: {result["loss"]:0.0000}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accuracy: {accuracy:0.0000}"));
            IReadOnlyList<string> names = ClassNaming.ForDisplay(loaded, classes, samples);
            // Headings as plain lines: a table title wider than a small table would wrap.
            Console.WriteLine("Confusion matrix (rows: true class, columns: predicted class):");
            AnsiConsole.Write(Classification.ConfusionTable(confusion, names));
            Console.WriteLine("Per-class precision and recall:");
            AnsiConsole.Write(Classification.PrecisionRecallTable(confusion, names));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The samples in the shape the model takes: flat rows (or samples of any shape with as many values) fill an image
    /// model's input row by row, and a Dense model takes samples of more than one axis flattened, as <c>train</c> flattens them.
    /// A failure (exit 1) naming <paramref name="source"/> and both sizes when the counts differ, the same for every model.
    /// <paramref name="everyColumnIsAFeature"/> (predict's input, which has no label column) adds a hint when one value is
    /// too many: a labelled file passed as samples. <paramref name="inputShapeOption"/>, the <c>--input-shape</c> given (a
    /// Keras model's open axes filled in), makes the hint that option: the model takes what the user chose there.
    /// </summary>
    public static Tensor FitToModel(Sequential model, Tensor features, string source, string? inputShapeOption, bool everyColumnIsAFeature = false)
    {
        int[] expected = model.Layers[0].InputShape;
        // A rank-1 array is one sample.
        int rows = features.Rank == 1 ? 1 : features.Shape[0];
        long values = expected.Aggregate(1L, (product, size) => product * size);
        long have = features.Rank == 1 ? features.Length : features.Shape[1..].Aggregate(1L, (product, size) => product * size);
        if (have != values)
        {
            string takes = expected.Length == 1 ? $"{values} features" : $"input {string.Join('x', expected)} ({values} values)";
            string sample = (have == 1 ? "1 value" : $"{have} values") + (features.Rank > 2 ? $" ({string.Join('x', features.Shape[1..])})" : "");
            string hint = inputShapeOption is not null
                ? expected.Length == 1
                    ? $"; that size is --input-shape {inputShapeOption}: pass --input-shape {have} for these samples"
                    : $"; that shape is --input-shape {inputShapeOption}: pass one whose sizes multiply to {have} for these samples"
                : everyColumnIsAFeature && have == values + 1
                    ? "; if a column holds the labels, leave it out (every column is read as a feature)"
                    : "; give the model data of the shape it was trained on";
            throw new CliFailureException($"{source}: each sample has {sample}, but the model takes {takes} per sample{hint}");
        }

        return features.Reshape([rows, .. expected]);
    }

    private static float DiagonalShare(int[,] confusion)
    {
        long right = 0, all = 0;
        for (int i = 0; i < confusion.GetLength(0); i++)
        {
            for (int j = 0; j < confusion.GetLength(1); j++)
            {
                all += confusion[i, j];
                right += i == j ? confusion[i, j] : 0;
            }
        }

        return all == 0 ? 0f : (float)((double)right / all);
    }
}
