using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Elementwise logistic sigmoid, y = 1 / (1 + e^-x), in double without overflow.</summary>
/// <remarks>
/// With t = e^-|x| ∈ [0, 1]: σ(x) = 1/(1 + t) for x ≥ 0 and t/(1 + t) for x &lt; 0, the same stable
/// form as <see cref="StableMath.Sigmoid"/>. The exponential's argument is exact (float to double),
/// <see cref="VectorExp"/> is good to 2^-46, and 1 + t, the division and the product add three
/// roundings: under 2^-45 relative, so the float32 result is within 0.5 + 2^-21 ulps, subnormal
/// results included (the conversion to float32 rounds them correctly).
/// </remarks>
internal static class SigmoidKernel
{
    /// <summary>
    /// Writes σ(x_i) to y_i. NaN gives NaN, -inf gives 0, +inf gives 1. In place allowed; no other overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseDouble.Apply<Operator>(x, y);

    private readonly struct Operator : IDoubleUnaryOperator
    {
        public static Vector256<double> Invoke(Vector256<double> x) => Sigmoid(x);

        public static Vector512<double> Invoke(Vector512<double> x) => Sigmoid(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Sigmoid(Vector256<double> x)
    {
        Vector256<double> t = VectorExp.ExpNonPositive(-Vector256.Abs(x));
        Vector256<double> r = Vector256<double>.One / (Vector256<double>.One + t);
        // NaN fails the comparison and takes t·r, which is NaN too.
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), r, t * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Sigmoid(Vector512<double> x)
    {
        Vector512<double> t = VectorExp.ExpNonPositive(-Vector512.Abs(x));
        Vector512<double> r = Vector512<double>.One / (Vector512<double>.One + t);
        // NaN fails the comparison and takes t·r, which is NaN too.
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), r, t * r);
    }
}
