using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>Checks shared by the convolution and pooling layers: their window arguments and input shapes.</summary>
internal static class WindowArguments
{
    public static void RequirePositive((int Height, int Width) size, string argument)
    {
        if (size.Height <= 0 || size.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(argument, size, $"Expected positive sizes (height, width) for {argument}.");
        }
    }

    public static void RequireDefined(Padding padding)
    {
        if (padding is not (Padding.Valid or Padding.Same))
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                padding == Padding.Causal
                    ? "Padding.Causal pads the start of a sequence and applies to Conv1D only; use Padding.Valid or Padding.Same here."
                    : "Expected Padding.Valid or Padding.Same.");
        }
    }

    /// <summary>Requires a [height, width, channels] sample shape.</summary>
    public static void RequireImage(string layer, int[] inputShape)
    {
        if (inputShape.Length != 3)
        {
            throw new ArgumentException(
                $"Layer '{layer}' takes channels-last images, samples of shape [height, width, channels]; received samples of shape {ShapeText.Format(inputShape)}. Reshape grey-scale images to [height, width, 1].",
                nameof(inputShape));
        }
    }

    /// <summary>The window geometry for an image sample shape, or an exception when "valid" leaves no window.</summary>
    public static Window2D Geometry(string layer, int[] inputShape, (int Height, int Width) window, (int Height, int Width) strides,
        (int Height, int Width) dilation, Padding padding, string windowWord)
    {
        RequireImage(layer, inputShape);
        return Window2D.Create(inputShape[0], inputShape[1], inputShape[2], window.Height, window.Width,
                strides.Height, strides.Width, dilation.Height, dilation.Width, padding == Padding.Same)
            ?? throw new ArgumentException(
                $"Layer '{layer}': the {windowWord} ({window.Height}, {window.Width}) with dilation ({dilation.Height}, {dilation.Width}) is larger than the input's {inputShape[0]} × {inputShape[1]}, so padding 'valid' leaves no output. Use Padding.Same or a smaller {windowWord}.",
                nameof(inputShape));
    }
}
