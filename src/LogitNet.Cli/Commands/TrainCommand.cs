using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LogitNet.Cli.Reports;
using LogitNet.Cli.Training;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using Spectre.Console;

namespace LogitNet.Cli.Commands;

internal static class TrainCommand
{
    public const int DefaultEpochs = 60;
    public const int DefaultBatchSize = 32;

    private static readonly Option<string> s_dataset = new("--dataset", "-d")
    {
        Description = "The data: " + DataSpec.Help + ".",
        DefaultValueFactory = _ => "digits",
    };

    private static readonly Option<string?> s_labels = new("--labels") { Description = "The labels file for a .npy or IDX --dataset (or a .csv of features)." };
    private static readonly Option<string?> s_labelColumn = new("--label-column") { Description = "The label column of a .csv --dataset: a 0-based index (-1 = last, the default) or a header name." };
    private static readonly Option<string> s_layers = new("--layers") { Description = LayerSpec.Help, DefaultValueFactory = _ => LayerSpec.Default };
    private static readonly Option<string?> s_input = new("--input-shape")
    {
        Description = "The shape of one sample for image layers (conv, pooling, flatten), HxWxC or H,W,C: e.g. 28x28x1 for mnist, 8x8x1 for digits. Each sample's features fill it row by row, channels last.",
    };
    private static readonly Option<string> s_loss = new("--loss") { Description = LossChoice.Help, DefaultValueFactory = _ => "sparse_categorical_crossentropy" };
    private static readonly Option<string> s_optimizer = new("--optimizer") { Description = OptimizerChoice.Help, DefaultValueFactory = _ => "adam" };
    private static readonly Option<float?> s_learningRate = new("--learning-rate", "--lr") { Description = "The learning rate (default: the optimizer's own)." };
    private static readonly Option<int> s_epochs = new("--epochs", "-e") { Description = "Passes over the training data.", DefaultValueFactory = _ => DefaultEpochs };
    private static readonly Option<int> s_batchSize = new("--batch-size", "-b") { Description = "Samples per gradient step.", DefaultValueFactory = _ => DefaultBatchSize };
    private static readonly Option<double> s_validationSplit = new("--validation-split") { Description = "Fraction of the training part held out for validation curves, in [0, 1).", DefaultValueFactory = _ => 0.1 };
    private static readonly Option<double> s_testSplit = new("--test-split") { Description = "Fraction of the data held out as the test set (digits, blobs and files; mnist has its own split).", DefaultValueFactory = _ => 0.2 };
    private static readonly Option<long> s_seed = new("--seed") { Description = "Seed of the split, the initial weights and the shuffling.", DefaultValueFactory = _ => 0 };
    private static readonly Option<string?> s_output = new("--output", "-o") { Description = "Save the trained model here (e.g. model.logitnet)." };
    private static readonly Option<string?> s_classNames = new("--class-names") { Description = ClassNaming.Help };
    private static readonly Option<string> s_delimiter = CsvDelimiter.Create();
    private static readonly Option<string?> s_plot = new("--plot") { Description = "Write the loss and accuracy curves as SVG here (default: next to --output, as NAME.curves.svg)." };

