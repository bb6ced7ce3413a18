using System.IO.Compression;
using System.Text;
using System.Text.Json;
using LogitNet.Data;
using PureHDF;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// Loads Keras model files into a <see cref="Sequential"/>: <c>.keras</c> zips (Keras 3, tf.keras
/// 2.13–2.15) and legacy HDF5 full-model files (Keras 2.x and 3.x), told apart by their content.
/// </summary>
/// <remarks>
/// The file is untrusted: it is read into memory once (its size is what the disk holds, or what a
/// zip entry can hold at deflate's largest ratio), the config is parsed with a bounded depth, the
/// parameter count it implies is checked against the bytes present before any layer is built, and
/// every weight's shape and type are checked before its data is read.
/// </remarks>
internal static class KerasModelLoader
{
    /// <summary>What the first bytes of a file say it is.</summary>
    public enum Kind
    {
        /// <summary>A zip: a LogitNet model or a <c>.keras</c> file (its entries decide).</summary>
        Zip,

        /// <summary>HDF5: a legacy Keras file.</summary>
        Hdf5,

        /// <summary>A Python pickle (joblib, pickle.dump), which can run code when loaded.</summary>
        Pickle,

        /// <summary>Anything else.</summary>
        Other,
    }

    /// <summary>The largest HDF5 content read (PureHDF reads from one array; .NET arrays stop near 2 GB).</summary>
    public const long MaxHdf5Bytes = int.MaxValue - 4096;

    private const int MaxConfigBytes = 64 << 20;

