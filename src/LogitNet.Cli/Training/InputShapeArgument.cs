using System.CommandLine;
using System.Globalization;

namespace LogitNet.Cli.Training;

/// <summary>
/// The <c>--input-shape</c> option of the commands that read a model file: the per-sample shape for a
/// Keras model whose input leaves axes open (None), passed as <see cref="LoadOptions.InputShape"/>.
/// </summary>
internal static class InputShapeArgument
{
    public static Option<string?> Create() => new("--input-shape")
    {
        Description = "For a Keras model whose input leaves axes open (None), such as a text model over sequences of any length: " +
            "the per-sample shape to build it for, sizes separated by commas (250, or 100,8). Only the open axes may differ from the file's shape.",
    };

    /// <summary>The load options the option's text asks for; null when it was not given.</summary>
    public static LoadOptions? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
            {
                throw new UsageException($"--input-shape '{text}': expected whole sizes of at least 1 separated by commas, such as 250 or 100,8 (the shape of one sample, without the batch axis)");
            }
        }

        return new LoadOptions { InputShape = shape };
    }
}
