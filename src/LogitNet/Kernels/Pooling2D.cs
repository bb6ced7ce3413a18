using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

/// <summary>
/// Max and average pooling over channels-last (NHWC) images, forward and backward. Global pooling is
/// the window that covers the whole image.
/// </summary>
/// <remarks>
/// <para>
/// Padding ("same") is never read: a window's maximum and mean are over its positions inside the image,
/// as in TensorFlow and ONNX (<c>count_include_pad = 0</c>), which Keras follows. Windows are scanned
/// row by row, left to right, so every output is bitwise the same in any batch and on any instruction set
/// (each step is one IEEE addition or maximum per channel).
/// </para>
/// <para>
/// The max backward pass gives each output's gradient to the first position of its window holding the
/// maximum (a NaN counts as the maximum, as it is what the forward pass returns), as TensorFlow and
/// PyTorch do; it finds that position again from the input and the output, so the forward pass keeps no
/// indices.
/// </para>
/// </remarks>
internal static class Pooling2D
{
    /// <summary>Y = the maximum of each window, per channel.</summary>
    /// <param name="g">The geometry (dilation 1).</param>
    /// <param name="input">[batch, H, W, C].</param>
    /// <param name="batch">The number of images.</param>
    /// <param name="output">[batch, OH, OW, C].</param>
    public static void MaxForward(in Window2D g, ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        int c = g.Channels;
        int outLength = g.OutputPixels * c;
        int width = Vector<float>.Count;

        // The window's positions after its first, as offsets from the first in row-by-row order: rebuilt only
        // when clipping at an edge changes the window's shape, so a pixel's inner loop is one list of loads
        // (nested loops with bounds that vary per pixel cost more than the maxima of a 2 × 2 window).
        int positions = g.KernelHeight * g.KernelWidth;
        Span<int> offsets = positions <= 1024 ? stackalloc int[positions] : OffsetBuffer(positions);
        int shapeRows = -1, shapeColumns = -1, count = 0;
        for (int b = 0; b < batch; b++)
        {
            // Every window position lies inside the image (padding is never read), so the loops below index the
            // image and its output row without further checks: the two slices bound them.
            ref float image = ref MemoryMarshal.GetReference(input.Slice(b * g.InputLength, g.InputLength));
            ref float result = ref MemoryMarshal.GetReference(output.Slice(b * outLength, outLength));
            for (int oy = 0, pixel = 0; oy < g.OutputHeight; oy++)
            {
                (int y0, int y1) = Rows(g, oy);
                for (int ox = 0; ox < g.OutputWidth; ox++, pixel++)
                {
                    (int x0, int x1) = Columns(g, ox);
                    if (y1 - y0 != shapeRows || x1 - x0 != shapeColumns)
                    {
                        (shapeRows, shapeColumns, count) = (y1 - y0, x1 - x0, 0);
                        for (int iy = 0; iy < shapeRows; iy++)
                        {
                            for (int ix = iy == 0 ? 1 : 0; ix < shapeColumns; ix++)
                            {
                                offsets[count++] = (iy * g.InputWidth + ix) * c;
                            }
                        }
                    }

                    nuint first = (nuint)((y0 * g.InputWidth + x0) * c);
                    ref float y = ref Unsafe.Add(ref result, pixel * c);
                    ref float window = ref Unsafe.Add(ref image, first);
                    int ch = 0;
                    for (; ch <= c - 4 * width; ch += 4 * width)
                    {
                        ref float at = ref Unsafe.Add(ref window, ch);
                        Vector<float> best0 = Vector.LoadUnsafe(ref at), best1 = Vector.LoadUnsafe(ref at, (nuint)width);
                        Vector<float> best2 = Vector.LoadUnsafe(ref at, (nuint)(2 * width)), best3 = Vector.LoadUnsafe(ref at, (nuint)(3 * width));
                        for (int t = 0; t < count; t++)
                        {
                            ref float x = ref Unsafe.Add(ref at, offsets[t]);
                            best0 = Larger(Vector.LoadUnsafe(ref x), best0);
                            best1 = Larger(Vector.LoadUnsafe(ref x, (nuint)width), best1);
                            best2 = Larger(Vector.LoadUnsafe(ref x, (nuint)(2 * width)), best2);
                            best3 = Larger(Vector.LoadUnsafe(ref x, (nuint)(3 * width)), best3);
                        }

                        best0.StoreUnsafe(ref y, (nuint)ch);
                        best1.StoreUnsafe(ref y, (nuint)(ch + width));
                        best2.StoreUnsafe(ref y, (nuint)(ch + 2 * width));
                        best3.StoreUnsafe(ref y, (nuint)(ch + 3 * width));
                    }

                    for (; ch <= c - width; ch += width)
                    {
                        ref float at = ref Unsafe.Add(ref window, ch);
                        Vector<float> best = Vector.LoadUnsafe(ref at);
                        for (int t = 0; t < count; t++)
                        {
                            best = Larger(Vector.LoadUnsafe(ref Unsafe.Add(ref at, offsets[t])), best);
                        }

                        best.StoreUnsafe(ref y, (nuint)ch);
                    }

                    for (; ch < c; ch++)
                    {
                        ref float at = ref Unsafe.Add(ref window, ch);
                        float best = at;
                        for (int t = 0; t < count; t++)
                        {
                            float x = Unsafe.Add(ref at, offsets[t]);
                            best = x > best || float.IsNaN(x) ? x : best;
                        }

                        Unsafe.Add(ref y, ch) = best;
                    }
                }
            }
        }
    }

