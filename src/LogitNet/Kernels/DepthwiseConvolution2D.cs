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
    public static void Forward(in Window2D g, int batch, ReadOnlySpan<float> xe, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int k = g.Channels;
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    Span<float> row = y.Slice((((n * g.OutputHeight) + oy) * g.OutputWidth + ox) * k, k);
                    if (bias.IsEmpty)
                    {
                        row.Clear();
                    }
                    else
                    {
                        bias.CopyTo(row);
                    }

                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InputHeight)
                        {
                            continue;
                        }

                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                            if ((uint)ix >= (uint)g.InputWidth)
                            {
                                continue;
                            }

                            MultiplyAdd(xe.Slice((((n * g.InputHeight) + iy) * g.InputWidth + ix) * k, k), w.Slice((ky * g.KernelWidth + kx) * k, k), row);
                        }
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

                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InputHeight)
                        {
                            continue;
                        }

                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                            if ((uint)ix >= (uint)g.InputWidth)
                            {
                                continue;
                            }

                            MultiplyAdd(xe.Slice((((n * g.InputHeight) + iy) * g.InputWidth + ix) * k, k), row, kernelGradient.Slice((ky * g.KernelWidth + kx) * k, k));
                        }
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
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InputHeight)
                        {
                            continue;
                        }

                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                            if ((uint)ix >= (uint)g.InputWidth)
                            {
                                continue;
                            }

                            MultiplyAdd(row, w.Slice((ky * g.KernelWidth + kx) * k, k), dxe.Slice((((n * g.InputHeight) + iy) * g.InputWidth + ix) * k, k));
                        }
                    }
                }
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
