using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>
/// e^x in double for x ≤ 0, 8 lanes at a time: the loss kernels only exponentiate z_j - max z and -|z|.
/// x = -∞ gives 0, NaN stays NaN, arguments below -707 give 0 (e^-707 ≈ 1e-307 is far below float32's
/// 2^-149 relative to any sum ≥ 1, so no float32 output changes).
/// </summary>
/// <remarks>
/// Both forms reduce x = (k/N)·ln 2 + r with |r| ≤ ln2/(2N) by fused multiply-adds, take 2^((k mod N)/N)
/// from a register table (one permute), e^r - 1 from its Taylor polynomial, and scale by 2^(k div N)
/// through the exponent bits. <see cref="Invoke"/> is callable only where <see cref="LossVectorMath.HasVectorExp"/>
/// is true, <see cref="Invoke256"/> only where <see cref="LossVectorMath.Has256Exp"/> is; <see cref="Lane"/> runs
/// the same operations, in the same order, on one value anywhere. So a value's exponential has the same bits in a
/// vector body, in a tail and on a machine without AVX-512 (the design's rule: the same bits on every instruction
/// set): each operation is exactly rounded (a fused multiply-add is one rounding with or without the FMA
/// instruction), and the 256-bit form gets k and the table entry by other instructions but the same values.
/// </remarks>
internal interface INonPositiveExp
{
    /// <summary>e^x for 8 lanes of x ≤ 0.</summary>
    static abstract Vector512<double> Invoke(Vector512<double> x);

    /// <summary>e^x for 4 lanes of x ≤ 0 with AVX2 and FMA: the bits of <see cref="Invoke"/>.</summary>
    static abstract Vector256<double> Invoke256(Vector256<double> x);

    /// <summary>e^x for one x ≤ 0: the bits of one lane of <see cref="Invoke"/>.</summary>
    static abstract double Lane(double x);
}

/// <summary>The steps of the 256-bit forms that AVX2 lacks as single instructions.</summary>
internal static unsafe class NonPositiveExp256
{
    /// <summary>2^52 + 2^51: adding it to an integral double below 2^51 in magnitude puts the integer in the low mantissa bits.</summary>
    private const double RoundingMagic = 6755399441055744.0;

    /// <summary>
    /// The integer k of an integral kf (|kf| &lt; 2^51), exactly as a conversion to int64 gives it: AVX2 has no
    /// double → int64 conversion, but kf + 2^52 + 2^51 is exact and its bits are those of the magic plus k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<long> ToInt64(Vector256<double> kf) =>
        (kf + Vector256.Create(RoundingMagic)).AsInt64() - Vector256.Create(RoundingMagic).AsInt64();

    /// <summary>table[k &amp; mask] for four lanes: one gather (AVX2 has no variable permute of doubles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Lookup(double[] table, Vector256<long> k, int mask)
    {
        // The low 32 bits of each 64-bit lane, which hold k & mask, as four int indices.
        Vector128<int> index = Avx2.PermuteVar8x32(k.AsInt32(), Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6)).GetLower() & Vector128.Create(mask);
        fixed (double* first = table)
        {
            return Avx2.GatherVector256(first, index, 8);
        }
    }

    /// <summary>
    /// y scaled by 2^(k >> shift) through its exponent bits. Only the low 12 bits of k >> shift reach the exponent after
    /// the shift by 52, and they are the same for the logical shift (AVX2) as for the arithmetic one (the other forms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Scale(Vector256<double> y, Vector256<long> k, int shift) =>
        (y.AsInt64() + Vector256.ShiftLeft(Vector256.ShiftRightLogical(k, shift), 52)).AsDouble();

    /// <summary>The last steps of both forms: y scaled by 2^(k >> shift), 0 below the cutoff, and NaN passed on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Finish(Vector256<double> x, Vector256<double> y, Vector256<long> k, int shift, double cutoff)
    {
        Vector256<double> scaled = Scale(y, k, shift);
        scaled = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(cutoff)), Vector256<double>.Zero, scaled);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), scaled, x);
    }

    /// <summary>The one-lane forms' last step: y scaled by 2^(k >> shift) through its exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ScaleLane(double y, long k, int shift) =>
        BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(y) + ((k >> shift) << 52));
}

