namespace LogitNet.Cli.Training;

/// <summary>History keys shown the Keras way: every accuracy metric as <c>accuracy</c>.</summary>
internal static class CurveNames
{
    public static string Display(string key) => key
        .Replace("sparse_categorical_accuracy", "accuracy", StringComparison.Ordinal)
        .Replace("categorical_accuracy", "accuracy", StringComparison.Ordinal)
        .Replace("binary_accuracy", "accuracy", StringComparison.Ordinal);

    /// <summary>The history key whose display name is <paramref name="display"/>, or null.</summary>
    public static string? Find(History history, string display) =>
        history.Keys.FirstOrDefault(k => Display(k) == display);
}
