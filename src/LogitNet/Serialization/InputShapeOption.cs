namespace LogitNet.Serialization;

/// <summary>
/// Applies <see cref="LoadOptions.InputShape"/> to the input shape a file declares, where an open
/// (Keras <c>None</c>) axis is null: fills the open axes, and refuses a shape that contradicts the file.
/// </summary>
internal static class InputShapeOption
{
    /// <summary>The size shown in the refusal's example for an open axis (a plausible padded text length).</summary>
    private const int ExampleSize = 100;

    /// <summary>
    /// The per-sample shape to build: <paramref name="declared"/> with its open axes taken from
    /// <paramref name="given"/>; <paramref name="declared"/> itself when nothing is given and nothing is open.
    /// </summary>
    /// <param name="declared">The file's per-sample input shape; null marks an open axis.</param>
    /// <param name="given">The caller's <see cref="LoadOptions.InputShape"/>, or null.</param>
    /// <param name="maxValues">The most values per sample the file's format allows.</param>
    /// <param name="file">The file, for messages.</param>
    /// <exception cref="NotSupportedException">An axis is open and no shape is given: the message says how to give one.</exception>
    /// <exception cref="ArgumentException">The given shape has another rank, contradicts a declared size, or has a size below 1.</exception>
    public static int[] Resolve(IReadOnlyList<int?> declared, IReadOnlyList<int>? given, long maxValues, string file)
    {
        int[] open = Enumerable.Range(0, declared.Count).Where(i => declared[i] is null).ToArray();
        if (given is null)
        {
            if (open.Length > 0)
            {
                throw new NotSupportedException(OpenAxesMessage(declared, open, file));
            }

            return declared.Select(d => d!.Value).ToArray();
        }

        if (given.Count != declared.Count)
        {
            throw new ArgumentException(
                $"LoadOptions.InputShape {Format(given)} has {given.Count} axes, but the file's model takes samples of shape {Format(declared)}, {declared.Count} {(declared.Count == 1 ? "axis" : "axes")} (sizes per sample, without the batch axis). ({file})",
                "options");
        }

        long values = 1;
        var shape = new int[given.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (given[i] < 1)
            {
                throw new ArgumentException($"LoadOptions.InputShape {Format(given)} has size {given[i]} on axis {i}; sizes are at least 1. ({file})", "options");
            }

            if (declared[i] is int known && known != given[i])
            {
                throw new ArgumentException(
                    $"LoadOptions.InputShape {Format(given)} says {given[i]} on axis {i}, but the file's model declares input shape {Format(declared)}: only its open (None) axes can be chosen. ({file})",
                    "options");
            }

            shape[i] = given[i];
            if ((values *= shape[i]) > maxValues)
            {
                throw new ArgumentException($"LoadOptions.InputShape {Format(given)} holds more than {maxValues} values per sample. ({file})", "options");
            }
        }

        return shape;
    }

    /// <summary>A per-sample shape as Keras prints it, open axes as None: <c>[None, 8]</c>.</summary>
    public static string Format<T>(IEnumerable<T> shape) => $"[{string.Join(", ", shape.Select(d => d?.ToString() ?? "None"))}]";

    /// <summary>The note <see cref="Sequential.LoadNotes"/> carries when open axes were filled.</summary>
    public static string? Note(IReadOnlyList<int?> declared, int[] shape)
    {
        int[] open = Enumerable.Range(0, declared.Count).Where(i => declared[i] is null).ToArray();
        return open.Length == 0 ? null :
            $"The file's input shape {Format(declared)} leaves {Axes(open)} open (None); the model was built for LoadOptions.InputShape {Format(shape)} and takes samples of exactly that shape (saving it writes that shape).";
    }

    private static string OpenAxesMessage(IReadOnlyList<int?> declared, int[] open, string file)
    {
        string example = string.Join(",", declared.Select(d => d ?? ExampleSize));
        return $"The model's input shape {Format(declared)} (per sample, without the batch axis) leaves {Axes(open)} open (None): Keras takes any size there, " +
            "LogitNet builds a model for one fixed shape. Load it with the shape your samples have, the open axes filled in: " +
            $"Sequential.Load(path, new LoadOptions {{ InputShape = [{example.Replace(",", ", ")}] }}), or --input-shape {example} with the logitnet command " +
            $"(for a text model, the length of its padded id sequences). ({file})";
    }

    private static string Axes(int[] open) => open.Length == 1 ? $"axis {open[0]}" : $"axes {string.Join(", ", open[..^1])} and {open[^1]}";
}
