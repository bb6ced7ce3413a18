using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// ln x for doubles on 256- and 512-bit vectors: our own logarithm, so that a result has the same bits
/// on every instruction set and at every position in a batch. The platform's vector logarithms
/// (<c>Vector256.Log</c>, <c>TensorPrimitives.Log</c>) differ from <see cref="Math.Log(double)"/>, which is
/// what they become on software vectors and scalar tails, by a double ulp for about 0.75% of arguments.
/// </summary>
/// <remarks>
/// <para>
/// Method (fdlibm's <c>e_log.c</c>, table-free): x = 2^k·m with m ∈ [sqrt(1/2), sqrt(2)) (the ends cut at
/// their high 32 bits), read from the bits after adding an offset that moves the exponent boundary from 2 to
/// sqrt(2) (subnormals are first scaled by 2^52); f = m - 1 (exact), s = f/(2 + f), and ln m = f - f²/2 + s·(f²/2 + R(s²)) where R is
/// fdlibm's degree-14 even polynomial (|error of R| &lt; 2^-58.45 on the interval). The large terms k·ln2Hi
/// (exact: ln2Hi has 32 significant bits), f and -f²/2 are added with their rounding errors carried into
/// the small ones (k·ln2Lo, s·(f²/2 + R)), so the result is rounded about once. k is formed as a double from
/// the exponent bits by the 2^52 trick (no int64 → double conversion, which AVX2 lacks).
/// </para>
/// <para>
/// Every lane runs the same IEEE operations in the same order on every width; fused multiply-adds are
/// exact-then-rounded in hardware and in software (<see cref="Math.FusedMultiplyAdd"/>), so software
/// vectors (DOTNET_EnableHWIntrinsic=0) give the same bits too. One value alone runs one lane of the
/// same code (tests check widths, one lane and a recorded hash on every CI instruction set).
/// </para>
/// <para>
/// Error: under 0.6 double ulp (0.5 for the final rounding, about 0.07 for the roundings of the small
/// terms: s, f²/2 + R and the fused sum), measured 0.566 ulp against a double-double reference over
/// 86,682 arguments (every power of two and its neighbours, subnormals, 1 ± a few ulps, the reduction
/// boundary, random; an mpmath check of the same outputs at 200 bits agrees: 0.5657); 0.24% of them are not
/// the nearest double.
/// Edge cases: ln 1 = +0 exactly, ±0 → -inf, x &lt; 0 (including -inf) → NaN, +inf → +inf, NaN → the same NaN.
/// </para>
/// </remarks>
internal static class VectorLog
{
    // fdlibm's split of ln 2: Hi has 32 significant bits (its low 21 zero), so k·Ln2Hi is exact for |k| < 2^21.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    // fdlibm's minimax coefficients of R(s²) = Lg1·s² + Lg2·s⁴ + ... + Lg7·s¹⁴.
    private const double Lg1 = 6.666666666666735130e-01;
    private const double Lg2 = 3.999999999940941908e-01;
    private const double Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01;
    private const double Lg5 = 1.818357216161805012e-01;
    private const double Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;

    // 2^-1022: below it x is subnormal (or zero, negative) and is scaled by 2^52 first.
    private const double SmallestNormal = 2.2250738585072014e-308;

    private const double TwoPow52 = 4503599627370496.0;
    private const long TwoPow52Bits = 0x4330000000000000L;

    // The high word of sqrt(1/2) (0x3FE6A09E, shifted into place) and its distance from 1.0's: adding the
    // distance makes the exponent field count from sqrt(1/2) instead of 1.
    private const long SqrtHalfBits = 0x3FE6A09E00000000L;
    private const long SqrtHalfOffset = 0x3FF0000000000000L - SqrtHalfBits;
    private const long MantissaMask = 0x000FFFFFFFFFFFFFL;

    /// <summary>
    /// values[i] = ln values[i], in place (<see cref="ElementwiseDouble.ApplyInPlace{TOperator}"/>: one lane of the
    /// vector code for a tail, so each value gets the same bits wherever it stands).
    /// </summary>
    public static void Log(Span<double> values) => ElementwiseDouble.ApplyInPlace<Function>(values);

