namespace LogitNet.Cli.Training;

internal static class ModelFile
{
    /// <summary>Loads a model file (LogitNet's or Keras's) with stdout kept for results; <paramref name="options"/> from <c>--input-shape</c>.</summary>
    public static Sequential Load(string path, LoadOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file not found: {path}", path);
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
}
