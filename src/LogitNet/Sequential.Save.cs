using System.IO.Compression;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Serialization;

namespace LogitNet;

public sealed partial class Sequential
{
    private const string ConfigEntry = "config.json";
    private const string WeightsEntry = "model.safetensors";

    /// <summary>The largest compression ratio deflate can reach; bounds what a small file may claim to hold.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>
    /// Saves the model to one file: a zip holding <c>config.json</c> (architecture, compile settings,
    /// LogitNet version) and <c>model.safetensors</c> (the weights, readable by other tools).
    /// </summary>
    /// <param name="path">The file to write; an existing file is replaced only once the new one is complete.</param>
    /// <remarks>
    /// The write is atomic: the model goes to a temporary file beside <paramref name="path"/>, which
    /// then replaces it, so a crash mid-save leaves the old file intact. Optimizer state (Adam's
    /// moments) is not saved: a loaded model predicts identically, and training resumes with fresh moments.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The model is not built (no weights yet).</exception>
    /// <exception cref="NotSupportedException">A layer, loss or optimizer is a custom type that cannot be described.</exception>
    /// <example><c>model.Save("digits.logitnet"); var again = Sequential.Load("digits.logitnet");</c></example>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BuildFromInputLayer())
        {
            throw new InvalidOperationException("Save needs a built model (it has no weights yet): fit it, call Build(inputShape), or start it with an Input layer.");
        }

        byte[] config = ModelConfig.Write(this);
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            using (Stream entry = zip.CreateEntry(ConfigEntry, CompressionLevel.Optimal).Open())
            {
                entry.Write(config);
            }

            // Stored, not deflated: float weights barely compress, and stored bytes can be read in place.
            using Stream weights = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open();
            SafeTensors.Write(weights, _parameters.Select(p => (p.Name, p.Value)).ToList());
        });
    }

    /// <summary>Loads a model saved by <see cref="Save"/>: architecture, weights, and compile settings if it was compiled.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model, built, with its weights; compiled if it was when saved. It predicts bitwise what the saved model did.</returns>
    /// <remarks>
    /// The file is treated as untrusted: nothing in it is executed, every size is checked against the
    /// bytes present before memory is allocated for it, and any fault is reported with the entry and
    /// byte offset.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a LogitNet model or is damaged; the message says where.</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"Not a LogitNet model file (not a zip archive): {e.Message}", path, innerException: e);
        }

        try
        {
            using (zip)
            {
                return LoadFrom(zip, path);
            }
        }
        catch (InvalidDataException e)
        {
            // The zip reader parses its directory and entries lazily, so damage can surface anywhere.
            throw new DataFormatException($"The archive is damaged: {e.Message}", path, innerException: e);
        }
    }

    private static Sequential LoadFrom(ZipArchive zip, string path)
    {
        {
            ZipArchiveEntry configEntry = RequireEntry(zip, ConfigEntry, path);
            ZipArchiveEntry weightsEntry = RequireEntry(zip, WeightsEntry, path);
            if (configEntry.Length > 1 << 20)
            {
                throw new DataFormatException($"config.json claims {configEntry.Length} bytes; a model config is a few KB (at most 1 MB).", path, ConfigEntry);
            }

            byte[] config = ReadEntry(configEntry, path);
            (Sequential model, int[] inputShape, long parameterBytes, Action<Sequential>? compile) = ModelConfig.Read(config, path);

            // Refuse before building: the architecture must not need more than the weights entry can hold.
            long justified = Math.Min(weightsEntry.Length, weightsEntry.CompressedLength * MaxDeflateRatio);
            if (parameterBytes > justified)
            {
                throw new DataFormatException(
                    $"The architecture needs {parameterBytes} bytes of weights, but {WeightsEntry} can hold at most {justified}.", path, ConfigEntry);
            }

            model.Build(inputShape);
            Dictionary<string, Tensor> weights;
            try
            {
                using Stream stream = weightsEntry.Open();
                weights = SafeTensors.Read(stream, weightsEntry.Length, path, WeightsEntry);
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException($"The weights entry is damaged: {e.Message}", path, WeightsEntry, innerException: e);
            }

            foreach (Parameter parameter in model._parameters)
            {
                if (!weights.Remove(parameter.Name, out Tensor? value))
                {
                    throw new DataFormatException($"The weights hold no tensor '{parameter.Name}', which the architecture needs.", path, WeightsEntry);
                }

                if (!value.ShapeSpan.SequenceEqual(parameter.Value.ShapeSpan))
                {
                    throw new DataFormatException(
                        $"Tensor '{parameter.Name}' has shape {ShapeText.Format(value.ShapeSpan)}; the architecture needs {ShapeText.Format(parameter.Value.ShapeSpan)}.", path, WeightsEntry);
                }

                value.AsSpan().CopyTo(parameter.Value.AsSpan());
            }

            if (weights.Count > 0)
            {
                throw new DataFormatException($"The weights hold tensors the architecture does not use: {string.Join(", ", weights.Keys)}.", path, WeightsEntry);
            }

            compile?.Invoke(model);
            model.Log = Console.Out;
            return model;
        }
    }

    /// <summary>
    /// Exports the model for inference as an ONNX file (opset 17): input <c>input</c> of shape
    /// [N, features] float32, output <c>output</c>, what <see cref="Predict"/> returns.
    /// </summary>
    /// <param name="path">The file to write (replaced atomically).</param>
    /// <remarks>
    /// Runs in ONNX Runtime and other ONNX tools. Dense layers become Gemm; Relu, LeakyRelu,
    /// Sigmoid, Tanh, Softmax and Elu their ONNX operators; GELU is spelled out with Erf; dropout is
    /// left out (it is the identity at inference). The input must be a flat feature vector per sample.
    /// <see cref="ClassNames"/>, when set, are written as the model's metadata <c>class_names</c>, a JSON
    /// array such as <c>["cat","dog","bird"]</c> (ONNX Runtime: <c>ModelMetadata.CustomMetadataMap</c>).
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The model is not built, or its input is not one flat axis of features.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping.</exception>
    /// <example><c>model.ExportOnnx("digits.onnx");</c></example>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BuildFromInputLayer())
        {
            throw new InvalidOperationException("ExportOnnx needs a built model: fit it, call Build(inputShape), or start it with an Input layer.");
        }

        if (_layers[0].InputShape.Length != 1)
        {
            throw new InvalidOperationException(
                $"ONNX export takes models whose samples are flat feature vectors; this one takes {ShapeText.Format(_layers[0].InputShape)}.");
        }

        byte[] onnx = OnnxExporter.Export(this);
        AtomicFile.Write(path, file => file.Write(onnx));
    }

    private static ZipArchiveEntry RequireEntry(ZipArchive zip, string name, string path) =>
        zip.GetEntry(name) ?? throw new DataFormatException(
            $"The archive has no '{name}' entry; a LogitNet model holds {ConfigEntry} and {WeightsEntry}.", path, name);

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        try
        {
            using Stream stream = entry.Open();
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