    /// <summary>ln x on four doubles (see the class remarks for the error and edge cases).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        // Subnormals (and, harmlessly, the lanes the selects below replace) are scaled by 2^52 into the normal range.
        Vector256<double> subnormal = Vector256.LessThan(x, Vector256.Create(SmallestNormal));
        Vector256<double> scaled = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(TwoPow52), x);

        // Offset the bits so that the exponent field steps up where the mantissa passes sqrt(2), then read
        // k from the exponent and m ∈ [sqrt(1/2), sqrt(2)) from the mantissa with the offset taken back.
        Vector256<long> bits = scaled.AsInt64() + Vector256.Create(SqrtHalfOffset);
        Vector256<double> biased = (Vector256.ShiftRightLogical(bits, 52) | Vector256.Create(TwoPow52Bits)).AsDouble() - Vector256.Create(TwoPow52);
        Vector256<double> k = biased - Vector256.ConditionalSelect(subnormal, Vector256.Create(1023.0 + 52.0), Vector256.Create(1023.0));
        Vector256<double> m = ((bits & Vector256.Create(MantissaMask)) + Vector256.Create(SqrtHalfBits)).AsDouble();

        // fdlibm's e_log.c: with f = m - 1 (exact) and s = f/(2 + f), ln m = f - f²/2 + s·(f²/2 + R(s²)).
        // Unlike fdlibm, the large terms are added with their rounding errors kept (f²/2's by a fused
        // multiply-add, f - f²/2's and k·ln2Hi + (f - f²/2)'s by Fast2Sum, valid since |f| ≥ f²/2 and, for
        // k ≠ 0, |k·ln2Hi| ≥ ln 2 > |ln m|), which brings the error from fdlibm's 0.76 ulp to about 0.5.
        Vector256<double> f = m - Vector256<double>.One;
        Vector256<double> halfF = Vector256.Create(0.5) * f;
        Vector256<double> halfSquare = halfF * f;
        Vector256<double> halfSquareError = Vector256.FusedMultiplyAdd(halfF, f, -halfSquare);
        Vector256<double> s = f / (Vector256.Create(2.0) + f);
        Vector256<double> z = s * s;
        Vector256<double> w = z * z;
        Vector256<double> t1 = w * Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(Lg6), w, Vector256.Create(Lg4)), w, Vector256.Create(Lg2));
        Vector256<double> t2 = z * Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(Lg7), w, Vector256.Create(Lg5)), w, Vector256.Create(Lg3)), w, Vector256.Create(Lg1));
        Vector256<double> r = t2 + t1;
        Vector256<double> head = f - halfSquare;
        Vector256<double> headError = (f - head) - halfSquare;
        Vector256<double> small = Vector256.FusedMultiplyAdd(s, halfSquare + r, k * Vector256.Create(Ln2Lo)) + (headError - halfSquareError);
        Vector256<double> kHi = k * Vector256.Create(Ln2Hi);
        Vector256<double> sum = kHi + head;
        Vector256<double> sumError = (kHi - sum) + head;
        Vector256<double> result = sum + (sumError + small);

        // +inf → +inf, ±0 → -inf, negative → NaN, NaN → itself (its payload kept).
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(double.PositiveInfinity)), x, result);
        result = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), Vector256.Create(double.NegativeInfinity), result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), Vector256.Create(double.NaN), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>ln x on eight doubles, for AVX-512 hardware: the same operations per lane as the other widths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        // Subnormals (and, harmlessly, the lanes the selects below replace) are scaled by 2^52 into the normal range.
        Vector512<double> subnormal = Vector512.LessThan(x, Vector512.Create(SmallestNormal));
        Vector512<double> scaled = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(TwoPow52), x);

        // Offset the bits so that the exponent field steps up where the mantissa passes sqrt(2), then read
        // k from the exponent and m ∈ [sqrt(1/2), sqrt(2)) from the mantissa with the offset taken back.
        Vector512<long> bits = scaled.AsInt64() + Vector512.Create(SqrtHalfOffset);
        Vector512<double> biased = (Vector512.ShiftRightLogical(bits, 52) | Vector512.Create(TwoPow52Bits)).AsDouble() - Vector512.Create(TwoPow52);
        Vector512<double> k = biased - Vector512.ConditionalSelect(subnormal, Vector512.Create(1023.0 + 52.0), Vector512.Create(1023.0));
        Vector512<double> m = ((bits & Vector512.Create(MantissaMask)) + Vector512.Create(SqrtHalfBits)).AsDouble();

        // fdlibm's e_log.c: with f = m - 1 (exact) and s = f/(2 + f), ln m = f - f²/2 + s·(f²/2 + R(s²)).
        // Unlike fdlibm, the large terms are added with their rounding errors kept (f²/2's by a fused
        // multiply-add, f - f²/2's and k·ln2Hi + (f - f²/2)'s by Fast2Sum, valid since |f| ≥ f²/2 and, for
        // k ≠ 0, |k·ln2Hi| ≥ ln 2 > |ln m|), which brings the error from fdlibm's 0.76 ulp to about 0.5.
        Vector512<double> f = m - Vector512<double>.One;
        Vector512<double> halfF = Vector512.Create(0.5) * f;
        Vector512<double> halfSquare = halfF * f;
        Vector512<double> halfSquareError = Vector512.FusedMultiplyAdd(halfF, f, -halfSquare);
        Vector512<double> s = f / (Vector512.Create(2.0) + f);
        Vector512<double> z = s * s;
        Vector512<double> w = z * z;
        Vector512<double> t1 = w * Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(Lg6), w, Vector512.Create(Lg4)), w, Vector512.Create(Lg2));
        Vector512<double> t2 = z * Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(Lg7), w, Vector512.Create(Lg5)), w, Vector512.Create(Lg3)), w, Vector512.Create(Lg1));
        Vector512<double> r = t2 + t1;
        Vector512<double> head = f - halfSquare;
        Vector512<double> headError = (f - head) - halfSquare;
        Vector512<double> small = Vector512.FusedMultiplyAdd(s, halfSquare + r, k * Vector512.Create(Ln2Lo)) + (headError - halfSquareError);
        Vector512<double> kHi = k * Vector512.Create(Ln2Hi);
        Vector512<double> sum = kHi + head;
        Vector512<double> sumError = (kHi - sum) + head;
        Vector512<double> result = sum + (sumError + small);

        // +inf → +inf, ±0 → -inf, negative → NaN, NaN → itself (its payload kept).
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), Vector512.Create(double.NaN), result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>The logarithm as an elementwise operator.</summary>
    internal readonly struct Function : IDoubleUnaryOperator
    {
        public static Vector256<double> Invoke(Vector256<double> x) => Log(x);

        public static Vector512<double> Invoke(Vector512<double> x) => Log(x);
    }
}