    public static Command Create()
    {
        var command = new Command("train",
            $"""
            Train a classifier and report its test accuracy. With no options: Dense 25 relu, 15 relu, 10 linear (logits),
            SparseCategoricalCrossentropy(fromLogits: true), Adam 0.001, {DefaultEpochs} epochs of batch {DefaultBatchSize} on the embedded digits.

            Examples:
              logitnet train
              logitnet train --output digits.logitnet --plot curves.svg
              logitnet train --dataset mnist --layers 128:relu,10 --epochs 10
              logitnet train --dataset mnist --input-shape 28x28x1 --layers conv:32x3:relu,maxpool,conv:64x3:relu,maxpool,flatten,dropout:0.5,10 --batch-size 128
              logitnet train --dataset blobs --layers 16:relu,4 --optimizer sgd --learning-rate 0.1
              logitnet train --dataset iris.csv --label-column species --layers 8:relu,3
              logitnet train --dataset iris-semicolons.csv --delimiter ';' --layers 8:relu,3
              logitnet train --dataset x.npy --labels y.npy --layers 32:relu,1 --loss binary_crossentropy
              logitnet train --dataset x.npy --labels y.npy --layers 16:relu,3 --class-names cat,dog,bird
              logitnet train --dataset train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz --layers 128:relu,10
            """);
        foreach (Option option in new Option[] { s_dataset, s_labels, s_labelColumn, s_layers, s_input, s_loss, s_optimizer, s_learningRate, s_epochs, s_batchSize, s_validationSplit, s_testSplit, s_seed, s_output, s_classNames, s_plot, s_delimiter })
        {
            command.Options.Add(option);
        }

        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parse)
    {
        int epochs = parse.GetValue(s_epochs), batchSize = parse.GetValue(s_batchSize);
        double validationSplit = parse.GetValue(s_validationSplit), testSplit = parse.GetValue(s_testSplit);
        long seed = parse.GetValue(s_seed);
        if (epochs < 1) throw new UsageException($"--epochs {epochs}: expected at least 1");
        if (batchSize < 1) throw new UsageException($"--batch-size {batchSize}: expected at least 1");
        SplitOptions.CheckValidationFraction(validationSplit);
        SplitOptions.CheckTestFraction(testSplit);

        string layerSpec = parse.GetValue(s_layers)!;
        IReadOnlyList<Layer> layers = LayerSpec.Parse(layerSpec);
        int[]? sampleShape = SampleShape(parse.GetValue(s_input));
        if (sampleShape is null && LayerSpec.TakesImages(layers))
        {
            throw new UsageException($"--layers '{layerSpec}' has image layers; give the shape of one sample with --input-shape HxWxC (e.g. --input-shape 28x28x1 for mnist, 8x8x1 for digits)");
        }

        Sequential model = sampleShape is null ? new Sequential([.. layers]) { Seed = seed } : new Sequential([new Input(sampleShape), .. layers]) { Seed = seed };
        if (sampleShape is not null)
        {
            // Checked before any data is read: the layers fit the sample shape and end in one value per output unit.
            try
            {
                model.Build(sampleShape);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--layers '{layerSpec}' does not fit --input-shape {string.Join('x', sampleShape)}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "")}");
            }

