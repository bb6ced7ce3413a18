namespace LogitNet.Cli.Audit;

/// <summary>
/// Reference values computed in double with formulas that neither cancel nor overflow, so their
/// relative error (a few units of 2^-53) stays below 1e-7 float32 ulps wherever noted; where a
/// formula must subtract (LogSumExp of mixed signs) the bound is returned with the value.
/// </summary>
internal static class Reference
{
    private const double Epsilon = 1.1102230246251565e-16; // 2^-53

    /// <summary>log(1 + x) for x > −1 without losing a tiny x (Goldberg's correction: the rounding of 1 + x is divided out).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    public static double Sigmoid(double x) =>
        x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>log(1 + e^x) = max(x, 0) + log1p(e^-|x|): two non-negative terms.</summary>
    public static double Softplus(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>The row's maximum and Σ_{j≠argmax} e^(z_j − max) (0 for a row of one; −∞ entries add 0).</summary>
    private static (double Max, int ArgMax, double Others) Spread(ReadOnlySpan<float> z)
    {
        int arg = 0;
        for (int j = 1; j < z.Length; j++)
        {
            if (z[j] > z[arg]) arg = j;
        }

        double max = z[arg], others = 0;
        for (int j = 0; j < z.Length; j++)
        {
            if (j != arg) others += Math.Exp((double)z[j] - max);
        }

        return (max, arg, others);
    }

    public static double[] Softmax(ReadOnlySpan<float> z)
    {
        (double max, _, double others) = Spread(z);
        double sum = 1 + others;
        double[] p = new double[z.Length];
        for (int j = 0; j < z.Length; j++)
        {
            p[j] = Math.Exp((double)z[j] - max) / sum;
        }

        return p;
    }

    /// <summary>(z_j − max) − log1p(others): a non-positive number minus a non-negative one.</summary>
    public static double[] LogSoftmax(ReadOnlySpan<float> z)
    {
        (double max, _, double others) = Spread(z);
        double log = Log1p(others);
        double[] y = new double[z.Length];
        for (int j = 0; j < z.Length; j++)
        {
            y[j] = ((double)z[j] - max) - log;
        }

        return y;
    }

    /// <summary>max + log1p(others), and a bound on its relative error (large only when the two terms nearly cancel).</summary>
    public static (double Value, double RelativeBound) LogSumExp(ReadOnlySpan<float> z)
    {
        (double max, _, double others) = Spread(z);
        double log = Log1p(others);
        double value = max + log;
        double bound = value == 0 ? double.PositiveInfinity : 4 * Epsilon * (Math.Abs(max) + Math.Abs(log) * z.Length) / Math.Abs(value);
        return (value, bound);
    }

    /// <summary>Binary cross-entropy from a logit: y·softplus(−z) + (1−y)·softplus(z), non-negative terms.</summary>
    public static double BinaryFromLogit(double y, double z) => y * Softplus(-z) + (1 - y) * Softplus(z);

    /// <summary>Its gradient σ(z) − y for a hard label: σ(z) for y = 0, −σ(−z) for y = 1.</summary>
    public static double BinaryFromLogitGradient(double y, double z) => y == 0 ? Sigmoid(z) : -Sigmoid(-z);

    /// <summary>Binary cross-entropy from a probability: −y·ln p − (1−y)·log1p(−p), non-negative terms.</summary>
    public static double BinaryFromProbability(double y, double p)
    {
        double a = y == 0 ? 0 : -y * Math.Log(p);
        double b = y == 1 ? 0 : -(1 - y) * Log1p(-p);
        return a + b;
    }

    /// <summary>Softmax cross-entropy of class <paramref name="label"/>: log1p(others) if it is the maximum, else (max − z_y) + log(1 + others).</summary>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<float> z, int label)
    {
        (double max, _, double others) = Spread(z);
        if (z[label] == max)
        {
            // Ties with the argmax: the label's own term is e^0 = 1 either way.
            double rest = 0;
            for (int j = 0; j < z.Length; j++)
            {
                if (j != label) rest += Math.Exp((double)z[j] - max);
            }

            return Log1p(rest);
        }

        return (max - z[label]) + Math.Log(1 + others);
    }

    /// <summary>Its gradient softmax(z) − onehot(label), the label's entry as −Σ_{j≠label} p_j.</summary>
    public static double[] SoftmaxCrossEntropyGradient(ReadOnlySpan<float> z, int label)
    {
        double[] p = Softmax(z);
        double rest = 0;
        for (int j = 0; j < p.Length; j++)
        {
            if (j != label) rest += p[j];
        }

        p[label] = -rest;
        return p;
    }
}