    public static Kind Sniff(ReadOnlySpan<byte> head)
    {
        if (KerasHdf5.HasSignature(head))
        {
            return Kind.Hdf5;
        }

        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] is 3 or 5 && head[3] is 4 or 6)
        {
            return Kind.Zip;
        }

        // Protocol 2+ pickles start with PROTO (0x80) and the protocol number.
        return head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5 ? Kind.Pickle : Kind.Other;
    }

    /// <summary>Whether an opened zip is a Keras file (it holds the Keras weights entry, and no LogitNet weights).</summary>
    public static bool IsKerasZip(ZipArchive zip) => zip.GetEntry("model.weights.h5") is not null && zip.GetEntry("model.safetensors") is null;

    public static Sequential LoadHdf5(string path, Stream file, LoadOptions? options)
    {
        if (file.Length > MaxHdf5Bytes)
        {
            throw new NotSupportedException($"The file is {file.Length} bytes; LogitNet reads Keras HDF5 files up to {MaxHdf5Bytes} bytes. ({path})");
        }

        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        IH5Group root = KerasHdf5.Open(bytes, path, null);
        string? config = KerasHdf5.StringAttribute(root, "model_config", path, "model_config");
        if (config is null)
        {
            bool weightsOnly = KerasHdf5.HasAttribute(root, "layer_names", path, null)
                || KerasHdf5.Child(root, "layers", path, null) is not null
                || KerasHdf5.Child(root, "model_weights", path, null) is not null;
            throw new DataFormatException(weightsOnly
                ? "The file holds only weights (written by save_weights): it has no model config, so it holds no architecture to build. Load the full model file that model.save wrote, or build the model in code and copy the weights."
                : "An HDF5 file, but not a Keras model: it has no 'model_config' attribute.", path);
        }

        string version = KerasHdf5.StringAttribute(root, "keras_version", path, "keras_version") ?? "";
        using JsonDocument document = KerasModelConfig.Parse(Encoding.UTF8.GetBytes(config), path, "model_config");
        string? training = KerasHdf5.StringAttribute(root, "training_config", path, "training_config");
        bool keras2 = !version.StartsWith('3');
        return Load(document.RootElement, keras2, path, "model_config", bytes.Length, options,
            (model, bindings) =>
            {
                var weights = new KerasLegacyWeights(root, path);
                foreach (KerasModelBuilder.Binding binding in bindings)
                {
                    weights.Fill(binding);
                }

                weights.CheckAllUsed();
            },
            training is null ? null : () => KerasModelConfig.Parse(Encoding.UTF8.GetBytes(training), path, "training_config"));
    }

    public static Sequential LoadZip(string path, ZipArchive zip, long archiveLength, LoadOptions? options)
    {
        ZipArchiveEntry configEntry = zip.GetEntry("config.json")
            ?? throw new DataFormatException("The archive holds Keras weights (model.weights.h5) but no config.json: it holds no architecture (a weights-only save). Load the .keras file that model.save wrote.", path);
        ZipArchiveEntry weightsEntry = zip.GetEntry("model.weights.h5")!;
        byte[] config = ReadEntry(configEntry, MaxConfigBytes, path, archiveLength);
        string version = "";
        string[]? classNames = null;
        if (zip.GetEntry("metadata.json") is { } metadataEntry)
        {
            using JsonDocument metadata = KerasModelConfig.Parse(ReadEntry(metadataEntry, 1 << 20, path, archiveLength), path, "metadata.json");
            if (KerasModelBuilder.Optional(metadata.RootElement, "keras_version") is { ValueKind: JsonValueKind.String } v)
            {
                version = v.GetString()!;
            }

            if (KerasModelBuilder.Optional(metadata.RootElement, "logitnet_class_names") is { ValueKind: JsonValueKind.Array } names)
            {
                classNames = names.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? n.GetString()! :
                    throw new DataFormatException("metadata.json's logitnet_class_names holds a value that is not a string.", path, "metadata.json")).ToArray();
            }
        }

        byte[] weightsBytes = ReadEntry(weightsEntry, MaxHdf5Bytes, path, archiveLength);
        using JsonDocument document = KerasModelConfig.Parse(config, path, "config.json");
        JsonElement root = document.RootElement;
        bool keras2 = version.StartsWith('2');
        JsonElement? compile = KerasModelBuilder.Optional(root, "compile_config");
        Sequential model = Load(root, keras2, path, "config.json", weightsBytes.Length, options,
            (model, bindings) =>
            {
                IH5Group h5 = KerasHdf5.Open(weightsBytes, path, "model.weights.h5");
                var weights = new KerasV3Weights(h5, model, path);
                foreach (KerasModelBuilder.Binding binding in bindings)
                {
                    weights.Fill(binding);
                }
            },
            compile is null ? null : () => JsonDocument.Parse(compile.Value.GetRawText()));
        if (classNames is not null)
        {
            try
            {
                model.ClassNames = classNames;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new DataFormatException($"metadata.json's logitnet_class_names do not fit the model: {e.Message}", path, "metadata.json", innerException: e);
            }
        }

        return model;
    }

    private static Sequential Load(JsonElement root, bool keras2, string path, string entry, long weightBytes, LoadOptions? options,
        Action<KerasLayerNode, IReadOnlyList<KerasModelBuilder.Binding>> fill, Func<JsonDocument>? compileConfig)
    {
        KerasLayerNode model = KerasModelConfig.ReadModel(root, path, entry);
        int[] inputShape = KerasModelConfig.InputShape(root, model, path, entry, options?.InputShape, out string? shapeNote);
        KerasModelBuilder.Result result;
        try
        {
            result = KerasModelBuilder.Build(model, inputShape, keras2, path, entry);
        }
        catch (KerasShapeMisfitException e)
        {
            // A "valid" window longer than its input: with open axes the caller chose that length, not the file.
            throw shapeNote is null ? e.Refusal : new ArgumentException(
                $"The model cannot be built for LoadOptions.InputShape {InputShapeOption.Format(inputShape)}: {e.Refusal.Message} Give a longer size for the open axes.", "options", e.Refusal);
        }

        if (result.ParameterCount * sizeof(float) > weightBytes)
        {
            var tooMany = new DataFormatException(
                $"The model config implies {result.ParameterCount} weights ({result.ParameterCount * sizeof(float)} bytes), more than the file's {weightBytes} bytes of weights can hold.", path, entry);
            throw shapeNote is null ? tooMany : OpenAxesMisfit(inputShape, tooMany);
        }

        Sequential sequential = result.Model;
        sequential.Build(inputShape);
        try
        {
            fill(model, result.Bindings);
        }
        catch (KerasShapeMisfitException e)
        {
            throw shapeNote is null ? e.Refusal : OpenAxesMisfit(inputShape, e.Refusal);
        }

        var notes = new List<string>(result.Notes);
        if (shapeNote is not null)
        {
            notes.Add(shapeNote);
        }

        if (compileConfig is not null)
        {
            using JsonDocument compile = compileConfig();
            if (KerasCompileConfig.Read(compile.RootElement, keras2, notes) is var (loss, optimizer, metrics, weightedMetrics))
            {
                Sequential.CompileLoaded(sequential, model => model.Compile(loss, optimizer, metrics, weightedMetrics), notes);
            }
        }

        sequential.Log = Console.Out;
        sequential.LoadNotes = notes;
        return sequential;
    }

    /// <summary>
    /// The caller's sizes for the open axes decide the shape of a later weight (a Flatten before a
    /// Dense), and the file's weights were trained for other sizes: the choice is at fault, not the file.
    /// </summary>
    private static ArgumentException OpenAxesMisfit(int[] inputShape, DataFormatException misfit) => new(
        $"The model built for LoadOptions.InputShape {InputShapeOption.Format(inputShape)} does not fit the file's weights: {misfit.Message} " +
        "A layer after the open axes has weights sized by them (such as a Dense after a Flatten), so only the sizes the model was trained with load.",
        "options", misfit);

    /// <summary>Reads a whole entry, its size bounded by what the archive on disk can hold and its CRC-32 checked as it is read.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, string path, long archiveLength)
    {
        long justified = Math.Min(limit, VerifiedZipEntry.MostContent(entry, archiveLength));
        if (entry.Length > justified)
        {
            throw new DataFormatException($"{entry.FullName} claims {entry.Length} bytes; at most {justified} are read from it.", path, entry.FullName);
        }

        try
        {
            using Stream stream = VerifiedZipEntry.Open(entry, path);
            var bytes = new byte[entry.Length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n == 0)
                {
                    throw new DataFormatException($"{entry.FullName} ends after {read} of its {bytes.Length} bytes.", path, entry.FullName, read);
                }

                read += n;
            }

            return bytes;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{entry.FullName} is damaged: {e.Message}", path, entry.FullName, innerException: e);
        }
    }
}
