using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

/// <summary>
/// Depthwise 2-D convolution on channels-last images: each input channel c has its own <c>M</c> filters, output
/// channel <c>k = c·M + m</c> (TensorFlow's and Keras's order), kernel <c>[kh, kw, C, M]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Direct loops, vectorised over the channels. With a depth multiplier above 1 the input is first expanded to
/// <c>C·M</c> channels (each channel repeated M times) so every pass is one multiply-add per output channel.
/// </para>
/// <para>
/// Every sum runs in a fixed order (the bias, then the taps row by row; gradients over samples, then output
/// pixels) with a separate multiply and add (never a fused multiply-add), so the vector lanes and
/// the scalar tail round alike: the same bits on every instruction set. Each call runs on the calling thread;
/// <c>Layers/DepthwiseConv2DPasses</c> cuts a batch into calls by samples (forward, input gradient) and by
/// channels (kernel and bias gradients), cuts that change no bit.
/// </para>
/// </remarks>
internal static class DepthwiseConvolution2D
{
    /// <summary>Repeats each of the C channels of <paramref name="x"/> M times: <c>xe[..., c·M + m] = x[..., c]</c>.</summary>
    public static void Expand(ReadOnlySpan<float> x, Span<float> expanded, int channels, int multiplier)
    {
        int pixels = x.Length / channels;
        for (int p = 0; p < pixels; p++)
        {
            ReadOnlySpan<float> source = x.Slice(p * channels, channels);
            Span<float> target = expanded.Slice(p * channels * multiplier, channels * multiplier);
            for (int c = 0; c < channels; c++)
            {
                target.Slice(c * multiplier, multiplier).Fill(source[c]);
            }
        }
    }

