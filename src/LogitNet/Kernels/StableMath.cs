namespace LogitNet.Kernels;

/// <summary>
/// Scalar building blocks of the stable softmax and cross-entropy family, in double precision.
/// </summary>
/// <remarks>
/// Every function here is accurate to a few double ulps (relative error below 2^-50), so a float32
/// result rounded from it is within 0.5 + 2^-26 float32 ulps of the exact value: "within 1 ulp"
/// with a wide margin. They exist because the platform's <c>double.LogP1(x)</c> computes
/// <c>Log(x + 1)</c>, which loses every digit of a tiny <c>x</c> (<c>float.LogP1(1e-9f) == 0</c>).
/// </remarks>
internal static class StableMath
{
    /// <summary>log(1 + x) without the cancellation of <c>Math.Log(1 + x)</c>.</summary>
    /// <remarks>
    /// Goldberg's method ("What every computer scientist should know about floating-point
    /// arithmetic", 1991, Theorem 4): with u = fl(1 + x), log1p(x) = log(u) · x / (u - 1). The
    /// factor x / (u - 1) corrects exactly for the rounding of 1 + x, so the error is that of
    /// <c>Math.Log</c> plus a few roundings: under 5 double ulps for every x &gt; -1.
    /// </remarks>
    public static double Log1p(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            // |x| < 2^-53: log1p(x) = x - x²/2 + ..., and x²/2 is below half an ulp of x.
            return x;
        }

        if (double.IsPositiveInfinity(u))
        {
            // x = +inf, or x so large that 1 + x overflows (impossible for finite x): log1p(inf) = inf.
            return x;
        }

        return Math.Log(u) * (x / (u - 1.0));
    }

    /// <summary>softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which never overflows.</summary>
    public static double Softplus(double x) =>
        x > 0 ? x + Log1p(Math.Exp(-x)) : Log1p(Math.Exp(x));

    /// <summary>σ(x) = 1 / (1 + e^-x), evaluated so that e^±x never overflows.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>log σ(x) = -softplus(-x), exact where the two-step <c>log(σ(x))</c> underflows to -inf.</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);
}
