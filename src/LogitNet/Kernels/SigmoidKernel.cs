using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Elementwise logistic sigmoid, y = 1 / (1 + e^-x), in double without overflow.</summary>
/// <remarks>
/// With t = e^-|x| ∈ [0, 1]: σ(x) = 1/(1 + t) for x ≥ 0 and t/(1 + t) for x &lt; 0, the same stable
/// form as <see cref="StableMath.Sigmoid"/>. The exponential's argument is exact (float to double),
/// the vector exponential is good to a few double ulps, and 1 + t, the division and the product add
/// three roundings: under 2^-49 relative, so the float32 result is within 0.5 + 2^-25 ulps,
/// subnormal results included (the conversion to float32 rounds them correctly).
/// </remarks>
internal static class SigmoidKernel
{
    /// <summary>
    /// Writes σ(x_i) to y_i. NaN gives NaN, -inf gives 0, +inf gives 1. In place allowed; no other overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        RowChecks.RequireSameLength(x, y.Length);
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref source, (nuint)i);
                Vector256.Narrow(Sigmoid(Vector256.WidenLower(v)), Sigmoid(Vector256.WidenUpper(v)))
                    .StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref destination, i) = (float)StableMath.Sigmoid(Unsafe.Add(ref source, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Sigmoid(Vector256<double> x)
    {
        Vector256<double> t = Vector256.Exp(-Vector256.Abs(x));
        Vector256<double> r = Vector256<double>.One / (Vector256<double>.One + t);
        // NaN fails the comparison and takes t·r, which is NaN too.
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), r, t * r);
    }
}
