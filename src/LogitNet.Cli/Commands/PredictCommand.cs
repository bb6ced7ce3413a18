using System.CommandLine;
using System.Globalization;
using System.Text;
using LogitNet.Cli.Reports;
using LogitNet.Cli.Training;
using LogitNet.Data;
using Spectre.Console;

namespace LogitNet.Cli.Commands;

internal static class PredictCommand
{
    private const int ShownRows = 20;

    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model saved by 'logitnet train --output', or a Keras .keras/.h5 file." };
        var input = new Option<string>("--input", "-i")
        {
            Description = "Samples to classify: a .csv (one sample per row, features only; a header line is skipped), a .npy [n, features...] " +
                "or IDX samples [n, ...] such as images-idx3-ubyte; .npy and IDX may be gzip-compressed. Read as train reads them: uint8 IDX pixels divided by 255.",
            Required = true,
        };
        var topK = new Option<int>("--top-k", "-k") { Description = "How many of the most probable classes to list per sample.", DefaultValueFactory = _ => 3 };
        Option<string> delimiter = CsvDelimiter.Create();
        var output = new Option<string?>("--output", "-o") { Description = "Write the predictions instead of a table: .csv (class, probability, then top-k class/probability pairs; classes by name) or .npy (the probabilities [n, classes], columns in class-id order)." };
        Option<string?> inputShape = InputShapeArgument.Create();
        var command = new Command("predict",
            """
            Classify samples with a saved model: the predicted class, its probability and the top-k classes,
            by the class names saved in the model (its class ids if it has none).
            Probabilities come from the logits at this step only (softmax or sigmoid, model.PredictProba).

            Examples:
              logitnet predict digits.logitnet --input samples.csv
              logitnet predict model.keras --input samples.csv
              logitnet predict model.h5 --input samples.npy
              logitnet predict text_classifier.keras --input padded_ids.npy --input-shape 250
              logitnet predict digits.logitnet --input samples.npy --top-k 5
              logitnet predict mnist.logitnet --input t10k-images-idx3-ubyte.gz --output predictions.csv
              logitnet predict digits.logitnet --input samples.csv --output predictions.csv
            """);
        command.Arguments.Add(model);
        command.Options.Add(inputShape);
        command.Options.Add(input);
        command.Options.Add(topK);
        command.Options.Add(output);
        command.Options.Add(delimiter);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(input)!;
            string? outputPath = parse.GetValue(output);
            int k = parse.GetValue(topK);
            if (k < 1)
            {
                throw new UsageException($"--top-k {k}: expected at least 1");
            }

