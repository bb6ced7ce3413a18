namespace LogitNet.Kernels;

/// <summary>
/// The geometry of a window sliding over channels-last (NHWC) images: convolution and pooling share it.
/// Independent of the batch size.
/// </summary>
/// <remarks>
/// Output sizes and padding follow TensorFlow's rules, which Keras 3 uses on every backend:
/// "valid" keeps only windows inside the image, <c>out = ⌊(in − span) / stride⌋ + 1</c> with
/// <c>span = (kernel − 1)·dilation + 1</c>; "same" gives <c>out = ⌈in / stride⌉</c> and pads
/// <c>max((out − 1)·stride + span − in, 0)</c> rows, the smaller half on top (left) and the extra
/// one at the bottom (right).
/// </remarks>
internal readonly record struct Window2D
{
    public int InputHeight { get; init; }
    public int InputWidth { get; init; }
    public int Channels { get; init; }
    public int KernelHeight { get; init; }
    public int KernelWidth { get; init; }
    public int StrideHeight { get; init; }
    public int StrideWidth { get; init; }
    public int DilationHeight { get; init; }
    public int DilationWidth { get; init; }
    public int PadTop { get; init; }
    public int PadLeft { get; init; }
    public int OutputHeight { get; init; }
    public int OutputWidth { get; init; }

    /// <summary>Values per input sample: H·W·C.</summary>
    public int InputLength => InputHeight * InputWidth * Channels;

    /// <summary>Output positions per sample: OH·OW.</summary>
    public int OutputPixels => OutputHeight * OutputWidth;

    /// <summary>Values in one window over all channels: KH·KW·C (a row of the im2col matrix).</summary>
    public int PatchLength => KernelHeight * KernelWidth * Channels;

    /// <summary>Padding rows below the image (for "same": the larger half).</summary>
    public int PadBottom => Math.Max(0, (OutputHeight - 1) * StrideHeight + (KernelHeight - 1) * DilationHeight + 1 - InputHeight - PadTop);

    /// <summary>Padding columns right of the image.</summary>
    public int PadRight => Math.Max(0, (OutputWidth - 1) * StrideWidth + (KernelWidth - 1) * DilationWidth + 1 - InputWidth - PadLeft);

    /// <summary>The geometry for an input size, window, strides, dilation and padding rule.</summary>
    /// <returns>The geometry, or null when "valid" leaves no window (the dilated kernel is larger than the input).</returns>
    public static Window2D? Create(int inputHeight, int inputWidth, int channels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, bool same)
    {
        (int outH, int padTop) = Axis(inputHeight, kernelHeight, strideHeight, dilationHeight, same);
        (int outW, int padLeft) = Axis(inputWidth, kernelWidth, strideWidth, dilationWidth, same);
        if (outH <= 0 || outW <= 0)
        {
            return null;
        }

        return new Window2D
        {
            InputHeight = inputHeight,
            InputWidth = inputWidth,
            Channels = channels,
            KernelHeight = kernelHeight,
            KernelWidth = kernelWidth,
            StrideHeight = strideHeight,
            StrideWidth = strideWidth,
            DilationHeight = dilationHeight,
            DilationWidth = dilationWidth,
            PadTop = padTop,
            PadLeft = padLeft,
            OutputHeight = outH,
            OutputWidth = outW,
        };
    }

    /// <summary>Output size and leading padding along one axis.</summary>
    public static (int Output, int PadBefore) Axis(int input, int kernel, int stride, int dilation, bool same)
    {
        long span = (long)(kernel - 1) * dilation + 1;
        if (!same)
        {
            return input < span ? (0, 0) : ((int)((input - span) / stride + 1), 0);
        }

        int output = (int)(((long)input + stride - 1) / stride);
        long total = Math.Max(0, (long)(output - 1) * stride + span - input);
        return (output, (int)(total / 2));
    }
}
