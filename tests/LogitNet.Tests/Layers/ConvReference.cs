namespace LogitNet.Tests.Layers;

/// <summary>
/// Direct (loop-over-everything) 2-D convolution and pooling in double precision, channels last, with
/// TensorFlow's padding rule written out here on its own: the reference the layers are tested against.
/// </summary>
internal static class ConvReference
{
    public static (int Output, int PadBefore) Axis(int size, int kernel, int stride, int dilation, bool same)
    {
        int span = (kernel - 1) * dilation + 1;
        if (!same)
        {
            return ((size - span) / stride + 1, 0);
        }

        int output = (size + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + span - size);
        return (output, total / 2);
    }

    /// <summary>y[b, oy, ox, f] = bias[f] + Σ x[b, iy, ix, c]·w[ky, kx, c, f], padding read as 0.</summary>
    public static double[] Conv(float[] x, int n, int h, int w, int c, float[] kernel, int kh, int kw, int f, float[]? bias,
        int sh, int sw, int dh, int dw, bool same, out int oh, out int ow, out double[] magnitude)
    {
        (oh, int top) = Axis(h, kh, sh, dh, same);
        (ow, int left) = Axis(w, kw, sw, dw, same);
        var y = new double[n * oh * ow * f];
        magnitude = new double[y.Length];
        for (int b = 0; b < n; b++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int o = 0; o < f; o++)
        {
            double sum = bias?[o] ?? 0, abs = Math.Abs(bias?[o] ?? 0);
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * sh - top + ky * dh, ix = ox * sw - left + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                {
                    continue;
                }

                for (int ch = 0; ch < c; ch++)
                {
                    double p = (double)x[((b * h + iy) * w + ix) * c + ch] * kernel[((ky * kw + kx) * c + ch) * f + o];
                    sum += p;
                    abs += Math.Abs(p);
                }
            }

            int at = ((b * oh + oy) * ow + ox) * f + o;
            y[at] = sum;
            magnitude[at] = abs;
        }

        return y;
    }

    /// <summary>dX and dW of <see cref="Conv"/> for an output gradient dy.</summary>
    public static (double[] Dx, double[] Dw, double[] Db) ConvBackward(float[] x, int n, int h, int w, int c, float[] kernel, int kh, int kw, int f,
        int sh, int sw, int dh, int dw, bool same, float[] dy)
    {
        (int oh, int top) = Axis(h, kh, sh, dh, same);
        (int ow, int left) = Axis(w, kw, sw, dw, same);
        var dx = new double[x.Length];
        var dk = new double[kernel.Length];
        var db = new double[f];
        for (int b = 0; b < n; b++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int o = 0; o < f; o++)
        {
            double g = dy[((b * oh + oy) * ow + ox) * f + o];
            db[o] += g;
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * sh - top + ky * dh, ix = ox * sw - left + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                {
                    continue;
                }

                for (int ch = 0; ch < c; ch++)
                {
                    int xi = ((b * h + iy) * w + ix) * c + ch, ki = ((ky * kw + kx) * c + ch) * f + o;
                    dx[xi] += g * kernel[ki];
                    dk[ki] += g * x[xi];
                }
            }
        }

        return (dx, dk, db);
    }

    /// <summary>Max or mean of each window's positions inside the image.</summary>
    public static double[] Pool(float[] x, int n, int h, int w, int c, int ph, int pw, int sh, int sw, bool same, bool max, out int oh, out int ow)
    {
        (oh, int top) = Axis(h, ph, sh, 1, same);
        (ow, int left) = Axis(w, pw, sw, 1, same);
        var y = new double[n * oh * ow * c];
        for (int b = 0; b < n; b++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int ch = 0; ch < c; ch++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            int count = 0;
            for (int ky = 0; ky < ph; ky++)
            for (int kx = 0; kx < pw; kx++)
            {
                int iy = oy * sh - top + ky, ix = ox * sw - left + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                {
                    continue;
                }

                double v = x[((b * h + iy) * w + ix) * c + ch];
                acc = max ? Math.Max(acc, v) : acc + v;
                count++;
            }

            y[((b * oh + oy) * ow + ox) * c + ch] = max ? acc : acc / count;
        }

        return y;
    }
}
