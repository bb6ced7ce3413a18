using System.CommandLine;
using System.Globalization;

namespace LogitNet.Cli.Training;

/// <summary>
/// The <c>--input-shape</c> option: the shape of one sample, read the same way by every command. <c>train</c>
/// shapes its data with it; the commands that read a model file pass it as <see cref="LoadOptions.InputShape"/>
/// for a Keras model whose input leaves axes open (None).
/// </summary>
internal static class InputShapeArgument
{
    public static Option<string?> Create() => new("--input-shape")
    {
        Description = "For a Keras model whose input leaves axes open (None), such as a text model over sequences of any length: " +
            "the per-sample shape to build it for, sizes separated by commas or x (250, or 100,8). Only the open axes may differ from the file's shape.",
    };

    /// <summary>The load options the option's text asks for; null when it was not given.</summary>
    public static LoadOptions? Parse(string? text) => Sizes(text) is { } shape ? new LoadOptions { InputShape = shape } : null;

    /// <summary>
    /// The sizes an <c>--input-shape</c> text gives: whole numbers of at least 1 separated by commas or x, spaces
    /// around them ignored (<c>250</c>, <c>100,8</c>, <c>28x28x1</c>, <c>28X28x1</c>); null when the option was not given.
    /// </summary>
    /// <exception cref="UsageException">A part is empty, not a whole number, or below 1.</exception>
    public static int[]? Sizes(string? text)
    {
        if (text is null)
        {
            return null;
        }

        // HxWxC reads best for images, commas as Keras prints a shape (the library's messages suggest "--input-shape 100,8"):
        // both work on every command, so a shape copied from one command's help works on another.
        string[] parts = text.Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
            {
                throw new UsageException(
                    $"--input-shape '{text}': expected the shape of one sample (without the batch axis) as whole sizes of at least 1 separated by commas or x, such as 250, 100,8 or 28x28x1");
            }
        }

        return shape;
    }
}
