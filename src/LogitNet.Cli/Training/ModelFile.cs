namespace LogitNet.Cli.Training;

internal static class ModelFile
{
    /// <summary>Loads a model file (LogitNet's or Keras's) with stdout kept for results; <paramref name="options"/> from <c>--input-shape</c>.</summary>
    public static Sequential Load(string path, LoadOptions? options = null)
    {
        if (Directory.Exists(path))
        {
            // TF Serving serves a SavedModel folder (MODEL/1/saved_model.pb): a user coming from it may pass one. "File not
            // found" for a folder that exists sends them looking in the wrong place.
            throw new CliFailureException($"{path} is a folder, not a model file; logitnet reads one file: a LogitNet model (train --output), " +
                $"a Keras .keras or an .h5 file{(HoldsSavedModel(path) ? SavedModelHint : "")}");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file not found: {path}", path);
        }

        if (Path.GetExtension(path).Equals(".pb", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliFailureException($"{path}: a TensorFlow graph or SavedModel file (.pb), which logitnet does not read{SavedModelHint}");
        }

        // Loading re-compiles the model, which may print a note about a fused softmax; keep stdout for results.
        TextWriter saved = Console.Out;
        Sequential model;
        try
        {
            Console.SetOut(TextWriter.Null);
            model = Sequential.Load(path, options);
        }
        catch (ArgumentException e) when (options?.InputShape is { } shape && e.ParamName == "options")
        {
            // The shape given contradicts the file: the command line is at fault, so it is a usage error.
            throw new UsageException($"--input-shape {string.Join(",", shape)}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
        }
        finally
        {
            Console.SetOut(saved);
        }

        model.Log = Console.Out;
        return model;
    }

    private const string SavedModelHint =
        "; a TensorFlow SavedModel is not read: in TensorFlow, save the model as a Keras file (model.save('model.keras')) and pass that file";

    /// <summary>Whether <paramref name="folder"/> holds a SavedModel, itself or in a version folder as TF Serving lays them out (<c>NAME/1/</c>).</summary>
    private static bool HoldsSavedModel(string folder)
    {
        try
        {
            return File.Exists(Path.Combine(folder, "saved_model.pb"))
                || Directory.EnumerateDirectories(folder).Any(version => File.Exists(Path.Combine(version, "saved_model.pb")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