            if (model.Layers[^1].OutputShape.Length != 1)
            {
                throw new UsageException(
                    $"--layers '{layerSpec}': the output layer gives {string.Join('x', model.Layers[^1].OutputShape)} values per sample; put flatten (or globalavgpool) before the Dense layers");
            }
        }
        LossKind kind = LossChoice.Parse(parse.GetValue(s_loss)!);
        var output = (Dense)layers[^1];
        Optimizers.Optimizer optimizer = OptimizerChoice.Create(parse.GetValue(s_optimizer)!, parse.GetValue(s_learningRate));
        var data = new DataSpec(parse.GetValue(s_dataset)!, parse.GetValue(s_labels), parse.GetValue(s_labelColumn), testSplit, seed,
            CsvDelimiter.Parse(parse.GetValue(s_delimiter)!));
        string? modelPath = parse.GetValue(s_output);
        string? plotPath = parse.GetValue(s_plot) ?? (modelPath is null ? null : Path.ChangeExtension(modelPath, null) + ".curves.svg");
        if (modelPath is not null) OutputPath.Check(modelPath, "--output");
        if (plotPath is not null) OutputPath.Check(plotPath, parse.GetValue(s_plot) is null ? "--plot (beside --output)" : "--plot");
        RefuseOverwritingInputs(data, modelPath, plotPath);

        var clock = Stopwatch.StartNew();
        (Dataset train, Dataset test) = data.LoadSplit();
        SplitOptions.CheckValidationSplit(validationSplit, train.Count, data.TrainingPartNote(train.Count, test.Count));
        if (!data.IsBuiltIn)
        {
            LabelHints.CheckNumberedFromOne(train, test, kind == LossKind.Binary ? 2 : output.Units, layerSpec, Console.Out);
        }

        LossChoice.CheckOutput(kind, output.Units, train.ClassCount, $"--layers '{layerSpec}'");
        IReadOnlyList<string>? classNames = ClassNaming.ForTraining(train, data.IsBuiltIn, parse.GetValue(s_classNames), kind == LossKind.Binary ? 2 : output.Units);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Dataset {data.Dataset}: {train.Count} training samples ({validationSplit * 100:0.#}% of them held out for validation), {test.Count} test samples, {FeatureText(train.Features)} features, {train.ClassCount} classes"));
        if (classNames is not null && !ClassNaming.AreIds(classNames))
        {
            Console.WriteLine($"Classes: {ClassNaming.Text(classNames)}");
        }

        Tensor trainFeatures = train.Features, testFeatures = test.Features;
        if (sampleShape is not null)
        {
            trainFeatures = DataFile.ToSampleShape(train.Features, sampleShape, "--input-shape");
            testFeatures = DataFile.ToSampleShape(test.Features, sampleShape, "--input-shape");
        }

        model.ClassNames = classNames;
        Loss loss = LossChoice.Create(kind, output.Activation);
        model.Compile(loss, optimizer, [LossChoice.Metric(kind)]);
        Console.WriteLine($"Model: {layerSpec}; {loss}; {optimizer.GetType().Name} (learning rate {optimizer.LearningRate.ToString(CultureInfo.InvariantCulture)})");

        Tensor trainTargets = LossChoice.Targets(kind, train.Labels, train.ClassCount);
        History history = model.Fit(trainFeatures, trainTargets, epochs, batchSize, validationSplit,
            callbacks: [new KerasProgress(Console.Out, interactive: !Console.IsOutputRedirected)], verbose: 0);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        IReadOnlyDictionary<string, float> testResult = model.Evaluate(testFeatures, LossChoice.Targets(kind, test.Labels, test.ClassCount), batchSize: 256);
        float testAccuracy = testResult[testResult.Keys.First(k => k != "loss")];
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {testAccuracy:0.0000} ({test.Count} samples, loss {testResult["loss"]:0.0000})"));

        AnsiConsole.Write(SummaryTable(history, testResult, trainSeconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.Parameters.Sum(p => (long)p.Value.Length):N0} parameters, trained in {trainSeconds:0.00} s"));
        if (modelPath is not null)
        {
            OutputPath.Write(modelPath, "the model", () => model.Save(modelPath));
            Console.WriteLine($"Saved model: {modelPath}");
        }

        if (plotPath is not null)
        {
            string svg = Curves(history, $"{data.Dataset}: {layerSpec}");
            OutputPath.Write(plotPath, "the curves", () => File.WriteAllText(plotPath, svg));
            Console.WriteLine($"Wrote curves: {plotPath}");
        }

        return ExitCodes.Success;
    }

    /// <summary>The sample shape <c>--input-shape</c> gives train: 1 to 3 sizes (features, steps and channels, or HxWxC images); null when absent.</summary>
    private static int[]? SampleShape(string? text) => InputShapeArgument.Sizes(text) switch
    {
        { Length: > 3 } shape => throw new UsageException(
            $"--input-shape '{text}' has {shape.Length} sizes; train's layers take samples of 1 to 3 axes: features, steps,channels or HxWxC images, e.g. 28x28x1"),
        var shape => shape,
    };

    private static string FeatureText(Tensor features) => string.Join('x', features.Shape.Skip(1));

    private static Table SummaryTable(History history, IReadOnlyDictionary<string, float> test, double seconds)
    {
        var table = new Table { Title = new TableTitle($"{history.Epochs} epochs, {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s") };
        table.AddColumn("");
        table.AddColumn(new TableColumn("train").RightAligned());
        table.AddColumn(new TableColumn("validation").RightAligned());
        table.AddColumn(new TableColumn("test").RightAligned());
        foreach (string name in new[] { "loss", "accuracy" })
        {
            string? key = CurveNames.Find(history, name);
            string? validationKey = CurveNames.Find(history, "val_" + name);
            string? testKey = test.Keys.FirstOrDefault(k => CurveNames.Display(k) == name);
            table.AddRow(name,
                key is null ? "-" : Format(history[key][^1]),
                validationKey is null ? "-" : Format(history[validationKey][^1]),
                testKey is null ? "-" : Format(test[testKey]));
        }

        return table;
    }

    private static string Format(float value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Curves(History history, string title)
    {
        var panels = new List<(string, IReadOnlyList<float>, IReadOnlyList<float>?)>();
        foreach (string name in new[] { "loss", "accuracy" })
        {
            string? key = CurveNames.Find(history, name);
            if (key is null)
            {
                continue;
            }

            string? validationKey = CurveNames.Find(history, "val_" + name);
            panels.Add((name, history[key], validationKey is null ? null : history[validationKey]));
        }

        return SvgCurves.Render(title, panels);
    }

    /// <summary>
    /// Refuses an output that names the data it is trained from or the other output: the model (a zip) would replace the
    /// dataset, or the curves (SVG) the model just saved, with exit 0.
    /// </summary>
    private static void RefuseOverwritingInputs(DataSpec data, string? modelPath, string? plotPath)
    {
        var inputs = new List<(string Path, string What)>();
        if (!data.IsBuiltIn)
        {
            inputs.Add((data.Dataset, "--dataset"));
        }

        if (data.Labels is not null)
        {
            inputs.Add((data.Labels, "--labels"));
        }

        foreach ((string? output, string name) in new[] { (modelPath, "--output"), (plotPath, "--plot") })
        {
            if (output is null)
            {
                continue;
            }

            foreach ((string path, string what) in inputs)
            {
                if (OutputPath.IsSameFile(path, output))
                {
                    throw new UsageException($"{name} '{output}' is the {what} file; writing it would replace the data. Choose another name");
                }
            }
        }

        if (modelPath is not null && plotPath is not null && OutputPath.IsSameFile(modelPath, plotPath))
        {
            throw new UsageException($"--plot '{plotPath}' is the --output model file; the curves would replace the model. Choose another name");
        }
    }
}
