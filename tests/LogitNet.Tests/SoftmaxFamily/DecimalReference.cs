namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>
/// Exp and log1p in 28-digit <see cref="decimal"/> arithmetic by plain series: an independent
/// reference for results that double cannot judge because they cancel. Absolute error below 1e-26
/// on the ranges used (arguments of magnitude at most 2).
/// </summary>
internal static class DecimalReference
{
    /// <summary>A float of magnitude 0.25 to 8 as an exact decimal (it is a multiple of 2^-26 below 2^29·2^-26).</summary>
    public static decimal Exact(float x)
    {
        double scaled = (double)x * 67108864.0;
        if (Math.Abs(x) < 0.25f || Math.Abs(x) >= 8f || scaled != Math.Round(scaled))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Expected 0.25 ≤ |x| < 8 so the decimal is exact.");
        }

        return (decimal)(long)scaled / 67108864m;
    }

    /// <summary>e^x for -2 ≤ x ≤ 0, as 1 / Σ (-x)^k/k! (a series of positive terms, no cancellation).</summary>
    public static decimal Exp(decimal x)
    {
        decimal y = -x;
        decimal term = 1m;
        decimal sum = 1m;
        for (int k = 1; k <= 60 && term != 0; k++)
        {
            term = term * y / k;
            sum += term;
        }

        return 1m / sum;
    }

    /// <summary>log(1 + t) for 0 ≤ t ≤ 1, as 2·atanh(s) with s = t/(2 + t) ≤ 1/3: Σ 2 s^(2k+1)/(2k+1).</summary>
    public static decimal Log1p(decimal t)
    {
        decimal s = t / (2m + t);
        decimal s2 = s * s;
        decimal power = s;
        decimal sum = 0m;
        for (int k = 0; k < 80 && power != 0; k++)
        {
            sum += power / (2 * k + 1);
            power *= s2;
        }

        return 2m * sum;
    }
}