/// <summary>
/// Relative error under 4 double ulps (2^-51), measured against <see cref="Math.Exp"/> in the tests: for
/// values that feed a cancellation (soft-target gradients, σ(z) - y, focal weights). N = 8, ln2/8 in two
/// parts, degree-8 polynomial (remainder r^9/9! &lt; 1.6e-18). About 1.2× faster than TensorPrimitives.Exp
/// for double, which handles every argument.
/// </summary>
internal readonly struct AccurateExp : INonPositiveExp
{
    private const double Cutoff = -707.0;
    private const double EightOverLn2 = 11.541560327111707;
    private const double Ln2Over8Hi = 0.08664339756999316;
    private const double Ln2Over8Lo = 2.8988085173078744e-18;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x)
    {
        Vector512<double> table = Vector512.Create(
            1.0, 1.0905077326652577, 1.189207115002721, 1.2968395546510096,
            1.4142135623730951, 1.5422108254079407, 1.681792830507429, 1.8340080864093424);
        Vector512<double> cut = Vector512.Max(x, Vector512.Create(Cutoff));
        Vector512<double> kf = Vector512.Round(cut * Vector512.Create(EightOverLn2));
        Vector512<double> r = Vector512.FusedMultiplyAdd(kf, Vector512.Create(-Ln2Over8Hi), cut);
        r = Vector512.FusedMultiplyAdd(kf, Vector512.Create(-Ln2Over8Lo), r);
        Vector512<long> k = Avx512DQ.ConvertToVector512Int64(kf);
        Vector512<double> t = Avx512F.PermuteVar8x64(table, k & Vector512.Create(7L));
        Vector512<double> p = Vector512.Create(1.0 / 40320);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        p *= r;
        Vector512<double> y = Vector512.FusedMultiplyAdd(t, p, t);
        Vector512<double> scaled = (y.AsInt64() + Vector512.ShiftLeft(Vector512.ShiftRightArithmetic(k, 3), 52)).AsDouble();
        scaled = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Cutoff)), Vector512<double>.Zero, scaled);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), scaled, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke256(Vector256<double> x)
    {
        Vector256<double> cut = Vector256.Max(x, Vector256.Create(Cutoff));
        Vector256<double> kf = Vector256.Round(cut * Vector256.Create(EightOverLn2));
        Vector256<double> r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Over8Hi), cut);
        r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Over8Lo), r);
        Vector256<long> k = NonPositiveExp256.ToInt64(kf);
        Vector256<double> t = NonPositiveExp256.Lookup(Table, k, 7);
        Vector256<double> p = Vector256.Create(1.0 / 40320);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 5040));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 720));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 120));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<double>.One);
        p *= r;
        Vector256<double> y = Vector256.FusedMultiplyAdd(t, p, t);
        return NonPositiveExp256.Finish(x, y, k, 3, Cutoff);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(double x)
    {
        if (double.IsNaN(x) || x < Cutoff)
        {
            return double.IsNaN(x) ? x : 0.0;
        }

        double kf = Math.Round(x * EightOverLn2);
        double r = Math.FusedMultiplyAdd(kf, -Ln2Over8Hi, x);
        r = Math.FusedMultiplyAdd(kf, -Ln2Over8Lo, r);
        long k = (long)kf;
        double t = Table[(int)(k & 7)];
        double p = 1.0 / 40320;
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 5040);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 720);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 120);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 24);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 6);
        p = Math.FusedMultiplyAdd(p, r, 0.5);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        p *= r;
        double y = Math.FusedMultiplyAdd(t, p, t);
        return NonPositiveExp256.ScaleLane(y, k, 3);
    }

    /// <summary>2^(i/8), i = 0..7: the register table of <see cref="Invoke"/>.</summary>
    private static readonly double[] Table =
    [
        1.0, 1.0905077326652577, 1.189207115002721, 1.2968395546510096,
        1.4142135623730951, 1.5422108254079407, 1.681792830507429, 1.8340080864093424,
    ];
}

