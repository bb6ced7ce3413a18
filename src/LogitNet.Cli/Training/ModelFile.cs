namespace LogitNet.Cli.Training;

internal static class ModelFile
{
    public static Sequential Load(string path)
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
            model = Sequential.Load(path);
        }
        finally
        {
            Console.SetOut(saved);
        }

        model.Log = Console.Out;
        return model;
    }
}
