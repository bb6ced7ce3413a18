using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// Checks and geometry shared by the 1-D (sequence) layers. A sequence <c>[steps, channels]</c> is laid out in
/// memory as the image <c>[1, steps, channels]</c>, so the 1-D layers run the 2-D kernels on a window of height 1.
/// </summary>
internal static class SequenceWindow
{
    public static void RequirePositive(int size, string argument)
    {
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(argument, size, $"Expected a positive {argument}.");
        }
    }

    /// <summary>Requires a [steps, channels] sample shape.</summary>
    public static void RequireSequence(string layer, int[] inputShape)
    {
        if (inputShape.Length != 2)
        {
            throw new ArgumentException(
                $"Layer '{layer}' takes channels-last sequences, samples of shape [steps, channels]; received samples of shape {ShapeText.Format(inputShape)}. Reshape a sequence of single values to [steps, 1].",
                nameof(inputShape));
        }
    }

    /// <summary>
    /// The window geometry for a [steps, channels] sample: "valid" and "same" as in 2-D along the steps axis;
    /// "causal" pads dilation·(kernel − 1) steps before the sequence and none after. Throws when "valid" leaves no window.
    /// </summary>
    public static Window2D Geometry(string layer, int[] inputShape, int window, int stride, int dilation, Padding padding, string windowWord)
    {
        RequireSequence(layer, inputShape);
        return Create(inputShape[0], inputShape[1], window, stride, dilation, padding)
            ?? throw new ArgumentException(
                $"Layer '{layer}': the {windowWord} {window} with dilation {dilation} spans {(long)(window - 1) * dilation + 1} steps, more than the input's {inputShape[0]}, so padding 'valid' leaves no output. Use Padding.Same (or Padding.Causal) or a smaller {windowWord}.",
                nameof(inputShape));
    }

    /// <summary>The geometry of a window over <paramref name="steps"/> steps, or null when "valid" leaves no window.</summary>
    public static Window2D? Create(int steps, int channels, int window, int stride, int dilation, Padding padding)
    {
        if (padding != Padding.Causal)
        {
            return Window2D.Create(1, steps, channels, 1, window, 1, stride, 1, dilation, padding == Padding.Same);
        }

        // Keras pads the left and then runs a "valid" convolution: the same output as a valid window over the
        // longer sequence, read from a padded start. The padding on the right comes out as 0.
        long pad = (long)(window - 1) * dilation;
        if (steps + pad > int.MaxValue)
        {
            return null;
        }

        Window2D? padded = Window2D.Create(1, (int)(steps + pad), channels, 1, window, 1, stride, 1, dilation, same: false);
        return padded is { } g ? g with { InputWidth = steps, PadLeft = (int)pad } : null;
    }
}