    /// <summary>x where x is larger than <paramref name="best"/> or NaN (once the maximum is NaN nothing is larger, so NaN propagates), else best.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Larger(Vector<float> x, Vector<float> best) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, best) | ~Vector.Equals(x, x), x, best);

    /// <summary>dX: each output's gradient added at the first position of its window that holds the output's value.</summary>
    /// <param name="g">The geometry.</param>
    /// <param name="input">The forward pass's input.</param>
    /// <param name="output">The forward pass's output.</param>
    /// <param name="outputGradient">dL/dY.</param>
    /// <param name="batch">The number of images.</param>
    /// <param name="inputGradient">dL/dX; overwritten.</param>
    public static void MaxBackward(in Window2D g, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> outputGradient, int batch, Span<float> inputGradient)
    {
        int c = g.Channels;
        int outLength = g.OutputPixels * c;
        inputGradient[..(batch * g.InputLength)].Clear();
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> image = input.Slice(b * g.InputLength, g.InputLength);
            Span<float> imageGradient = inputGradient.Slice(b * g.InputLength, g.InputLength);
            ReadOnlySpan<float> result = output.Slice(b * outLength, outLength);
            ReadOnlySpan<float> resultGradient = outputGradient.Slice(b * outLength, outLength);
            for (int oy = 0, pixel = 0; oy < g.OutputHeight; oy++)
            {
                (int y0, int y1) = Rows(g, oy);
                for (int ox = 0; ox < g.OutputWidth; ox++, pixel++)
                {
                    (int x0, int x1) = Columns(g, ox);
                    int ch = 0;
                    for (; ch <= c - Vector<float>.Count; ch += Vector<float>.Count)
                    {
                        RouteVector(g, image, imageGradient, result, resultGradient, pixel * c + ch, ch, y0, y1, x0, x1);
                    }

                    for (; ch < c; ch++)
                    {
                        float max = result[pixel * c + ch];
                        int at = FirstPosition(g, image, y0, y1, x0, x1, ch, max);
                        imageGradient[at] += resultGradient[pixel * c + ch];
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="FirstPosition"/> for a vector of channels at once: each lane's gradient goes to the first
    /// window position holding its maximum (the same positions, and the same single addition, as the scalar path).
    /// </summary>
    private static void RouteVector(in Window2D g, ReadOnlySpan<float> image, Span<float> imageGradient,
        ReadOnlySpan<float> result, ReadOnlySpan<float> resultGradient, int outputIndex, int ch, int y0, int y1, int x0, int x1)
    {
        int c = g.Channels;
        var max = new Vector<float>(result.Slice(outputIndex, Vector<float>.Count));
        var gradient = new Vector<float>(resultGradient.Slice(outputIndex, Vector<float>.Count));
        Vector<int> maxIsNaN = ~Vector.Equals(max, max);
        Vector<int> pending = Vector<int>.AllBitsSet;
        for (int iy = y0; iy < y1; iy++)
        {
            for (int ix = x0; ix < x1; ix++)
            {
                int index = (iy * g.InputWidth + ix) * c + ch;
                var x = new Vector<float>(image.Slice(index, Vector<float>.Count));
                Vector<int> found = Vector.Equals(x, max) | (~Vector.Equals(x, x) & maxIsNaN);
                Vector<int> take = found & pending;
                if (take != Vector<int>.Zero)
                {
                    Span<float> target = imageGradient.Slice(index, Vector<float>.Count);
                    var current = new Vector<float>(target);
                    Vector.ConditionalSelect(Vector.AsVectorSingle(take), current + gradient, current).CopyTo(target);
                    pending &= ~found;
                    if (pending == Vector<int>.Zero)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Y = the mean of each window's positions inside the image, per channel.</summary>
    public static void AverageForward(in Window2D g, ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        int c = g.Channels;
        int outLength = g.OutputPixels * c;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> image = input.Slice(b * g.InputLength, g.InputLength);
            Span<float> result = output.Slice(b * outLength, outLength);
            for (int oy = 0, pixel = 0; oy < g.OutputHeight; oy++)
            {
                (int y0, int y1) = Rows(g, oy);
                for (int ox = 0; ox < g.OutputWidth; ox++, pixel++)
                {
                    (int x0, int x1) = Columns(g, ox);
                    Span<float> y = result.Slice(pixel * c, c);
                    image.Slice((y0 * g.InputWidth + x0) * c, c).CopyTo(y);
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                        {
                            TensorPrimitives.Add(y, image.Slice((iy * g.InputWidth + ix) * c, c), y);
                        }
                    }

                    TensorPrimitives.Divide(y, (float)((y1 - y0) * (x1 - x0)), y);
                }
            }
        }
    }

    /// <summary>dX: each output's gradient divided by its window's count and added at every position of the window inside the image.</summary>
    public static void AverageBackward(in Window2D g, ReadOnlySpan<float> outputGradient, int batch, Span<float> inputGradient)
    {
        int c = g.Channels;
        int outLength = g.OutputPixels * c;
        inputGradient[..(batch * g.InputLength)].Clear();
        // Wide channel counts share a per-thread buffer that only grows: a warm step allocates nothing.
        Span<float> share = c <= 1024 ? stackalloc float[c] : ShareBuffer(c);
        for (int b = 0; b < batch; b++)
        {
            Span<float> imageGradient = inputGradient.Slice(b * g.InputLength, g.InputLength);
            ReadOnlySpan<float> resultGradient = outputGradient.Slice(b * outLength, outLength);
            for (int oy = 0, pixel = 0; oy < g.OutputHeight; oy++)
            {
                (int y0, int y1) = Rows(g, oy);
                for (int ox = 0; ox < g.OutputWidth; ox++, pixel++)
                {
                    (int x0, int x1) = Columns(g, ox);
                    TensorPrimitives.Divide(resultGradient.Slice(pixel * c, c), (float)((y1 - y0) * (x1 - x0)), share);
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            Span<float> target = imageGradient.Slice((iy * g.InputWidth + ix) * c, c);
                            TensorPrimitives.Add(target, share, target);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The window's input rows [first, end) at output row <paramref name="oy"/>, padding excluded.</summary>
    private static (int First, int End) Rows(in Window2D g, int oy)
    {
        int start = oy * g.StrideHeight - g.PadTop;
        return (Math.Max(start, 0), Math.Min(start + g.KernelHeight, g.InputHeight));
    }

    /// <summary>The window's input columns [first, end) at output column <paramref name="ox"/>, padding excluded.</summary>
    private static (int First, int End) Columns(in Window2D g, int ox)
    {
        int start = ox * g.StrideWidth - g.PadLeft;
        return (Math.Max(start, 0), Math.Min(start + g.KernelWidth, g.InputWidth));
    }

    /// <summary>The index in the image of the first window position of channel <paramref name="ch"/> equal to <paramref name="max"/> (or NaN when it is NaN).</summary>
    private static int FirstPosition(in Window2D g, ReadOnlySpan<float> image, int y0, int y1, int x0, int x1, int ch, float max)
    {
        int c = g.Channels;
        bool nan = float.IsNaN(max);
        for (int iy = y0; iy < y1; iy++)
        {
            for (int ix = x0; ix < x1; ix++)
            {
                int index = (iy * g.InputWidth + ix) * c + ch;
                float v = image[index];
                if (v == max || (nan && float.IsNaN(v)))
                {
                    return index;
                }
            }
        }

        // Unreachable when output is the forward pass of input; the first position keeps the gradient's sum right.
        return (y0 * g.InputWidth + x0) * c + ch;
    }

    [ThreadStatic]
    private static int[]? t_offsets;

    [ThreadStatic]
    private static float[]? t_share;

    /// <summary>A window's offsets too many for the stack (a global pooling of a large image), kept per thread so a warm pass allocates nothing.</summary>
    private static Span<int> OffsetBuffer(int length)
    {
        if (t_offsets is null || t_offsets.Length < length)
        {
            t_offsets = new int[length];
        }

        return t_offsets.AsSpan(0, length);
    }

    private static Span<float> ShareBuffer(int length)
    {
        if (t_share is null || t_share.Length < length)
        {
            t_share = new float[length];
        }

        return t_share.AsSpan(0, length);
    }
}
