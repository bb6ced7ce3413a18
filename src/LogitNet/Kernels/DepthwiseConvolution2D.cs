using System.Numerics;
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
/// pixels, then taps) with a separate multiply and add (never a fused multiply-add), so the vector lanes and
/// the scalar tail round alike: the same bits on every instruction set. One thread.
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
    /// The kernel's gradient <c>dw[ky, kx, k] = Σ_(n, oy, ox) dz[n, oy, ox, k]·xe[n, iy, ix, k]</c> (overwritten),
    /// and the bias's <c>db[k] = Σ dz[..., k]</c> when <paramref name="biasGradient"/> is not empty.
    /// </summary>
    public static void BackwardKernel(in Window2D g, int batch, ReadOnlySpan<float> xe, ReadOnlySpan<float> dz, Span<float> kernelGradient, Span<float> biasGradient)
    {
        int k = g.Channels;
        kernelGradient.Clear();
        biasGradient.Clear();
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    ReadOnlySpan<float> row = dz.Slice((((n * g.OutputHeight) + oy) * g.OutputWidth + ox) * k, k);
                    if (!biasGradient.IsEmpty)
                    {
                        Add(row, biasGradient);
                    }

                    foreach ((int input, int weight) in new Taps(g, n, oy, ox))
                    {
                        MultiplyAdd(xe.Slice(input, k), row, kernelGradient.Slice(weight, k));
                    }
                }
            }
        }
    }

    /// <summary>The input's gradient (of the expanded input) <c>dxe[n, iy, ix, k] = Σ dz[n, oy, ox, k]·w[ky, kx, k]</c>, overwritten.</summary>
    public static void BackwardInput(in Window2D g, int batch, ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dxe)
    {
        int k = g.Channels;
        dxe.Clear();
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    ReadOnlySpan<float> row = dz.Slice((((n * g.OutputHeight) + oy) * g.OutputWidth + ox) * k, k);
                    foreach ((int input, int weight) in new Taps(g, n, oy, ox))
                    {
                        MultiplyAdd(row, w.Slice(weight, k), dxe.Slice(input, k));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The taps of one output pixel that fall inside the image, in row order, as (input offset, weight offset) pairs
    /// of channel 0 (sample n's pixel under the tap, and the tap's kernel entry): the one walk all three passes take.
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

    /// <summary><c>acc[i] = acc[i] + a[i]·b[i]</c>, the product rounded before the sum in every lane.</summary>
    private static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> acc)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a), vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            Span<Vector<float>> vacc = MemoryMarshal.Cast<float, Vector<float>>(acc);
            for (int v = 0; v < vacc.Length; v++)
            {
                Vector<float> product = va[v] * vb[v];
                vacc[v] += product;
            }

            i = vacc.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            float product = a[i] * b[i];
            acc[i] += product;
        }
    }

    /// <summary><c>acc[i] += a[i]</c>.</summary>
    private static void Add(ReadOnlySpan<float> a, Span<float> acc)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && acc.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            Span<Vector<float>> vacc = MemoryMarshal.Cast<float, Vector<float>>(acc);
            for (int v = 0; v < vacc.Length; v++)
            {
                vacc[v] += va[v];
            }

            i = vacc.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] += a[i];
        }
    }
}
