namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>
/// Reference values for the tests' own adversarial cases, written independently of the kernels:
/// scalar <see cref="Math.Exp(double)"/> and <see cref="Math.Log(double)"/> instead of the vector
/// functions, a different decomposition of each formula, and each reference's error bound stated
/// so that a test only judges where the reference is good to far better than a float32 ulp.
/// </summary>
internal static class IndependentReference
{
    /// <summary>
    /// softmax_i = 1 / Σ_j e^(z_j - z_i): each component shifted by its own entry, not by the
    /// maximum, and no ties split. Terms that overflow make the component 0, correctly (it is then
    /// below e^-709). Relative error below (n + |z_j - z_i|)·2^-52 ≤ 2^-38 for n ≤ 1000.
    /// </summary>
    public static double[] Softmax(float[] z)
    {
        var result = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            if (float.IsNegativeInfinity(z[i]))
            {
                result[i] = 0;
                continue;
            }

            double sum = 0;
            foreach (float zj in z)
            {
                sum += Math.Exp((double)zj - z[i]);
            }

            result[i] = 1.0 / sum;
        }

        return result;
    }

    /// <summary>
    /// log_softmax_i = -log1p(Σ_{j≠i} e^(z_j - z_i)) when that sum is finite; otherwise (z_i far
    /// below the maximum z_k) (z_i - z_k) + log_softmax_k, a sum of two non-positive terms. Relative
    /// error below 2^-38 for n ≤ 1000 rows of the sizes tested.
    /// </summary>
    public static double[] LogSoftmax(float[] z)
    {
        int k = ArgMax(z);
        double logSoftmaxOfMax = -Log1pSeries(OthersSum(z, k));
        var result = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            if (float.IsNegativeInfinity(z[i]))
            {
                result[i] = double.NegativeInfinity;
                continue;
            }

            double others = OthersSum(z, i);
            result[i] = double.IsFinite(others) ? -Log1pSeries(others) : ((double)z[i] - z[k]) + logSoftmaxOfMax;
        }

        return result;
    }

    /// <summary>
    /// logsumexp = z_k + log1p(Σ_{j≠k} e^(z_j - z_k)) with k the maximum, and an error bound: the
    /// result is trusted only when the bound is below 2^-30 of it (no cancellation between a
    /// negative maximum and the logarithm). Returns false when it cannot be trusted.
    /// </summary>
    public static bool TryLogSumExp(float[] z, out double value)
    {
        int k = ArgMax(z);
        double logSum = Log1pSeries(OthersSum(z, k));
        value = z[k] + logSum;
        // z_k is exact; logSum carries under 2^-45 relative error (rows of at most 1000 entries).
        double bound = logSum * Math.ScaleB(1.0, -45);
        return z[k] >= 0 || bound <= Math.Abs(value) * Math.ScaleB(1.0, -30);
    }

    /// <summary>
    /// softplus(x) = log(1 + e^x) without the kernels' formula: for x ≤ -1, the alternating series of
    /// log1p(t) in t = e^x ≤ 0.37; for -1 &lt; x ≤ 40, Math.Log(1 + e^x), whose argument is ≥ 1.37 and so
    /// loses nothing; above 40, x + e^-x (the next term, e^-2x/2, is below 2^-115 of x).
    /// </summary>
    public static double Softplus(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x <= -1)
        {
            return Log1pSeries(Math.Exp(x));
        }

        return x <= 40 ? Math.Log(1.0 + Math.Exp(x)) : x + Math.Exp(-x);
    }

    /// <summary>σ(x) = e^(-softplus(-x)); relative error about |x|·2^-52, below 2^-44 where σ is a nonzero float32.</summary>
    public static double Sigmoid(double x) => Math.Exp(-Softplus(-x));

    /// <summary>log1p(t) for 0 ≤ t by the alternating series when t ≤ 0.5 (error below 2^-52 relative), Math.Log(1 + t) otherwise.</summary>
    public static double Log1pSeries(double t)
    {
        if (t > 0.5)
        {
            // 1 + t ≥ 1.5: the rounding of 1 + t costs at most 2^-53/log(1.5) relative.
            return Math.Log(1.0 + t);
        }

        double sum = 0;
        for (int k = 80; k >= 1; k--)
        {
            // Horner form of t - t²/2 + t³/3 - ...; 0.5^80/80 is below 2^-86.
            sum = 1.0 / k - t * sum;
        }

        return t * sum;
    }

    /// <summary>The index of the largest entry (the first of equals).</summary>
    public static int ArgMax(float[] z)
    {
        int k = 0;
        for (int i = 1; i < z.Length; i++)
        {
            if (z[i] > z[k])
            {
                k = i;
            }
        }

        return k;
    }

    /// <summary>Σ_{j≠i} e^(z_j - z_i), in index order.</summary>
    private static double OthersSum(float[] z, int i)
    {
        double sum = 0;
        for (int j = 0; j < z.Length; j++)
        {
            if (j != i)
            {
                sum += Math.Exp((double)z[j] - z[i]);
            }
        }

        return sum;
    }
}
