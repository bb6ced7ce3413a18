using System.IO.Compression;
using LogitNet.Data;

namespace LogitNet.Cli.Training;

/// <summary>
/// Tells the data file formats apart and reads samples' features, the one place where
/// <c>train</c>, <c>evaluate</c> and <c>predict</c> decide what a file holds and how it becomes
/// model input, so the three cannot disagree about a file.
/// </summary>
/// <remarks>
/// A binary file is told by its content, never by its name alone: NumPy's magic <c>93 'NUMPY'</c>
/// means <c>.npy</c>, two zero bytes IDX; gzip content (<c>1F 8B</c>) is decompressed just far
/// enough to read the same magic inside, so <c>x.npy.gz</c> and <c>images-idx3-ubyte.gz</c> are both
/// read whatever they are called, and gzip holding anything else is refused in one line. Other files
/// go by name: <c>.csv</c> and <c>.txt</c> are CSV.
/// </remarks>
internal static class DataFile
{
    /// <summary>What the tool reads, for error messages.</summary>
    public const string Supported = "a .csv, or a .npy or IDX file, plain or gzip-compressed (x.npy.gz, images-idx3-ubyte.gz)";

    /// <summary>
    /// Whether uint8 IDX values are divided by 255: the same for training and for predicting, or a
    /// model would see pixels 255 times larger than it learned on.
    /// </summary>
    public const bool NormalizeIdx = true;

    private static readonly byte[] s_npyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The format of an existing file, by its content where it has a magic number, else by its name.</summary>
    /// <exception cref="CliFailureException">The file is gzip-compressed but holds neither .npy nor IDX content, or its compression is damaged.</exception>
    public static FileKind Detect(string path)
    {
        Span<byte> head = stackalloc byte[6];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        int length = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool gzip = length >= 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (gzip)
        {
            file.Position = 0;
            using var inner = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            try
            {
                length = inner.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e)
            {
                throw new CliFailureException($"{path}: the gzip compression is damaged ({e.Message}); re-download or re-create the file", e);
            }
        }

        ReadOnlySpan<byte> content = head[..length];
        if (content.StartsWith(s_npyMagic))
        {
            return FileKind.Npy;
        }

        if (content.Length >= 2 && content[0] == 0 && content[1] == 0)
        {
            return FileKind.Idx;
        }

        if (gzip)
        {
            bool csvInside = ByName(Path.GetFileNameWithoutExtension(path)) == FileKind.Csv;   // data.csv.gz
            string csv = csvInside ? "; CSV is read uncompressed, so gunzip it first" : "";
            throw new CliFailureException(
                $"{path} is gzip-compressed but holds neither a NumPy .npy array nor an IDX file{csv}; logitnet reads {Supported}");
        }

        return ByName(path);
    }

    /// <summary>
    /// The format a file name suggests: for output files, and for telling a missing file from a
    /// misspelt built-in dataset name. <c>.npy.gz</c> is NumPy; other <c>.gz</c> names, IDX.
    /// </summary>
    public static FileKind ByName(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".txt", StringComparison.Ordinal))
        {
            return FileKind.Csv;
        }

        if (name.EndsWith(".npy", StringComparison.Ordinal) || name.EndsWith(".npy.gz", StringComparison.Ordinal))
        {
            return FileKind.Npy;
        }

        if (name.EndsWith(".idx", StringComparison.Ordinal) || name.Contains("-ubyte", StringComparison.Ordinal) ||
            name.Contains(".idx", StringComparison.Ordinal) || name.EndsWith(".gz", StringComparison.Ordinal))
        {
            return FileKind.Idx;
        }

        return FileKind.Unknown;
    }

    /// <summary>
    /// The samples' features in <paramref name="path"/>, read as <c>train</c> reads them: a CSV's
    /// columns (a header line skipped), a .npy array as stored, IDX samples flattened with uint8
    /// values divided by 255 (<see cref="Idx.ReadFeatures"/>, the rule <see cref="Idx.ReadDataset(string, string, bool, int?, long)"/> uses).
    /// </summary>
    public static Tensor ReadFeatures(string path, FileKind kind, char delimiter = ',') => kind switch
    {
        FileKind.Csv => CsvDelimiter.Read(path, delimiter, () => Csv.Read(path, hasHeader: CsvShape.HasHeader(path, delimiter), delimiter)),
        FileKind.Npy => Npy.Read(path),
        FileKind.Idx => Idx.ReadFeatures(path, NormalizeIdx),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected a known data file format."),
    };

    /// <summary>Samples of more than one axis as flat rows, as the Dense layers <c>train</c> builds take them.</summary>
    public static Tensor Flatten(Tensor features) =>
        features.Rank > 2 ? features.Reshape(features.Shape[0], -1) : features;

    /// <summary>
    /// The samples in the shape a model takes (<c>[n, 28, 28, 1]</c> from <c>[n, 784]</c>), each sample's values row-major;
    /// a usage error naming <paramref name="option"/> when the sizes do not match.
    /// </summary>
    public static Tensor ToSampleShape(Tensor features, int[] sampleShape, string option)
    {
        Tensor flat = Flatten(features.Rank == 1 ? features.Reshape(1, -1) : features);
        long values = sampleShape.Aggregate(1L, (p, d) => p * d);
        if (flat.Shape[1] != values)
        {
            throw new UsageException(
                $"{option} {string.Join('x', sampleShape)} holds {values} values per sample, but the data have {flat.Shape[1]}; the sizes must multiply to the number of features");
        }

        return flat.Reshape([flat.Shape[0], .. sampleShape]);
    }

    /// <summary>Class ids from a labels file: a .npy or an IDX array, else a CSV column (text, whatever its name).</summary>
    public static Tensor ReadLabels(string path, FileKind kind) => kind switch
    {
        FileKind.Npy => Npy.Read(path),
        FileKind.Idx => Idx.Read(path),
        _ => Csv.Read(path, hasHeader: CsvShape.HasHeader(path)),
    };
}
