using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

/// <summary>
/// Direct loops, in double, for the 1-D layers: the definitions written out step by step from Keras's (TensorFlow's)
/// rules, sharing no code with LogitNet's im2col kernels.
/// </summary>
internal static class SequenceReference
{
    /// <summary>Output steps and the zeros before the sequence, by Keras's rules for each padding.</summary>
    public static (int Output, int PadBefore) Axis(int steps, int kernel, int stride, int dilation, Padding padding)
    {
        int span = (kernel - 1) * dilation + 1;
        switch (padding)
        {
            case Padding.Valid:
                return ((steps - span) / stride + 1, 0);
            case Padding.Same:
                int output = (steps + stride - 1) / stride;
                int total = Math.Max((output - 1) * stride + span - steps, 0);
                return (output, total / 2);
            default:
                // keras/src/layers/convolutional/conv1d.py: pad dilation·(kernel − 1) on the left, then "valid".
                int pad = dilation * (kernel - 1);
                return ((steps + pad - span) / stride + 1, pad);
        }
    }

    /// <summary>y[b, t, o] = bias[o] + Σ_k Σ_c x[b, t·s + k·d − pad, c]·W[k, c, o], out-of-range steps read as 0.</summary>
    public static double[] Conv(float[] x, int n, int steps, int c, float[] kernel, int k, int f, float[]? bias,
        int stride, int dilation, Padding padding, out int outSteps)
    {
        (int os, int pad) = Axis(steps, k, stride, dilation, padding);
        outSteps = os;
        var y = new double[n * os * f];
        for (int b = 0; b < n; b++)
        {
            for (int t = 0; t < os; t++)
            {
                for (int o = 0; o < f; o++)
                {
                    double sum = bias is null ? 0 : bias[o];
                    for (int j = 0; j < k; j++)
                    {
                        int at = t * stride + j * dilation - pad;
                        if (at < 0 || at >= steps)
                        {
                            continue;
                        }

                        for (int ch = 0; ch < c; ch++)
                        {
                            sum += (double)x[(b * steps + at) * c + ch] * kernel[(j * c + ch) * f + o];
                        }
                    }

                    y[(b * os + t) * f + o] = sum;
                }
            }
        }

        return y;
    }

    /// <summary>The adjoint of <see cref="Conv"/> (linear activation): dx, dW and db for dy.</summary>
    public static (double[] Dx, double[] Dw, double[] Db) ConvBackward(float[] x, int n, int steps, int c, float[] kernel, int k, int f,
        int stride, int dilation, Padding padding, float[] dy)
    {
        (int os, int pad) = Axis(steps, k, stride, dilation, padding);
        var dx = new double[x.Length];
        var dw = new double[kernel.Length];
        var db = new double[f];
        for (int b = 0; b < n; b++)
        {
            for (int t = 0; t < os; t++)
            {
                for (int o = 0; o < f; o++)
                {
                    double g = dy[(b * os + t) * f + o];
                    db[o] += g;
                    for (int j = 0; j < k; j++)
                    {
                        int at = t * stride + j * dilation - pad;
                        if (at < 0 || at >= steps)
                        {
                            continue;
                        }

                        for (int ch = 0; ch < c; ch++)
                        {
                            dx[(b * steps + at) * c + ch] += g * kernel[(j * c + ch) * f + o];
                            dw[(j * c + ch) * f + o] += g * x[(b * steps + at) * c + ch];
                        }
                    }
                }
            }
        }

        return (dx, dw, db);
    }

    /// <summary>Max or mean of each window over the steps inside the sequence (padding excluded, as TensorFlow).</summary>
    public static double[] Pool(float[] x, int n, int steps, int c, int size, int stride, Padding padding, bool max, out int outSteps)
    {
        (int os, int pad) = Axis(steps, size, stride, 1, padding);
        outSteps = os;
        var y = new double[n * os * c];
        for (int b = 0; b < n; b++)
        {
            for (int t = 0; t < os; t++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    int count = 0;
                    for (int j = 0; j < size; j++)
                    {
                        int at = t * stride + j - pad;
                        if (at < 0 || at >= steps)
                        {
                            continue;
                        }

                        double v = x[(b * steps + at) * c + ch];
                        acc = max ? Math.Max(acc, v) : acc + v;
                        count++;
                    }

                    y[(b * os + t) * c + ch] = max ? acc : acc / count;
                }
            }
        }

        return y;
    }
}
