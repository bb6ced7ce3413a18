using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>
/// The float32 ⇄ double moves of the loss kernels: widen logits to double, and round scaled double
/// results to float32 once. Vector512 where the hardware has it; the scalar loop computes the same values.
/// </summary>
internal static class LossVectorMath
{
    /// <summary>Below this argument e^x is taken as 0: e^-707 ≈ 1e-307 is far below float32's 2^-149 relative to any sum ≥ 1.</summary>
    private const double ExpCutoff = -707.0;

    private const double EightOverLn2 = 11.541560327111707;

    /// <summary>ln2/8 = Ln2Over8Hi + Ln2Over8Lo to about 2^-110.</summary>
    private const double Ln2Over8Hi = 0.08664339756999316;
    private const double Ln2Over8Lo = 2.8988085173078744e-18;

    /// <summary>
    /// True when the vectorised exponential below runs (AVX-512F and DQ: the table permute and the
    /// double → int64 conversion); elsewhere the scalar <see cref="Math.Exp"/> loop computes the same values.
    /// </summary>
    public static bool HasVectorExp => Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>
    /// e^x for x ≤ 0 (x = -∞ gives 0, NaN stays NaN; arguments below -707 give 0), for 8 lanes.
    /// </summary>
    /// <remarks>
    /// Written for the loss kernels, whose arguments are z_j - max z or -|z|: never positive, and only needed
    /// to about 2^-45 relative. x = (k/8)·ln 2 + r with |r| ≤ ln2/16 (ln2/8 split in two, each product taken
    /// by a fused multiply-add); e^x = 2^(k div 8) · 2^((k mod 8)/8) · e^r with the eight 2^(j/8) in a
    /// register table and e^r - 1 by its Taylor polynomial of degree 8, whose remainder r^9/9! is below
    /// 1.6e-18. Relative error under 4 double ulps (2^-51), measured against <see cref="Math.Exp"/> in the
    /// tests; about twice as fast as TensorPrimitives.Exp for double here, which handles every argument.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        Vector512<double> table = Vector512.Create(
            1.0, 1.0905077326652577, 1.189207115002721, 1.2968395546510096,
            1.4142135623730951, 1.5422108254079407, 1.681792830507429, 1.8340080864093424);
        Vector512<double> cut = Vector512.Max(x, Vector512.Create(ExpCutoff));
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
        scaled = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpCutoff)), Vector512<double>.Zero, scaled);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), scaled, x);
    }

    /// <summary>values[i] = e^values[i] for values ≤ 0, in place (see <see cref="ExpNonPositive(Vector512{double})"/>).</summary>
    public static void ExpNonPositive(Span<double> values)
    {
        int n = values.Length;
        int i = 0;
        if (HasVectorExp)
        {
            ref double v = ref MemoryMarshal.GetReference(values);
            for (; i <= n - 8; i += 8)
            {
                ExpNonPositive(Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            values[i] = Math.Exp(values[i]);
        }
    }

    /// <summary>
    /// e[j] = exp(z[j] - shift) for a shift ≥ max z, and returns Σ e[j]: one pass over the row. z[j] - shift
    /// is exact in double for float inputs.
    /// </summary>
    public static double ExpShiftedSum(ReadOnlySpan<float> z, float shift, Span<double> e)
    {
        int n = z.Length;
        int i = 0;
        double sum = 0;
        if (HasVectorExp)
        {
            ref float s = ref MemoryMarshal.GetReference(z);
            ref double d = ref MemoryMarshal.GetReference(e);
            Vector512<double> m = Vector512.Create((double)shift);
            Vector512<double> accumulator = Vector512<double>.Zero;
            for (; i <= n - 16; i += 16)
            {
                (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
                Vector512<double> a = ExpNonPositive(lower - m);
                Vector512<double> b = ExpNonPositive(upper - m);
                a.StoreUnsafe(ref d, (nuint)i);
                b.StoreUnsafe(ref d, (nuint)(i + 8));
                accumulator += a + b;
            }

            sum = Vector512.Sum(accumulator);
        }

        for (; i < n; i++)
        {
            double v = Math.Exp((double)z[i] - shift);
            e[i] = v;
            sum += v;
        }

        return sum;
    }

    /// <summary>destination[i] = (double)source[i] - shift (exact for float inputs and a float shift).</summary>
    public static void WidenSubtract(ReadOnlySpan<float> source, double shift, Span<double> destination)
    {
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(source);
            ref double d = ref MemoryMarshal.GetReference(destination);
            Vector512<double> m = Vector512.Create(shift);
            for (; i <= n - 16; i += 16)
            {
                (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
                (lower - m).StoreUnsafe(ref d, (nuint)i);
                (upper - m).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }

        for (; i < n; i++)
        {
            destination[i] = source[i] - shift;
        }
    }

    /// <summary>destination[i] = (float)(source[i] · scale): one double product, one rounding to float32.</summary>
    public static void ScaleNarrow(ReadOnlySpan<double> source, double scale, Span<float> destination)
    {
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref double s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(destination);
            Vector512<double> f = Vector512.Create(scale);
            for (; i <= n - 16; i += 16)
            {
                Vector512<double> lower = Vector512.LoadUnsafe(ref s, (nuint)i) * f;
                Vector512<double> upper = Vector512.LoadUnsafe(ref s, (nuint)(i + 8)) * f;
                Vector512.Narrow(lower, upper).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            destination[i] = (float)(source[i] * scale);
        }
    }

    /// <summary>Σ_{j ≠ skip} values[j], without forming the full sum first (no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumExcept(ReadOnlySpan<double> values, int skip) =>
        Sum(values[..skip]) + Sum(values[(skip + 1)..]);

    /// <summary>Σ values[j] in double, vectorised for long rows and a plain loop for short ones.</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        if (values.Length >= 32)
        {
            return System.Numerics.Tensors.TensorPrimitives.Sum(values);
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>The largest value (NaN if any value is NaN), vectorised for long rows.</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        if (values.Length >= 32)
        {
            return System.Numerics.Tensors.TensorPrimitives.Max(values);
        }

        float max = values[0];
        for (int j = 1; j < values.Length; j++)
        {
            // Math.Max returns NaN when either argument is NaN.
            max = Math.Max(max, values[j]);
        }

        return max;
    }
}
