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
    /// <summary>
    /// True when the vectorised exponentials run (AVX-512F and DQ: the table permute and the double → int64
    /// conversion); elsewhere, and in the tails, <see cref="INonPositiveExp.Lane"/> runs the same operations one
    /// value at a time, so every value gets the same bits either way.
    /// </summary>
    public static bool HasVectorExp => Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>
    /// True when the 256-bit exponentials run instead (<see cref="INonPositiveExp.Invoke256"/>: AVX2 and FMA, without
    /// AVX-512); they give the 512-bit forms' bits.
    /// </summary>
    public static bool Has256Exp => !HasVectorExp && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>values[i] = e^values[i] for values ≤ 0, in place, with the exponential <typeparamref name="TExp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExpNonPositive<TExp>(Span<double> values)
        where TExp : struct, INonPositiveExp
    {
        int n = values.Length;
        int i = 0;
        if (HasVectorExp)
        {
            ref double v = ref MemoryMarshal.GetReference(values);
            for (; i <= n - 8; i += 8)
            {
                TExp.Invoke(Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }
        else if (Has256Exp)
        {
            ref double v = ref MemoryMarshal.GetReference(values);
            for (; i <= n - 4; i += 4)
            {
                TExp.Invoke256(Vector256.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            values[i] = TExp.Lane(values[i]);
        }
    }

    /// <summary>
    /// e[j] = exp(z[j] - shift) for a shift ≥ max z, and returns Σ e[j] added in <see cref="Sum"/>'s order. z[j] - shift
    /// is exact in double for float inputs. The exponential is <typeparamref name="TExp"/>: its vector form on the
    /// body, its one-lane form on the tail and without AVX-512, which give the same bits. (The sum was taken in a
    /// vector accumulator on AVX-512 and in a plain loop elsewhere, and the tail used Math.Exp, so a loss or gradient
    /// could differ in its last bit between machines and between positions in a row.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ExpShiftedSum<TExp>(ReadOnlySpan<float> z, float shift, Span<double> e)
        where TExp : struct, INonPositiveExp
    {
        int n = z.Length;
        if (!HasVectorExp)
        {
            // Widened and shifted first, then exponentiated in place: a scalar convert into the register that held the
            // last value would chain every lane's exponential to the one before (measured 2.8× slower on AVX2).
            WidenSubtract(z, shift, e[..n]);
            ExpNonPositive<TExp>(e[..n]);
            return Sum(e[..n]);
        }

        int i = 0;
        ref float s = ref MemoryMarshal.GetReference(z);
        ref double d = ref MemoryMarshal.GetReference(e);
        Vector512<double> m = Vector512.Create((double)shift);
        for (; i <= n - 16; i += 16)
        {
            (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
            TExp.Invoke(lower - m).StoreUnsafe(ref d, (nuint)i);
            TExp.Invoke(upper - m).StoreUnsafe(ref d, (nuint)(i + 8));
        }

        for (; i < n; i++)
        {
            e[i] = TExp.Lane((double)z[i] - shift);
        }

        return Sum(e[..n]);
    }

    /// <summary>destination[i] = (double)source[i] - shift (exact for float inputs and a float shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        else if (Vector256.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(source);
            ref double d = ref MemoryMarshal.GetReference(destination);
            Vector256<double> m = Vector256.Create(shift);
            for (; i <= n - 8; i += 8)
            {
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (lower - m).StoreUnsafe(ref d, (nuint)i);
                (upper - m).StoreUnsafe(ref d, (nuint)(i + 4));
            }
        }

        for (; i < n; i++)
        {
            destination[i] = source[i] - shift;
        }
    }

    /// <summary>destination[i] = (float)(source[i] · scale): one double product, one rounding to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// Σ values[j] in double, in one order on every instruction set: a plain loop for short rows; from 32 on, eight
    /// running sums (lane l takes j ≡ l mod 8, as two 4-double vectors), combined as <see cref="Vector256.Sum{T}"/>
    /// of their pairwise sum, then the last (length mod 8) values in order. <c>TensorPrimitives.Sum</c>, used here
    /// before, adds in an order that follows the hardware's vector width, so a loss over 33 or more classes could
    /// differ in its last bit between AVX-512, AVX2 and scalar machines.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ReadOnlySpan<double> values)
    {
        if (values.Length >= 32)
        {
            ref double first = ref MemoryMarshal.GetReference(values);
            Vector256<double> lower = Vector256<double>.Zero, upper = Vector256<double>.Zero;
            int j = 0;
            for (; j <= values.Length - 8; j += 8)
            {
                lower += Vector256.LoadUnsafe(ref first, (nuint)j);
                upper += Vector256.LoadUnsafe(ref first, (nuint)j + 4);
            }

            double total = Vector256.Sum(lower + upper);
            for (; j < values.Length; j++)
            {
                total += values[j];
            }

            return total;
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>The largest value (NaN if any value is NaN), vectorised for long rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
