using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Elementwise softplus, y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|), in double without overflow.</summary>
/// <remarks>
/// The vector log1p is Goldberg's, as in <see cref="StableMath.Log1p"/>: with u = fl(1 + t),
/// log1p(t) = log(u)·t/(u - 1), or t itself where u rounds to 1 (t &lt; 2^-53, where t - t²/2 rounds
/// to t). For x &gt; 0 both terms are ≥ 0, so the sum does not cancel. Relative error under 2^-45
/// (<see cref="VectorExp"/>'s 2^-46, <see cref="VectorLog"/>'s 0.6 ulp and four roundings), so the
/// float32 result is within 0.5 + 2^-21 ulps;
/// for x &lt; -104 the value e^x is subnormal in float32 and the conversion rounds it correctly.
/// </remarks>
internal static class SoftplusKernel
{
    /// <summary>
    /// Writes softplus(x_i) to y_i. NaN gives NaN, -inf gives 0, +inf gives +inf; x &gt; about
    /// 3.4e38 gives x (exact). In place allowed; no other overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseDouble.Apply<Operator>(x, y);

    private readonly struct Operator : IDoubleUnaryOperator
    {
        public static Vector256<double> Invoke(Vector256<double> x) => Softplus(x);

        public static Vector512<double> Invoke(Vector512<double> x) => Softplus(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Softplus(Vector256<double> x)
    {
        Vector256<double> one = Vector256<double>.One;
        Vector256<double> t = VectorExp.ExpNonPositive(-Vector256.Abs(x));
        Vector256<double> u = one + t;
        // Lanes where u == 1 divide 0 by 0; the select discards them.
        Vector256<double> log1p = Vector256.ConditionalSelect(Vector256.Equals(u, one), t, VectorLog.Log(u) * (t / (u - one)));
        // NaN fails x > 0 and keeps 0, and log1p is NaN for it.
        Vector256<double> positivePart = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<double>.Zero), x, Vector256<double>.Zero);
        return positivePart + log1p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Softplus(Vector512<double> x)
    {
        Vector512<double> one = Vector512<double>.One;
        Vector512<double> t = VectorExp.ExpNonPositive(-Vector512.Abs(x));
        Vector512<double> u = one + t;
        // Lanes where u == 1 divide 0 by 0; the select discards them.
        Vector512<double> log1p = Vector512.ConditionalSelect(Vector512.Equals(u, one), t, VectorLog.Log(u) * (t / (u - one)));
        // NaN fails x > 0 and keeps 0, and log1p is NaN for it.
        Vector512<double> positivePart = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<double>.Zero), x, Vector512<double>.Zero);
        return positivePart + log1p;
    }
}