/// <summary>
/// Relative error under 2^-42 (measured in the tests): for hard-label softmax cross-entropy, whose outputs
/// are ratios and sums of non-negative e_j with no cancellation, so a float32 result moves by at most
/// 2^-17 ulp beyond its rounding. N = 16 (two-register permute), ln2/16 in one part (its rounding adds
/// at most 2^-44 for |x| ≤ 707), degree-5 polynomial (remainder r^6/6! &lt; 1.5e-13 = 2^-42.6).
/// About 15% faster than <see cref="AccurateExp"/>: the softmax step's exponential is most of its time.
/// </summary>
internal readonly struct QuickExp : INonPositiveExp
{
    private const double Cutoff = -707.0;
    private const double SixteenOverLn2 = 23.083120654223414;
    private const double Ln2Over16 = 0.04332169878499658;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x)
    {
        Vector512<double> lowTable = Vector512.Create(
            1.0, 1.0442737824274138, 1.0905077326652577, 1.1387886347566916,
            1.189207115002721, 1.241857812073484, 1.2968395546510096, 1.3542555469368927);
        Vector512<double> highTable = Vector512.Create(
            1.4142135623730951, 1.4768261459394993, 1.5422108254079407, 1.6104903319492543,
            1.681792830507429, 1.7562521603732995, 1.8340080864093424, 1.9152065613971474);
        Vector512<double> cut = Vector512.Max(x, Vector512.Create(Cutoff));
        Vector512<double> kf = Vector512.Round(cut * Vector512.Create(SixteenOverLn2));
        Vector512<double> r = Vector512.FusedMultiplyAdd(kf, Vector512.Create(-Ln2Over16), cut);
        Vector512<long> k = Avx512DQ.ConvertToVector512Int64(kf);
        Vector512<double> t = Avx512F.PermuteVar8x64x2(lowTable, k & Vector512.Create(15L), highTable);
        Vector512<double> p = Vector512.Create(1.0 / 120);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        p *= r;
        Vector512<double> y = Vector512.FusedMultiplyAdd(t, p, t);
        Vector512<double> scaled = (y.AsInt64() + Vector512.ShiftLeft(Vector512.ShiftRightArithmetic(k, 4), 52)).AsDouble();
        scaled = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Cutoff)), Vector512<double>.Zero, scaled);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), scaled, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke256(Vector256<double> x)
    {
        Vector256<double> cut = Vector256.Max(x, Vector256.Create(Cutoff));
        Vector256<double> kf = Vector256.Round(cut * Vector256.Create(SixteenOverLn2));
        Vector256<double> r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Over16), cut);
        Vector256<long> k = NonPositiveExp256.ToInt64(kf);
        Vector256<double> t = NonPositiveExp256.Lookup(Table, k, 15);
        Vector256<double> p = Vector256.Create(1.0 / 120);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<double>.One);
        p *= r;
        Vector256<double> y = Vector256.FusedMultiplyAdd(t, p, t);
        return NonPositiveExp256.Finish(x, y, k, 4, Cutoff);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(double x)
    {
        if (double.IsNaN(x) || x < Cutoff)
        {
            return double.IsNaN(x) ? x : 0.0;
        }

        double kf = Math.Round(x * SixteenOverLn2);
        double r = Math.FusedMultiplyAdd(kf, -Ln2Over16, x);
        long k = (long)kf;
        double t = Table[(int)(k & 15)];
        double p = 1.0 / 120;
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 24);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 6);
        p = Math.FusedMultiplyAdd(p, r, 0.5);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        p *= r;
        double y = Math.FusedMultiplyAdd(t, p, t);
        return NonPositiveExp256.ScaleLane(y, k, 4);
    }

    /// <summary>2^(i/16), i = 0..15: the two register tables of <see cref="Invoke"/>, low then high.</summary>
    private static readonly double[] Table =
    [
        1.0, 1.0442737824274138, 1.0905077326652577, 1.1387886347566916,
        1.189207115002721, 1.241857812073484, 1.2968395546510096, 1.3542555469368927,
        1.4142135623730951, 1.4768261459394993, 1.5422108254079407, 1.6104903319492543,
        1.681792830507429, 1.7562521603732995, 1.8340080864093424, 1.9152065613971474,
    ];
}