    /// <summary>The adjoint of <see cref="Expand"/>: <c>dx[..., c] = Σ_m dxe[..., c·M + m]</c>, m in order.</summary>
    public static void Reduce(ReadOnlySpan<float> expanded, Span<float> x, int channels, int multiplier)
    {
        int pixels = x.Length / channels;
        for (int p = 0; p < pixels; p++)
        {
            ReadOnlySpan<float> source = expanded.Slice(p * channels * multiplier, channels * multiplier);
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                for (int m = 0; m < multiplier; m++)
                {
                    sum += source[c * multiplier + m];
                }

                x[p * channels + c] = sum;
            }
        }
    }

    /// <summary>
    /// <c>y[n, oy, ox, k] = b[k] + Σ_(ky, kx) xe[n, iy, ix, k]·w[ky, kx, k]</c> over the taps inside the image;
    /// <paramref name="g"/> is the geometry of the expanded input (its Channels = K).
    /// </summary>
    /// <remarks>
    /// Each output pixel's channels are taken in blocks of four vectors whose sums stay in registers across all
    /// the taps, then single vectors, then one channel at a time; every path adds the bias first and then the
    /// taps in row order, a product rounded before each sum, so the blocking never changes a bit.
    /// </remarks>
    public static void Forward(in Window2D g, int batch, ReadOnlySpan<float> xe, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int k = g.Channels;
        bool vectors = Vector.IsHardwareAccelerated;
        int width = Vector<float>.Count;
        ref float x0 = ref MemoryMarshal.GetReference(xe);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        bool hasBias = !bias.IsEmpty;
        // Bounds checked once here: every offset below stays inside these spans.
        if (xe.Length < batch * g.InputLength || w.Length < g.KernelHeight * g.KernelWidth * k || y.Length < batch * g.OutputPixels * k
            || (hasBias && bias.Length < k))
        {
            throw new ArgumentException("Spans shorter than the geometry needs.");
        }

        ref float b0 = ref MemoryMarshal.GetReference(bias);
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    var taps = new Taps(g, n, oy, ox);
                    int outputOffset = (((n * g.OutputHeight) + oy) * g.OutputWidth + ox) * k;
                    int c = 0;
                    for (; vectors && c + 4 * width <= k; c += 4 * width)
                    {
                        Vector<float> a0 = hasBias ? Vector.LoadUnsafe(ref b0, (nuint)c) : Vector<float>.Zero;
                        Vector<float> a1 = hasBias ? Vector.LoadUnsafe(ref b0, (nuint)(c + width)) : Vector<float>.Zero;
                        Vector<float> a2 = hasBias ? Vector.LoadUnsafe(ref b0, (nuint)(c + 2 * width)) : Vector<float>.Zero;
                        Vector<float> a3 = hasBias ? Vector.LoadUnsafe(ref b0, (nuint)(c + 3 * width)) : Vector<float>.Zero;
                        foreach ((int input, int weight) in taps)
                        {
                            nuint xi = (nuint)(input + c), wi = (nuint)(weight + c);
                            Vector<float> p0 = Vector.LoadUnsafe(ref x0, xi) * Vector.LoadUnsafe(ref w0, wi);
                            Vector<float> p1 = Vector.LoadUnsafe(ref x0, xi + (nuint)width) * Vector.LoadUnsafe(ref w0, wi + (nuint)width);
                            Vector<float> p2 = Vector.LoadUnsafe(ref x0, xi + (nuint)(2 * width)) * Vector.LoadUnsafe(ref w0, wi + (nuint)(2 * width));
                            Vector<float> p3 = Vector.LoadUnsafe(ref x0, xi + (nuint)(3 * width)) * Vector.LoadUnsafe(ref w0, wi + (nuint)(3 * width));
                            a0 += p0;
                            a1 += p1;
                            a2 += p2;
                            a3 += p3;
                        }

                        a0.StoreUnsafe(ref y0, (nuint)(outputOffset + c));
                        a1.StoreUnsafe(ref y0, (nuint)(outputOffset + c + width));
                        a2.StoreUnsafe(ref y0, (nuint)(outputOffset + c + 2 * width));
                        a3.StoreUnsafe(ref y0, (nuint)(outputOffset + c + 3 * width));
                    }

                    for (; vectors && c + width <= k; c += width)
                    {
                        Vector<float> a = hasBias ? Vector.LoadUnsafe(ref b0, (nuint)c) : Vector<float>.Zero;
                        foreach ((int input, int weight) in taps)
                        {
                            Vector<float> p = Vector.LoadUnsafe(ref x0, (nuint)(input + c)) * Vector.LoadUnsafe(ref w0, (nuint)(weight + c));
                            a += p;
                        }

                        a.StoreUnsafe(ref y0, (nuint)(outputOffset + c));
                    }

                    for (; c < k; c++)
                    {
                        float a = hasBias ? bias[c] : 0f;
                        foreach ((int input, int weight) in taps)
                        {
                            float p = xe[input + c] * w[weight + c];
                            a += p;
                        }

                        y[outputOffset + c] = a;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Channels <c>[first, end)</c> of the kernel's gradient <c>dw[ky, kx, k] = Σ_(n, oy, ox) dz[n, oy, ox, k]·xe[n, iy, ix, k]</c>
    /// (overwritten), and of the bias's <c>db[k] = Σ dz[..., k]</c> when <paramref name="biasGradient"/> is not empty.
    /// </summary>
    /// <remarks>
    /// Every entry sums over samples, then output pixels in row order, from +0, a product rounded before each sum:
    /// entries share nothing, so a cut by channels (one thread per block of channels) changes no bit. Per sample
    /// output row and tap, the output pixels whose tap falls inside the image form a run; blocks of four, two and one
    /// vectors of channels keep their sums in registers along it, so the inner loop is a load of each operand,
    /// a multiply and an add.
    /// </remarks>
    public static void BackwardKernel(in Window2D g, int batch, ReadOnlySpan<float> xe, ReadOnlySpan<float> dz, Span<float> kernelGradient,
        Span<float> biasGradient, int first, int end)
    {
        int k = g.Channels;
        int taps = g.KernelHeight * g.KernelWidth;
        bool hasBias = !biasGradient.IsEmpty;
        // Bounds checked once here: every offset below stays inside these spans.
        if (first < 0 || end > k || first > end || xe.Length < batch * g.InputLength || dz.Length < batch * g.OutputPixels * k
            || kernelGradient.Length < taps * k || (hasBias && biasGradient.Length < k))
        {
            throw new ArgumentException("Spans shorter than the geometry needs, or channels outside it.");
        }

        for (int tap = 0; tap < taps; tap++)
        {
            kernelGradient.Slice(tap * k + first, end - first).Clear();
        }

        if (hasBias)
        {
            biasGradient[first..end].Clear();
        }

        // Per kernel column, the outputs [first, end) of a row whose tap reads inside the image (the same on every row).
        Span<int> columnRanges = g.KernelWidth <= 256 ? stackalloc int[2 * g.KernelWidth] : new int[2 * g.KernelWidth];
        for (int kx = 0; kx < g.KernelWidth; kx++)
        {
            (columnRanges[2 * kx], columnRanges[2 * kx + 1]) = OutputsInside(kx * g.DilationWidth - g.PadLeft, g.StrideWidth, g.InputWidth, g.OutputWidth);
        }

        ref float x0 = ref MemoryMarshal.GetReference(xe);
        ref float dz0 = ref MemoryMarshal.GetReference(dz);
        ref float dw0 = ref MemoryMarshal.GetReference(kernelGradient);
        ref float db0 = ref MemoryMarshal.GetReference(biasGradient);
        for (int n = 0; n < batch; n++)
        {
            int sampleOutput = n * g.OutputPixels * k;
            if (hasBias)
            {
                // The bias's rectangle is every pixel, one row of OutputPixels: the same walk as a tap's.
                SumRectangle(ref dz0, ref dz0, ref db0, 0, sampleOutput, 0, 1, g.OutputPixels, 0, 0, 0, k, first, end, bias: true);
            }

            // Output row by output row, so a row's taps read a few input rows still in the core's cache (tap by tap
            // over the whole sample re-read an image larger than the L2 once per tap).
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = oy * g.StrideHeight + ky * g.DilationHeight - g.PadTop;
                    if (iy < 0 || iy >= g.InputHeight)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ox0 = columnRanges[2 * kx], ox1 = columnRanges[2 * kx + 1];
                        if (ox0 >= ox1)
                        {
                            continue;
                        }

                        int ix0 = ox0 * g.StrideWidth + kx * g.DilationWidth - g.PadLeft;
                        int input = ((n * g.InputHeight + iy) * g.InputWidth + ix0) * k;
                        int output = sampleOutput + (oy * g.OutputWidth + ox0) * k;
                        SumRectangle(ref x0, ref dz0, ref dw0, input, output, (ky * g.KernelWidth + kx) * k, 1, ox1 - ox0,
                            0, g.StrideWidth * k, 0, k, first, end, bias: false);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>acc[c] += Σ_(rows, columns) x[input + ..., c]·dz[output + ..., c]</c> for c in [first, end), rows then columns in
    /// order; with <paramref name="bias"/>, <c>acc[c] += Σ dz[output + ..., c]</c> (x unread).
    /// </summary>
    private static void SumRectangle(ref float x0, ref float dz0, ref float acc0, int input, int output, int target, int rows, int columns,
        int inputRowStep, int inputColumnStep, int outputRowStep, int outputColumnStep, int first, int end, bool bias)
    {
        bool vectors = Vector.IsHardwareAccelerated;
        int width = Vector<float>.Count;
        int c = first;
        for (; vectors && c + 4 * width <= end; c += 4 * width)
        {
            nuint t = (nuint)(target + c);
            Vector<float> a0 = Vector.LoadUnsafe(ref acc0, t), a1 = Vector.LoadUnsafe(ref acc0, t + (nuint)width);
            Vector<float> a2 = Vector.LoadUnsafe(ref acc0, t + (nuint)(2 * width)), a3 = Vector.LoadUnsafe(ref acc0, t + (nuint)(3 * width));
            for (int r = 0; r < rows; r++)
            {
                nuint xi = (nuint)(input + r * inputRowStep + c), oi = (nuint)(output + r * outputRowStep + c);
                for (int col = 0; col < columns; col++, xi += (nuint)inputColumnStep, oi += (nuint)outputColumnStep)
                {
                    Vector<float> d0 = Vector.LoadUnsafe(ref dz0, oi), d1 = Vector.LoadUnsafe(ref dz0, oi + (nuint)width);
                    Vector<float> d2 = Vector.LoadUnsafe(ref dz0, oi + (nuint)(2 * width)), d3 = Vector.LoadUnsafe(ref dz0, oi + (nuint)(3 * width));
                    if (!bias)
                    {
                        d0 *= Vector.LoadUnsafe(ref x0, xi);
                        d1 *= Vector.LoadUnsafe(ref x0, xi + (nuint)width);
                        d2 *= Vector.LoadUnsafe(ref x0, xi + (nuint)(2 * width));
                        d3 *= Vector.LoadUnsafe(ref x0, xi + (nuint)(3 * width));
                    }

                    a0 += d0;
                    a1 += d1;
                    a2 += d2;
                    a3 += d3;
                }
            }

            a0.StoreUnsafe(ref acc0, t);
            a1.StoreUnsafe(ref acc0, t + (nuint)width);
            a2.StoreUnsafe(ref acc0, t + (nuint)(2 * width));
            a3.StoreUnsafe(ref acc0, t + (nuint)(3 * width));
        }

        for (; vectors && c + 2 * width <= end; c += 2 * width)
        {
            nuint t = (nuint)(target + c);
            Vector<float> a0 = Vector.LoadUnsafe(ref acc0, t), a1 = Vector.LoadUnsafe(ref acc0, t + (nuint)width);
            for (int r = 0; r < rows; r++)
            {
                nuint xi = (nuint)(input + r * inputRowStep + c), oi = (nuint)(output + r * outputRowStep + c);
                for (int col = 0; col < columns; col++, xi += (nuint)inputColumnStep, oi += (nuint)outputColumnStep)
                {
                    Vector<float> d0 = Vector.LoadUnsafe(ref dz0, oi), d1 = Vector.LoadUnsafe(ref dz0, oi + (nuint)width);
                    if (!bias)
                    {
                        d0 *= Vector.LoadUnsafe(ref x0, xi);
                        d1 *= Vector.LoadUnsafe(ref x0, xi + (nuint)width);
                    }

                    a0 += d0;
                    a1 += d1;
                }
            }

            a0.StoreUnsafe(ref acc0, t);
            a1.StoreUnsafe(ref acc0, t + (nuint)width);
        }

        for (; vectors && c + width <= end; c += width)
        {
            nuint t = (nuint)(target + c);
            Vector<float> a = Vector.LoadUnsafe(ref acc0, t);
            for (int r = 0; r < rows; r++)
            {
                nuint xi = (nuint)(input + r * inputRowStep + c), oi = (nuint)(output + r * outputRowStep + c);
                for (int col = 0; col < columns; col++, xi += (nuint)inputColumnStep, oi += (nuint)outputColumnStep)
                {
                    Vector<float> d = Vector.LoadUnsafe(ref dz0, oi);
                    if (!bias)
                    {
                        d *= Vector.LoadUnsafe(ref x0, xi);
                    }

                    a += d;
                }
            }

            a.StoreUnsafe(ref acc0, t);
        }

        for (; c < end; c++)
        {
            float a = Unsafe.Add(ref acc0, target + c);
            for (int r = 0; r < rows; r++)
            {
                int xi = input + r * inputRowStep + c, oi = output + r * outputRowStep + c;
                for (int col = 0; col < columns; col++, xi += inputColumnStep, oi += outputColumnStep)
                {
                    float d = Unsafe.Add(ref dz0, oi);
                    if (!bias)
                    {
                        d *= Unsafe.Add(ref x0, xi);
                    }

                    a += d;
                }
            }

            Unsafe.Add(ref acc0, target + c) = a;
        }
    }

    /// <summary>
    /// The outputs [first, end) of one axis whose tap at <paramref name="offset"/> (tap·dilation − padding) reads an
    /// input inside [0, <paramref name="size"/>): <c>0 ≤ o·stride + offset &lt; size</c>.
    /// </summary>
    private static (int First, int End) OutputsInside(int offset, int stride, int size, int outputs)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int end = size - offset <= 0 ? 0 : Math.Min(outputs, (size - offset + stride - 1) / stride);
        return (Math.Min(first, end), end);
    }

    /// <summary>The input's gradient (of the expanded input) <c>dxe[n, iy, ix, k] = Σ dz[n, oy, ox, k]·w[ky, kx, k]</c>, overwritten.</summary>
    /// <remarks>
    /// Gathered per input pixel, its channels in blocks of four vectors (then single vectors, then one at a time)
    /// whose sums stay in registers across the taps, as the forward pass does. Each sum starts at +0 and takes its
    /// outputs in row order (the taps in reverse: a later tap reads the pixel from an earlier output), a product
    /// rounded before each sum: the order of the scatter it replaced, so the bits are the same.
    /// </remarks>
    public static void BackwardInput(in Window2D g, int batch, ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dxe)
    {
        int k = g.Channels;
        if (dxe.Length < batch * g.InputLength || w.Length < g.KernelHeight * g.KernelWidth * k || dz.Length < batch * g.OutputPixels * k)
        {
            throw new ArgumentException("Spans shorter than the geometry needs.");
        }

        ref float dz0 = ref MemoryMarshal.GetReference(dz);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float dx0 = ref MemoryMarshal.GetReference(dxe);
        // Per input row and column, the taps that read it from a whole output, as (kernel offset, output offset) pairs
        // in gathering order; only a kernel over 256 rows or columns needs the heap.
        Span<int> rows = g.KernelHeight <= 256 ? stackalloc int[2 * g.KernelHeight] : new int[2 * g.KernelHeight];
        Span<int> columns = g.KernelWidth <= 256 ? stackalloc int[2 * g.KernelWidth] : new int[2 * g.KernelWidth];
        for (int n = 0; n < batch; n++)
        {
            for (int iy = 0; iy < g.InputHeight; iy++)
            {
                int rowCount = AxisTaps(iy + g.PadTop, g.KernelHeight, g.StrideHeight, g.DilationHeight, g.OutputHeight,
                    g.KernelWidth * k, g.OutputWidth * k, rows);
                for (int ix = 0; ix < g.InputWidth; ix++)
                {
                    int columnCount = AxisTaps(ix + g.PadLeft, g.KernelWidth, g.StrideWidth, g.DilationWidth, g.OutputWidth, k, k, columns);
                    GatherPixel(k, ref dz0, ref w0, ref dx0, n * g.OutputPixels * k, ((n * g.InputHeight + iy) * g.InputWidth + ix) * k,
                        rows[..(2 * rowCount)], columns[..(2 * columnCount)]);
                }
            }
        }
    }

    /// <summary>
    /// The taps of one axis that read input position <c>i</c> (<c>position = i + padding</c>) from a whole output
    /// <c>o = (position − t·dilation) / stride</c> inside [0, outputs), last tap first (so outputs rise), written to
    /// <paramref name="taps"/> as pairs (t·<paramref name="kernelStep"/>, o·<paramref name="outputStep"/>); returns how many.
    /// </summary>
    private static int AxisTaps(int position, int kernel, int stride, int dilation, int outputs, int kernelStep, int outputStep, Span<int> taps)
    {
        int count = 0;
        for (int t = kernel - 1; t >= 0; t--)
        {
            int offset = position - t * dilation;
            if (offset < 0 || offset % stride != 0)
            {
                continue;
            }

            int o = offset / stride;
            if (o >= outputs)
            {
                break;
            }

            taps[2 * count] = t * kernelStep;
            taps[2 * count + 1] = o * outputStep;
            count++;
        }

        return count;
    }

    private static void GatherPixel(int k, ref float dz0, ref float w0, ref float dx0, int sampleOutput, int target, ReadOnlySpan<int> rows, ReadOnlySpan<int> columns)
    {
        bool vectors = Vector.IsHardwareAccelerated;
        int width = Vector<float>.Count;
        int c = 0;
        for (; vectors && c + 4 * width <= k; c += 4 * width)
        {
            Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
            for (int r = 0; r < rows.Length; r += 2)
            {
                int wr = rows[r] + c, dr = sampleOutput + rows[r + 1] + c;
                for (int q = 0; q < columns.Length; q += 2)
                {
                    nuint di = (nuint)(dr + columns[q + 1]), wi = (nuint)(wr + columns[q]);
                    Vector<float> p0 = Vector.LoadUnsafe(ref dz0, di) * Vector.LoadUnsafe(ref w0, wi);
                    Vector<float> p1 = Vector.LoadUnsafe(ref dz0, di + (nuint)width) * Vector.LoadUnsafe(ref w0, wi + (nuint)width);
                    Vector<float> p2 = Vector.LoadUnsafe(ref dz0, di + (nuint)(2 * width)) * Vector.LoadUnsafe(ref w0, wi + (nuint)(2 * width));
                    Vector<float> p3 = Vector.LoadUnsafe(ref dz0, di + (nuint)(3 * width)) * Vector.LoadUnsafe(ref w0, wi + (nuint)(3 * width));
                    a0 += p0;
                    a1 += p1;
                    a2 += p2;
                    a3 += p3;
                }
            }

            a0.StoreUnsafe(ref dx0, (nuint)(target + c));
            a1.StoreUnsafe(ref dx0, (nuint)(target + c + width));
            a2.StoreUnsafe(ref dx0, (nuint)(target + c + 2 * width));
            a3.StoreUnsafe(ref dx0, (nuint)(target + c + 3 * width));
        }

        for (; vectors && c + width <= k; c += width)
        {
            Vector<float> a = Vector<float>.Zero;
            for (int r = 0; r < rows.Length; r += 2)
            {
                int wr = rows[r] + c, dr = sampleOutput + rows[r + 1] + c;
                for (int q = 0; q < columns.Length; q += 2)
                {
                    Vector<float> p = Vector.LoadUnsafe(ref dz0, (nuint)(dr + columns[q + 1])) * Vector.LoadUnsafe(ref w0, (nuint)(wr + columns[q]));
                    a += p;
                }
            }

            a.StoreUnsafe(ref dx0, (nuint)(target + c));
        }

        for (; c < k; c++)
        {
            float a = 0f;
            for (int r = 0; r < rows.Length; r += 2)
            {
                int wr = rows[r] + c, dr = sampleOutput + rows[r + 1] + c;
                for (int q = 0; q < columns.Length; q += 2)
                {
                    float p = Unsafe.Add(ref dz0, dr + columns[q + 1]) * Unsafe.Add(ref w0, wr + columns[q]);
                    a += p;
                }
            }

            Unsafe.Add(ref dx0, target + c) = a;
        }
    }

    /// <summary>
    /// The taps of one output pixel that fall inside the image, in row order, as (input offset, weight offset) pairs
    /// of channel 0 (sample n's pixel under the tap, and the tap's kernel entry): the forward pass's walk.
    /// </summary>
    /// <remarks>
    /// A tap's input row grows with its kernel row (and its column with its kernel column), so the taps inside
    /// the image form a rectangle of the kernel; the walk steps through it by fixed offsets, with no list to hold
    /// (a list needed the stack up to 256 taps and the heap above).
    /// </remarks>
    private readonly struct Taps
    {
        private readonly int _rows, _columns, _input, _weight, _inputRowStep, _inputColumnStep, _weightRowStep, _channels;

        public Taps(in Window2D g, int n, int oy, int ox)
        {
            int top = oy * g.StrideHeight - g.PadTop, left = ox * g.StrideWidth - g.PadLeft;
            int firstRow = 0, firstColumn = 0;
            while (firstRow < g.KernelHeight && top + firstRow * g.DilationHeight < 0)
            {
                firstRow++;
            }

            int endRow = firstRow;
            while (endRow < g.KernelHeight && top + endRow * g.DilationHeight < g.InputHeight)
            {
                endRow++;
            }

            while (firstColumn < g.KernelWidth && left + firstColumn * g.DilationWidth < 0)
            {
                firstColumn++;
            }

            int endColumn = firstColumn;
            while (endColumn < g.KernelWidth && left + endColumn * g.DilationWidth < g.InputWidth)
            {
                endColumn++;
            }

            int k = g.Channels;
            _channels = k;
            // An empty rectangle (a pixel whose window lies wholly in the padding) has neither rows nor columns.
            bool empty = endRow == firstRow || endColumn == firstColumn;
            _rows = empty ? 0 : endRow - firstRow;
            _columns = empty ? 0 : endColumn - firstColumn;
            _input = (((n * g.InputHeight) + top + firstRow * g.DilationHeight) * g.InputWidth + left + firstColumn * g.DilationWidth) * k;
            _weight = (firstRow * g.KernelWidth + firstColumn) * k;
            _inputRowStep = g.DilationHeight * g.InputWidth * k;
            _inputColumnStep = g.DilationWidth * k;
            _weightRowStep = g.KernelWidth * k;
        }

        public Enumerator GetEnumerator() => new(this);

        /// <summary>Steps along a row of taps, then to the next row's first.</summary>
        public struct Enumerator(Taps taps)
        {
            private readonly Taps _taps = taps;
            private int _row;
            private int _column = -1;
            private int _rowInput = taps._input, _rowWeight = taps._weight;
            private int _input = taps._input - taps._inputColumnStep, _weight = taps._weight - taps._channels;

            public readonly (int Input, int Weight) Current => (_input, _weight);

            public bool MoveNext()
            {
                if (++_column < _taps._columns)
                {
                    _input += _taps._inputColumnStep;
                    _weight += _taps._channels;
                    return true;
                }

                if (_taps._columns == 0 || ++_row >= _taps._rows)
                {
                    return false;
                }

                _column = 0;
                _rowInput += _taps._inputRowStep;
                _rowWeight += _taps._weightRowStep;
                _input = _rowInput;
                _weight = _rowWeight;
                return true;
            }
        }
    }
}