            // Written uncompressed, so a .gz name (which ByName reads as .npy.gz or IDX) is refused.
            FileKind outputKind = outputPath is null ? FileKind.Unknown : DataFile.ByName(outputPath);
            if (outputPath is not null && (outputKind is not (FileKind.Csv or FileKind.Npy) || outputPath.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)))
            {
                throw new UsageException($"--output '{outputPath}': expected a .csv or .npy file name (predictions are written uncompressed)");
            }

            if (outputPath is not null)
            {
                OutputPath.Check(outputPath, "--output");
                foreach ((string path, string what) in new[] { (inputPath, "--input"), (parse.GetValue(model)!, "the model") })
                {
                    if (OutputPath.IsSameFile(path, outputPath))
                    {
                        throw new UsageException($"--output '{outputPath}' is {what}; writing the predictions would replace it. Choose another name");
                    }
                }
            }

            string modelPath = parse.GetValue(model)!;
            Sequential loaded = ModelFile.Load(modelPath, InputShapeArgument.Parse(parse.GetValue(inputShape)));
            ProbabilityCheck.WarnAboutOutputs(loaded, modelPath, "the probabilities given here are those outputs as they are", Console.Error);
            int[] outputShape = loaded.Layers[^1].OutputShape;
            if (outputShape.Length > 1 && outputKind != FileKind.Npy)
            {
                // A sequence model's sample has a class at each position: the table and the .csv hold one class per sample,
                // and flattening [5, 3] into 15 "classes" ranked values of different positions against each other.
                throw new UsageException(
                    $"the model gives {string.Join('x', outputShape)} outputs per sample (classes on the last axis at each of {string.Join('x', outputShape[..^1])} positions); " +
                    $"the table and a .csv give one class per sample. Write the probabilities with --output PREDICTIONS.npy ([samples, {string.Join(", ", outputShape)}])");
            }
            if (Directory.Exists(inputPath))
            {
                // "File not found" for a folder that exists sends the user looking in the wrong place.
                throw new UsageException($"--input {inputPath} is a folder; give the file of samples to classify: {DataFile.Supported}");
            }

            if (!File.Exists(inputPath))
            {
                throw new FileNotFoundException($"Input file not found: {inputPath}", inputPath);
            }

            FileKind inputKind = DataFile.Detect(inputPath);
            if (inputKind == FileKind.Unknown)
            {
                throw new UsageException($"--input '{inputPath}': not a format logitnet reads; expected {DataFile.Supported}");
            }

            char separator = CsvDelimiter.Parse(parse.GetValue(delimiter)!);
            Tensor features = DataFile.ReadFeatures(inputPath, inputKind, separator);
            if (inputKind == FileKind.Csv && features.Rank == 2 && features.Shape[1] == 1 && loaded.Layers[0].InputShape is not [1])
            {
                throw CsvDelimiter.OneColumn(inputPath, separator, $"each sample has one value where the model takes {ShapeText(loaded.Layers[0].InputShape)}");
            }

            if (features.Shape[0] == 0)
            {
                throw new CliFailureException($"--input {inputPath}: the file holds no samples (shape [{string.Join(", ", features.Shape)}]); give it at least one");
            }

            // A .npy of [n, 8, 8] images for a model of 64 features, or flat rows for an image model: as train reads them.
            features = EvaluateCommand.FitToModel(loaded, features, $"--input {inputPath}", parse.GetValue(inputShape), everyColumnIsAFeature: true);
            Tensor probabilityTensor = loaded.PredictProba(features);
            float[,] probabilities = Classification.ProbabilityMatrix(probabilityTensor);
            int rows = probabilities.GetLength(0);
            k = Math.Min(k, probabilities.GetLength(1));
            IReadOnlyList<string> names = ClassNaming.ForDisplay(loaded, probabilities.GetLength(1));
            if (outputPath is null)
            {
                AnsiConsole.Write(Table(probabilities, k, names));
                if (rows > ShownRows)
                {
                    Console.WriteLine($"... {rows - ShownRows} more rows; use --output preds.csv to write them all");
                }
            }
            else if (outputKind == FileKind.Npy)
            {
                OutputPath.Write(outputPath, "the predictions", () => Npy.Write(outputPath, probabilityTensor));
                Console.WriteLine($"Wrote probabilities {string.Join('x', probabilityTensor.Shape)}: {outputPath}");
            }
            else
            {
                string text = CsvText(probabilities, k, names);
                OutputPath.Write(outputPath, "the predictions", () => File.WriteAllText(outputPath, text));
                Console.WriteLine($"Wrote {rows} predictions: {outputPath}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string ShapeText(IReadOnlyList<int> shape) => shape.Count == 1 ? $"{shape[0]} features" : $"samples of shape [{string.Join(", ", shape)}]";

    private static Table Table(float[,] probabilities, int k, IReadOnlyList<string> names)
    {
        var table = new Table();
        table.AddColumn(new TableColumn("row").RightAligned());
        table.AddColumn(new TableColumn("class").RightAligned());
        table.AddColumn(new TableColumn("probability").RightAligned());
        table.AddColumn($"top {k}");
        for (int i = 0; i < Math.Min(ShownRows, probabilities.GetLength(0)); i++)
        {
            int[] ranked = Classification.Ranked(probabilities, i);
            string top = string.Join("  ", ranked.Take(k).Select(c => string.Create(CultureInfo.InvariantCulture, $"{Markup.Escape(names[c])}: {probabilities[i, c]:0.0000}")));
            table.AddRow(
                i.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(names[ranked[0]]),
                probabilities[i, ranked[0]].ToString("0.0000", CultureInfo.InvariantCulture),
                top);
        }

        return table;
    }

    private static string CsvText(float[,] probabilities, int k, IReadOnlyList<string> names)
    {
        var text = new StringBuilder("class,probability");
        for (int j = 1; j <= k; j++)
        {
            text.Append(CultureInfo.InvariantCulture, $",top{j}_class,top{j}_probability");
        }

        text.Append('\n');
        for (int i = 0; i < probabilities.GetLength(0); i++)
        {
            int[] ranked = Classification.Ranked(probabilities, i);
            text.Append(CultureInfo.InvariantCulture, $"{CsvField(names[ranked[0]])},{probabilities[i, ranked[0]]:R}");
            foreach (int c in ranked.Take(k))
            {
                text.Append(CultureInfo.InvariantCulture, $",{CsvField(names[c])},{probabilities[i, c]:R}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, a quote or a line break.</summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
