using System.Globalization;
using LogitNet.Data;

namespace LogitNet.Cli.Training;

/// <summary>What <c>--dataset</c> names: a built-in set, or a file with its labels.</summary>
internal sealed record DataSpec(string Dataset, string? Labels, string? LabelColumn, double TestSplit, long Seed, char Delimiter = ',')
{
    public const string Help =
        "digits (embedded 8x8 digits), mnist (embedded 10,000 MNIST digits), blobs (4 Gaussian blobs), " +
        "or a path: a .csv (labels in --label-column, default the last), a .npy of features with --labels LABELS.npy, " +
        "or IDX images with --labels LABELS-idx1-ubyte; .npy and IDX may be gzip-compressed (x.npy.gz, images-idx3-ubyte.gz), " +
        "told apart by their content; uint8 IDX pixels are divided by 255";

    private static readonly string[] s_builtIns = ["digits", "mnist", "blobs"];

    public bool IsBuiltIn => s_builtIns.Contains(Dataset.ToLowerInvariant());

    /// <summary>The training and test parts: built-in sets split deterministically by <see cref="Seed"/>, files by <see cref="TestSplit"/>.</summary>
    public TrainTestSplit LoadSplit()
    {
        switch (Dataset.ToLowerInvariant())
        {
            case "digits":
                return Split(Datasets.Digits(normalize: true));
            case "mnist":
                return Datasets.Mnist();
            case "blobs":
                return Split(Datasets.Blobs(count: 2000, seed: Seed));
            default:
                return Split(LoadFile());
        }
    }

    /// <summary>What <c>--test-split</c> left for training, for an error about <c>--validation-split</c>; null for MNIST's own split.</summary>
    public string? TrainingPartNote(int trainSamples, int testSamples) => Dataset.Equals("mnist", StringComparison.OrdinalIgnoreCase)
        ? null
        : string.Create(CultureInfo.InvariantCulture, $"what --test-split {TestSplit} left of the {trainSamples + testSamples} samples of {Dataset}");

    private TrainTestSplit Split(Dataset all)
    {
        SplitOptions.CheckTestSplit(TestSplit, all.Count, Dataset);
        return all.Split(TestSplit, Seed);
    }

    /// <summary>The samples to evaluate on: the test part of a built-in set (the same split train used), or the whole file.</summary>
    public Dataset LoadEvaluation() => IsBuiltIn ? LoadSplit().Test : LoadFile();

    private Dataset LoadFile()
    {
        string path = Dataset;
        if (!File.Exists(path))
        {
            if (DataFile.ByName(path) == FileKind.Unknown)
            {
                throw new UsageException(
                    $"unknown dataset '{path}': expected digits, mnist, blobs, or a path to a .csv, .npy or IDX file");
            }

            throw new FileNotFoundException($"Dataset file not found: {path}", path);
        }

        switch (DataFile.Detect(path))
        {
            case FileKind.Csv:
                return ReadCsv(path);
            case FileKind.Npy:
            {
                string labels = Labels ?? throw new UsageException($"--dataset {path} is a .npy of features; give its labels with --labels LABELS.npy");
                Tensor features = DataFile.ReadFeatures(path, FileKind.Npy);
                return MakeDataset(DataFile.Flatten(features), ReadLabels(labels).Reshape(-1), path, labels);
            }
            case FileKind.Idx:
            {
                string labels = Labels ?? throw new UsageException($"--dataset {path} is an IDX images file; give its labels with --labels LABELS-idx1-ubyte");
                return MakeDataset(DataFile.ReadFeatures(path, FileKind.Idx), ReadLabels(labels).Reshape(-1), path, labels);
            }
            default:
                throw new UsageException($"--dataset '{path}': not a format logitnet reads; expected {DataFile.Supported}");
        }
    }

    private Dataset ReadCsv(string path)
    {
        if (Labels is not null)
        {
            Tensor features = DataFile.ReadFeatures(path, FileKind.Csv, Delimiter);
            if (features.Shape[1] == 1 && CsvDelimiter.Guess(path, Delimiter) is not null)
            {
                throw CsvDelimiter.OneColumn(path, Delimiter, "each sample has a single feature");
            }

            return MakeDataset(features, ReadLabels(Labels).Reshape(-1), path, Labels);
        }

        Dataset dataset = ReadCsvDataset(path);
        if (dataset.Features.Shape[1] == 0)
        {
            // Only the label column: a file separated by ';' read with ',' ends here, each whole line a "label".
            throw CsvDelimiter.OneColumn(path, Delimiter, "no feature columns remain beside the labels");
        }

        return dataset;
    }

    private Dataset ReadCsvDataset(string path)
    {
        string column = LabelColumn ?? "-1";
        if (int.TryParse(column, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index))
        {
            return CsvDelimiter.Read(path, Delimiter, () => Csv.ReadDataset(path, index, hasHeader: CsvShape.HasHeader(path, Delimiter), Delimiter));
        }

        if (!CsvShape.HasHeader(path, Delimiter))
        {
            if (CsvDelimiter.SeemsWrong(path, Delimiter))
            {
                throw CsvDelimiter.OneColumn(path, Delimiter, $"its header was not found to look up --label-column '{column}'");
            }

            throw new UsageException($"--label-column '{column}' names a column, but {path} has no header line; give the column's index instead (0-based, -1 = last)");
        }

        return CsvDelimiter.Read(path, Delimiter, () => Csv.ReadDataset(path, column, Delimiter));
    }

    private static Dataset MakeDataset(Tensor features, Tensor ids, string featuresPath, string labelsPath)
    {
        if (ids.Length != features.Shape[0])
        {
            throw new CliFailureException($"{labelsPath} holds {ids.Length} labels but {featuresPath} holds {features.Shape[0]} samples; give one label per sample");
        }

        float largest = ids.Length == 0 ? 0 : ids.ToArray().Max();
        if (!(largest >= 0) || largest > 65535)
        {
            throw new CliFailureException($"{labelsPath}: expected class ids 0, 1, 2, ...; found {largest}");
        }

        try
        {
            return new Dataset(features, ids, (int)largest + 1);
        }
        catch (ArgumentException e)
        {
            throw new CliFailureException($"{labelsPath}: {e.Message}", e);
        }
    }

    private static Tensor ReadLabels(string path) => DataFile.ReadLabels(RequireFile(path), DataFile.Detect(path));

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"Labels file not found: {path}", path);
}
