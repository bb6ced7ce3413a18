using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// e^x for x ≤ 0 on four doubles at once: the one transcendental the softmax family spends its
/// time in, written here because the platform's <c>Vector256.Exp(Vector256&lt;double&gt;)</c> measured
/// about three times slower than this on the AVX-512 machine we benchmark on, and so that the
/// error bound is ours to state.
/// </summary>
/// <remarks>
/// <para>
/// Method (Cody and Waite's reduction, as in fdlibm's <c>e_exp.c</c>): k = round(x / ln 2),
/// r = (x - k·ln2Hi) - k·ln2Lo with ln2Hi holding 32 significant bits, so k·ln2Hi and the first
/// subtraction are exact for |k| ≤ 1100 and |r| ≤ ln2/2 + 2^-40. Then e^r by its Taylor series to
/// degree 11 in Estrin's form with fused multiply-adds (truncation below 0.347^12/12! &lt; 2^-47, ample
/// for results rounded to float32's 2^-24), and
/// the result is scaled by 2^k through the exponent bits.
/// </para>
/// <para>
/// Error: the reduction adds at most 2^-53·|r| + 1100·2^-85 to r, the polynomial its truncation
/// plus about one rounding, so under 2^-46 relative overall (tests compare with
/// <see cref="Math.Exp(double)"/> across [-708, 0]). Domain: x ≤ 0 only, which is all the softmax
/// family needs (z - max and -|x|). Below -708.39 (where e^x is subnormal in double, under 2^-1022)
/// it returns 0: an absolute error under 2^-1022, invisible in any float32 result built from it.
/// -inf gives 0; NaN gives NaN.
/// </para>
/// <para>
/// The softmax cross-entropy kernels have their own table-driven forms (<see cref="AccurateExp"/>, <see cref="QuickExp"/>:
/// 512-bit, 256-bit and one-lane forms with the same bits):
/// routing this 512-bit path through <see cref="AccurateExp"/> was measured 10–25% slower on every op of
/// the softmax family (the short dependency chain of Estrin's scheme matters inside a row), while the
/// losses need AccurateExp's 2^-51 where a value feeds a cancellation and QuickExp's throughput
/// elsewhere. Each form is where it is fastest for its accuracy. Binary cross-entropy from logits takes
/// <see cref="ExpNonPositiveAccurate(Span{double})"/> instead: AccurateExp's accuracy with the same bits on every
/// instruction set, where AccurateExp (then AVX-512 only) beside a Math.Exp tail gave other bits by position and machine.
/// </para>
/// </remarks>
internal static class VectorExp
{
    private const double Log2E = 1.4426950408889634;

    // fdlibm's split of ln 2: Hi has its low 21 bits zero, Lo holds the rest.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    // 1.5·2^52: adding it rounds a double of magnitude below 2^51 to an integer held in the low mantissa bits.
    private const double RoundingMagic = 6755399441055744.0;

    // ln(2^-1022): below this the result would be subnormal; returned as 0 (see remarks).
    private const double Underflow = -708.3964185322641;

