namespace LogitNet.Tests.Accuracy;

/// <summary>
/// The error metric of the shared accuracy suite (Data/accuracy/README.md): error in float32 ulps
/// of the exact value, and a normwise error for gradient rows.
/// </summary>
public static class UlpMetric
{
    private const double SmallestNormal = 1.1754943508222875e-38; // 2^-126
    private const double SmallestSubnormal = 1.401298464324817e-45; // 2^-149

    /// <summary>The float32 spacing at |exact|: 2^(floor(log2|e|) - 23), or 2^-149 below the normal range.</summary>
    public static double UlpOf(double exact)
    {
        double magnitude = Math.Abs(exact);
        return magnitude >= SmallestNormal ? Math.ScaleB(1.0, Math.ILogB(magnitude) - 23) : SmallestSubnormal;
    }

    /// <summary>|computed - exact| / ulp(exact); +inf when the result is non-finite against a finite exact value.</summary>
    public static double Error(float computed, double exact)
    {
        if (double.IsNegativeInfinity(exact))
        {
            return float.IsNegativeInfinity(computed) ? 0.0 : double.PositiveInfinity;
        }

        if (!float.IsFinite(computed))
        {
            return double.PositiveInfinity;
        }

        return Math.Abs(computed - exact) / UlpOf(exact);
    }

    /// <summary>max_i |c_i - e_i| / max(max_i |e_i|, 2^-126) / 2^-24; +inf when any component is non-finite.</summary>
    public static double NormwiseError(ReadOnlySpan<float> computed, ReadOnlySpan<double> exact)
    {
        double largestExact = 0;
        double largestDifference = 0;
        for (int i = 0; i < computed.Length; i++)
        {
            if (!float.IsFinite(computed[i]))
            {
                return double.PositiveInfinity;
            }

            largestExact = Math.Max(largestExact, Math.Abs(exact[i]));
            largestDifference = Math.Max(largestDifference, Math.Abs(computed[i] - exact[i]));
        }

        return largestDifference / Math.Max(largestExact, SmallestNormal) / Math.ScaleB(1.0, -24);
    }

    /// <summary>True when the exact value rounds to a nonzero float32 but the computed one is zero.</summary>
    public static bool IsZeroed(float computed, double exact) => computed == 0 && Math.Abs(exact) > SmallestSubnormal / 2;

    /// <summary>True when computed and exact have opposite signs (zeros have no sign here).</summary>
    public static bool IsWrongSign(float computed, double exact) => computed * exact < 0;
}
