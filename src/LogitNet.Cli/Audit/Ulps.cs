namespace LogitNet.Cli.Audit;

internal static class Ulps
{
    /// <summary>
    /// |computed − exact| in float32 units in the last place at the exact value (2^(e−23) for
    /// 2^e ≤ |exact| &lt; 2^(e+1), 2^-149 in the subnormal range). Infinite when a finite exact value
    /// comes out NaN or infinite; 0 when an exact infinity (or a value beyond float32's range) comes out as that infinity.
    /// </summary>
    public static double Error(float computed, double exact)
    {
        if (double.IsNaN(exact))
        {
            return float.IsNaN(computed) ? 0 : double.PositiveInfinity;
        }

        if (Math.Abs(exact) >= 3.4028235677973366e38) // beyond float.MaxValue + half an ulp: rounds to infinity
        {
            return float.IsInfinity(computed) && Math.Sign(computed) == Math.Sign(exact) ? 0 : double.PositiveInfinity;
        }

        if (!float.IsFinite(computed))
        {
            return double.PositiveInfinity;
        }

        int exponent = exact == 0 ? -126 : Math.Max(Math.ILogB(exact), -126);
        double ulp = Math.ScaleB(1.0, exponent - 23);
        return Math.Abs(computed - exact) / ulp;
    }
}
