namespace LogitNet.Serialization;

/// <summary>
/// The bound on a loaded convolution's im2col matrix, shared by LogitNet's own format and the Keras import.
/// </summary>
/// <remarks>
/// Conv1D and Conv2D run as a product with the im2col matrix: one row per output position, one column per
/// window value (kernel height × width × input channels), allocated per sample at the first Predict or Fit.
/// A crafted file can ask for terabytes of it with a few bytes of weights (a small kernel over a large input,
/// or a kernel larger than its input under "same"), so both loaders refuse such a layer while reading its
/// config, before anything is allocated, instead of running out of memory later. Models built in code are
/// not bounded: their sizes are the caller's own choice.
/// </remarks>
internal static class Im2colBound
{
    /// <summary>The most im2col values per sample a loaded convolution may need (2^28; VGG's largest layer needs 2^24).</summary>
    public const long MaxValues = 1L << 28;

    /// <summary>
    /// The refusal of a <paramref name="kind"/> layer whose im2col matrix would exceed <see cref="MaxValues"/>,
    /// or null when it fits. Give <paramref name="patch"/> as a long product of the sizes: it may not fit an int.
    /// </summary>
    /// <param name="positions">Output positions per sample (the matrix's rows).</param>
    /// <param name="patch">Window values per position (its columns).</param>
    /// <param name="kind">The layer's class, <c>Conv1D</c> or <c>Conv2D</c>.</param>
    /// <param name="name">The layer's name.</param>
    public static string? Excess(long positions, long patch, string kind, string name) =>
        patch > MaxValues || positions * patch > MaxValues
            ? $"{kind} layer '{name}' would need {positions} × {patch} values per sample for its im2col matrix (positions × window values), more than {MaxValues}."
            : null;
}