    /// <summary>e^x on four doubles, each x ≤ 0 (see the class remarks for the error and edge cases).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpNonPositive(Vector256<double> x)
    {
        Vector256<double> shifted = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundingMagic));
        Vector256<double> k = shifted - Vector256.Create(RoundingMagic);
        Vector256<double> r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Lo), r);

        // Taylor coefficients 1/n!, n = 0..11, in Estrin's scheme: pairs, then pairs of pairs with
        // r², r⁴, r⁸. Four dependent steps instead of Horner's eleven, which is what short rows wait on.
        Vector256<double> r2 = r * r;
        Vector256<double> r4 = r2 * r2;
        Vector256<double> r8 = r4 * r4;
        Vector256<double> p01 = r + Vector256<double>.One;
        Vector256<double> p23 = Vector256.FusedMultiplyAdd(Vector256.Create(1.6666666666666666e-01), r, Vector256.Create(0.5));
        Vector256<double> p45 = Vector256.FusedMultiplyAdd(Vector256.Create(8.333333333333333e-03), r, Vector256.Create(4.1666666666666664e-02));
        Vector256<double> p67 = Vector256.FusedMultiplyAdd(Vector256.Create(1.984126984126984e-04), r, Vector256.Create(1.388888888888889e-03));
        Vector256<double> p89 = Vector256.FusedMultiplyAdd(Vector256.Create(2.7557319223985893e-06), r, Vector256.Create(2.48015873015873e-05));
        Vector256<double> p1011 = Vector256.FusedMultiplyAdd(Vector256.Create(2.505210838544172e-08), r, Vector256.Create(2.755731922398589e-07));
        Vector256<double> p03 = Vector256.FusedMultiplyAdd(p23, r2, p01);
        Vector256<double> p47 = Vector256.FusedMultiplyAdd(p67, r2, p45);
        Vector256<double> p811 = Vector256.FusedMultiplyAdd(p1011, r2, p89);
        Vector256<double> p = Vector256.FusedMultiplyAdd(p811, r8, Vector256.FusedMultiplyAdd(p47, r4, p03));

        // 2^k from its bits: the integer k sits in the low bits of `shifted`; biased by 1023 and
        // moved into the exponent field. Valid for -1022 ≤ k ≤ 0, i.e. for x ≥ Underflow.
        Vector256<long> exponent = shifted.AsInt64() - Vector256.Create(BitConverter.DoubleToInt64Bits(RoundingMagic) - 1023);
        Vector256<double> scale = Vector256.ShiftLeft(exponent, 52).AsDouble();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Underflow)), Vector256<double>.Zero, p * scale);
    }

    /// <summary>The same on eight doubles, for AVX-512 hardware.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        Vector512<double> shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingMagic));
        Vector512<double> k = shifted - Vector512.Create(RoundingMagic);
        Vector512<double> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Lo), r);

        // Taylor coefficients 1/n!, n = 0..11, in Estrin's scheme: pairs, then pairs of pairs with
        // r², r⁴, r⁸. Four dependent steps instead of Horner's eleven, which is what short rows wait on.
        Vector512<double> r2 = r * r;
        Vector512<double> r4 = r2 * r2;
        Vector512<double> r8 = r4 * r4;
        Vector512<double> p01 = r + Vector512<double>.One;
        Vector512<double> p23 = Vector512.FusedMultiplyAdd(Vector512.Create(1.6666666666666666e-01), r, Vector512.Create(0.5));
        Vector512<double> p45 = Vector512.FusedMultiplyAdd(Vector512.Create(8.333333333333333e-03), r, Vector512.Create(4.1666666666666664e-02));
        Vector512<double> p67 = Vector512.FusedMultiplyAdd(Vector512.Create(1.984126984126984e-04), r, Vector512.Create(1.388888888888889e-03));
        Vector512<double> p89 = Vector512.FusedMultiplyAdd(Vector512.Create(2.7557319223985893e-06), r, Vector512.Create(2.48015873015873e-05));
        Vector512<double> p1011 = Vector512.FusedMultiplyAdd(Vector512.Create(2.505210838544172e-08), r, Vector512.Create(2.755731922398589e-07));
        Vector512<double> p03 = Vector512.FusedMultiplyAdd(p23, r2, p01);
        Vector512<double> p47 = Vector512.FusedMultiplyAdd(p67, r2, p45);
        Vector512<double> p811 = Vector512.FusedMultiplyAdd(p1011, r2, p89);
        Vector512<double> p = Vector512.FusedMultiplyAdd(p811, r8, Vector512.FusedMultiplyAdd(p47, r4, p03));

        // 2^k from its bits: the integer k sits in the low bits of `shifted`; biased by 1023 and
        // moved into the exponent field. Valid for -1022 ≤ k ≤ 0, i.e. for x ≥ Underflow.
        Vector512<long> exponent = shifted.AsInt64() - Vector512.Create(BitConverter.DoubleToInt64Bits(RoundingMagic) - 1023);
        Vector512<double> scale = Vector512.ShiftLeft(exponent, 52).AsDouble();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Underflow)), Vector512<double>.Zero, p * scale);
    }

    /// <summary>
    /// values[i] = e^values[i] for values ≤ 0, in place, within 1.2 double ulps (measured 1.13 against a double-double
    /// reference over [-708.39, 0], so a relative error below 2^-51.8; binary cross-entropy's σ(z) - y needs 2^-50): the
    /// same reduction as <see cref="ExpNonPositive(Vector256{double})"/>, the Taylor series to degree 13 (truncation
    /// below 2^-57), and the widest hardware vectors first, then one lane of the 256-bit code (software vectors
    /// where there is no hardware), so each value gets the same bits on every instruction set and at every position.
    /// Below -708.39 it returns 0, like <see cref="ExpNonPositive(Vector256{double})"/>; NaN gives the same NaN.
    /// </summary>
    public static void ExpNonPositiveAccurate(Span<double> values) => ElementwiseDouble.ApplyInPlace<AccurateFunction>(values);

    /// <summary>The accurate exponential as an elementwise operator.</summary>
    internal readonly struct AccurateFunction : IDoubleUnaryOperator
    {
        public static Vector256<double> Invoke(Vector256<double> x) => ExpNonPositiveAccurate(x);

        public static Vector512<double> Invoke(Vector512<double> x) => ExpNonPositiveAccurate(x);
    }

    /// <summary>e^x on four doubles x ≤ 0 within 1.2 double ulps (see <see cref="ExpNonPositiveAccurate(Span{double})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpNonPositiveAccurate(Vector256<double> x)
    {
        Vector256<double> shifted = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundingMagic));
        Vector256<double> k = shifted - Vector256.Create(RoundingMagic);
        Vector256<double> r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Lo), r);

        // e^r = 1 + r·q(r), q(r) = Σ r^n/(n+1)! for n = 0..12 in Estrin's scheme, the 1 added last by one fused
        // multiply-add so that only q's small relative error (scaled by |r| ≤ 0.35) adds to the final rounding.
        Vector256<double> r2 = r * r;
        Vector256<double> r4 = r2 * r2;
        Vector256<double> r8 = r4 * r4;
        Vector256<double> q01 = Vector256.FusedMultiplyAdd(Vector256.Create(0.5), r, Vector256<double>.One);
        Vector256<double> q23 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 24), r, Vector256.Create(1.0 / 6));
        Vector256<double> q45 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 720), r, Vector256.Create(1.0 / 120));
        Vector256<double> q67 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 40320), r, Vector256.Create(1.0 / 5040));
        Vector256<double> q89 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 3628800), r, Vector256.Create(1.0 / 362880));
        Vector256<double> q1011 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 479001600), r, Vector256.Create(1.0 / 39916800));
        Vector256<double> q03 = Vector256.FusedMultiplyAdd(q23, r2, q01);
        Vector256<double> q47 = Vector256.FusedMultiplyAdd(q67, r2, q45);
        Vector256<double> q811 = Vector256.FusedMultiplyAdd(q1011, r2, q89);
        Vector256<double> q812 = Vector256.FusedMultiplyAdd(Vector256.Create(1.0 / 6227020800), r4, q811);
        Vector256<double> q = Vector256.FusedMultiplyAdd(q812, r8, Vector256.FusedMultiplyAdd(q47, r4, q03));
        Vector256<double> p = Vector256.FusedMultiplyAdd(r, q, Vector256<double>.One);

        Vector256<long> exponent = shifted.AsInt64() - Vector256.Create(BitConverter.DoubleToInt64Bits(RoundingMagic) - 1023);
        Vector256<double> scale = Vector256.ShiftLeft(exponent, 52).AsDouble();
        Vector256<double> result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Underflow)), Vector256<double>.Zero, p * scale);

        // NaN returned as itself: software fused multiply-adds need not propagate a payload as hardware does.
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>The same on eight doubles: the same operations per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ExpNonPositiveAccurate(Vector512<double> x)
    {
        Vector512<double> shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingMagic));
        Vector512<double> k = shifted - Vector512.Create(RoundingMagic);
        Vector512<double> r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-Ln2Lo), r);

        // e^r = 1 + r·q(r), q(r) = Σ r^n/(n+1)! for n = 0..12 in Estrin's scheme, the 1 added last by one fused
        // multiply-add so that only q's small relative error (scaled by |r| ≤ 0.35) adds to the final rounding.
        Vector512<double> r2 = r * r;
        Vector512<double> r4 = r2 * r2;
        Vector512<double> r8 = r4 * r4;
        Vector512<double> q01 = Vector512.FusedMultiplyAdd(Vector512.Create(0.5), r, Vector512<double>.One);
        Vector512<double> q23 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 24), r, Vector512.Create(1.0 / 6));
        Vector512<double> q45 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 720), r, Vector512.Create(1.0 / 120));
        Vector512<double> q67 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 40320), r, Vector512.Create(1.0 / 5040));
        Vector512<double> q89 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 3628800), r, Vector512.Create(1.0 / 362880));
        Vector512<double> q1011 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 479001600), r, Vector512.Create(1.0 / 39916800));
        Vector512<double> q03 = Vector512.FusedMultiplyAdd(q23, r2, q01);
        Vector512<double> q47 = Vector512.FusedMultiplyAdd(q67, r2, q45);
        Vector512<double> q811 = Vector512.FusedMultiplyAdd(q1011, r2, q89);
        Vector512<double> q812 = Vector512.FusedMultiplyAdd(Vector512.Create(1.0 / 6227020800), r4, q811);
        Vector512<double> q = Vector512.FusedMultiplyAdd(q812, r8, Vector512.FusedMultiplyAdd(q47, r4, q03));
        Vector512<double> p = Vector512.FusedMultiplyAdd(r, q, Vector512<double>.One);

        Vector512<long> exponent = shifted.AsInt64() - Vector512.Create(BitConverter.DoubleToInt64Bits(RoundingMagic) - 1023);
        Vector512<double> scale = Vector512.ShiftLeft(exponent, 52).AsDouble();
        Vector512<double> result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Underflow)), Vector512<double>.Zero, p * scale);

        // NaN returned as itself: software fused multiply-adds need not propagate a payload as hardware does.
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }
}
