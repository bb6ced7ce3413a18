using System.IO.Compression;
using LogitNet.Data;
using LogitNet.Serialization.Keras;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// What <see cref="Load"/> could not carry over from a Keras file, one sentence each: settings that
    /// only shape training (regularizers, constraints), metrics LogitNet does not have, and why the
    /// model is not compiled when it is not; and, for any loaded file, the warnings <see cref="Compile"/> gave
    /// (each starting <c>Warning:</c>), such as a linear output compiled with a probability loss. Empty for models
    /// built in code.
    /// </summary>
    /// <example><c>foreach (string note in model.LoadNotes) Console.WriteLine(note);</c></example>
    public IReadOnlyList<string> LoadNotes { get; internal set; } = [];

    /// <summary>
    /// Compiles a model being loaded, whose log goes nowhere yet: <c>Compile</c>'s warnings (a softmax squashed twice, a
    /// linear output read as probabilities) are kept in <paramref name="notes"/>, so a loaded file's user sees them too.
    /// </summary>
    internal static void CompileLoaded(Sequential model, Action<Sequential> compile, List<string> notes)
    {
        TextWriter log = model.Log;
        var captured = new StringWriter();
        model.Log = captured;
        try
        {
            compile(model);
        }
        finally
        {
            model.Log = log;
        }

        foreach (string line in captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("Warning:", StringComparison.Ordinal))
            {
                notes.Add(line);
            }
        }
    }

    /// <summary>Writes a Keras 3 <c>.keras</c> file when the name ends in <c>.keras</c>; false for any other name (LogitNet's format).</summary>
    private bool SavesAsKeras(string path, long versions)
    {
        if (!path.EndsWith(".keras", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        KerasWriter.Write(this, path, () => ExitInference(versions, nameof(Save)));
        return true;
    }

    /// <summary>Loads a Keras file when the content is one (HDF5, or a zip holding Keras's weights); null otherwise.</summary>
    private static Sequential? LoadKeras(string path, FileStream file, ZipArchive? zip, LoadOptions? options)
    {
        if (zip is not null)
        {
            return KerasModelLoader.IsKerasZip(zip) ? KerasModelLoader.LoadZip(path, zip, file.Length, options) : null;
        }

        Span<byte> head = stackalloc byte[8];
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return KerasModelLoader.Sniff(head[..read]) switch
        {
            KerasModelLoader.Kind.Hdf5 => KerasModelLoader.LoadHdf5(path, file, options),
            KerasModelLoader.Kind.Pickle => throw new DataFormatException(
                "A Python pickle (pickle.dump or joblib), not a model file LogitNet reads: pickles can run code when loaded, so they are never opened. Save the model from Keras with model.save(\"model.keras\").", path),
            _ => null,
        };
    }
}
