using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// The two reductions every member of the softmax family starts with, for one row: the maximum m,
/// and S = Σ e^(z_j - m) split into the count of entries tied with the maximum and the rest.
/// </summary>
/// <remarks>
/// <para>
/// Why the split: log S = log1p((ties - 1) + rest). When one entry dominates, rest is tiny
/// (1e-30, say) and S = 1 + rest rounds to 1 in any fixed precision, so log S computed as log(S)
/// would be 0 and the log-softmax of the maximum, -log S ≈ -rest, would lose every digit. Kept
/// apart, rest is a sum of positive terms with a small relative error, and so is log1p of it.
/// </para>
/// <para>
/// Error bound: the float32 inputs convert to double exactly; z_j - m is exact or within 2^-53
/// relative (it only rounds when the two floats are far apart in exponent), which moves e^(z_j - m)
/// by at most |z_j - m|·2^-53 ≤ 746·2^-53 &lt; 2^-43 relative where the term is not zero anyway;
/// the vector exponential (<see cref="VectorExp"/>) adds under 2^-46, and the recursive sum of n
/// positive terms adds at most (n - 1)·2^-53. So rest carries a relative error below 2^-42 + n·2^-53.
/// </para>
/// </remarks>
internal static class SoftmaxRow
{
    // The error-bound constants of LogSumExp: 2^-42, 2^-52 and 2^-27 (C# has no hex float literals).
    private const double TwoPowMinus42 = 2.2737367544323206e-13;
    private const double TwoPowMinus52 = 2.220446049250313e-16;
    private const double TwoPowMinus27 = 7.450580596923828e-09;

    /// <summary>Floats per vector step (see <see cref="Widening"/>).</summary>
    public const int Step = 8;

    /// <summary>
    /// The maximum of <paramref name="row"/> (NaN if the row holds a NaN), as TensorPrimitives.Max
    /// computes it: vectorised, and NaN-propagating per IEEE 754:2019 maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(ReadOnlySpan<float> row) => TensorPrimitives.Max(row);

    /// <summary>
    /// Sums e^(z_j - max) over the row: <paramref name="ties"/> counts the entries equal to the
    /// maximum (each contributes exactly 1), <paramref name="rest"/> sums the others. When
    /// <paramref name="exponentials"/> is not empty (it must then have the row's length), it
    /// receives each e^(z_j - max), so softmax need not compute them twice.
    /// </summary>
    /// <remarks>
    /// A NaN entry makes <paramref name="rest"/> NaN; -inf entries contribute 0. The vector loop
    /// takes 8 floats a step; the last partial step reloads the row's last 8 floats and masks off
    /// the lanes already counted, so a row of 10 costs two vector steps and no scalar exponentials.
    /// Rows shorter than 8 run one lane of the same exponential per entry.
    /// </remarks>
    public static void SumExp(ReadOnlySpan<float> row, double max, Span<double> exponentials, out double ties, out double rest)
    {
        if (row.Length < Step)
        {
            SumExpScalar(row, max, exponentials, out ties, out rest);
        }
        else if (Widening.Use512)
        {
            SumExp512(row, max, exponentials, out ties, out rest);
        }
        else
        {
            // Also without hardware vectors: software vectors do the same operations and add the lanes in the
            // same order, where a scalar loop would sum in another order and give other bits.
            SumExp256(row, max, exponentials, out ties, out rest);
        }
    }

    /// <summary>The 8-float step as one 512-bit vector of doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumExp512(ReadOnlySpan<float> row, double max, Span<double> exponentials, out double ties, out double rest)
    {
        int n = row.Length;
        bool store = !exponentials.IsEmpty;
        ref float source = ref MemoryMarshal.GetReference(row);
        ref double destination = ref MemoryMarshal.GetReference(exponentials);
        Vector512<double> m = Vector512.Create(max);
        Vector512<double> tiesSum = Vector512<double>.Zero;
        Vector512<double> restSum = Vector512<double>.Zero;
        int i = 0;
        for (; i <= n - Step; i += Step)
        {
            Vector512<double> d = Widening.ToDouble(Vector256.LoadUnsafe(ref source, (nuint)i)) - m;
            Vector512<double> e = Accumulate(d, Vector512<double>.AllBitsSet, ref tiesSum, ref restSum);
            if (store)
            {
                e.StoreUnsafe(ref destination, (nuint)i);
            }
        }

        if (i < n)
        {
            // The row's last 8 again, with the lanes already counted masked off.
            int start = n - Step;
            Vector512<double> keep = Vector512.GreaterThanOrEqual(Vector512.Create(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0), Vector512.Create((double)(i - start)));
            Vector512<double> d = Widening.ToDouble(Vector256.LoadUnsafe(ref source, (nuint)start)) - m;
            Vector512<double> e = Accumulate(d, keep, ref tiesSum, ref restSum);
            if (store)
            {
                // The overlapping lanes get the values they already hold.
                e.StoreUnsafe(ref destination, (nuint)start);
            }
        }

        // Lanes j and j + 4 first, as the 256-bit path adds its two halves (Vector512.Sum would add lanes 0-3 and
        // 4-7 apart, another order, so other bits near a rounding boundary).
        ties = Vector256.Sum(tiesSum.GetLower() + tiesSum.GetUpper());
        rest = Vector256.Sum(restSum.GetLower() + restSum.GetUpper());
    }

    /// <summary>The 8-float step as two 256-bit vectors of doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumExp256(ReadOnlySpan<float> row, double max, Span<double> exponentials, out double ties, out double rest)
    {
        int n = row.Length;
        bool store = !exponentials.IsEmpty;

        ref float source = ref MemoryMarshal.GetReference(row);
        ref double destination = ref MemoryMarshal.GetReference(exponentials);
        Vector256<double> m = Vector256.Create(max);
        Vector256<double> all = Vector256<double>.AllBitsSet;
        Vector256<double> tiesLower = Vector256<double>.Zero;
        Vector256<double> tiesUpper = Vector256<double>.Zero;
        Vector256<double> restLower = Vector256<double>.Zero;
        Vector256<double> restUpper = Vector256<double>.Zero;
        int i = 0;
        for (; i <= n - Step; i += Step)
        {
            Vector256<float> v = Vector256.LoadUnsafe(ref source, (nuint)i);
            Vector256<double> lower = Accumulate(Vector256.WidenLower(v) - m, all, ref tiesLower, ref restLower);
            Vector256<double> upper = Accumulate(Vector256.WidenUpper(v) - m, all, ref tiesUpper, ref restUpper);
            if (store)
            {
                lower.StoreUnsafe(ref destination, (nuint)i);
                upper.StoreUnsafe(ref destination, (nuint)(i + 4));
            }
        }

        if (i < n)
        {
            int start = n - Step;
            (Vector256<double> keepLower, Vector256<double> keepUpper) = LanesFrom(i - start);
            Vector256<float> v = Vector256.LoadUnsafe(ref source, (nuint)start);
            Vector256<double> lower = Accumulate(Vector256.WidenLower(v) - m, keepLower, ref tiesLower, ref restLower);
            Vector256<double> upper = Accumulate(Vector256.WidenUpper(v) - m, keepUpper, ref tiesUpper, ref restUpper);
            if (store)
            {
                // The overlapping lanes get the values they already hold.
                lower.StoreUnsafe(ref destination, (nuint)start);
                upper.StoreUnsafe(ref destination, (nuint)(start + 4));
            }
        }

        ties = Vector256.Sum(tiesLower + tiesUpper);
        rest = Vector256.Sum(restLower + restUpper);
    }

    /// <summary>
    /// The sum of eight lane sums, each a vector of four rows' (see SoftmaxKernel's four-row path), in the order
    /// <see cref="SumExp"/> adds its lanes for one row: Vector256.Sum of (lanes 0-3 + lanes 4-7), which adds
    /// (a0 + a4) + (a1 + a5), then (a2 + a6) + (a3 + a7), then the two (on hardware and software vectors alike).
    /// </summary>
    public static Vector256<double> CombineLanes(ReadOnlySpan<Vector256<double>> lanes) =>
        ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));

    /// <summary>As the overload for four rows, for vectors of eight rows (SoftmaxKernel's eight-row path): the same order in every lane.</summary>
    public static Vector512<double> CombineLanes(ReadOnlySpan<Vector512<double>> lanes) =>
        ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));

    /// <summary>Masks selecting lanes <paramref name="first"/> to 7 of an 8-float step, as two 4-double halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Lower, Vector256<double> Upper) LanesFrom(int first)
    {
        Vector256<double> threshold = Vector256.Create((double)first);
        return (Vector256.GreaterThanOrEqual(Vector256.Create(0.0, 1.0, 2.0, 3.0), threshold),
            Vector256.GreaterThanOrEqual(Vector256.Create(4.0, 5.0, 6.0, 7.0), threshold));
    }

    /// <summary>
    /// Rows shorter than one vector step: one lane of <see cref="VectorExp"/> per entry (not <see cref="Math.Exp"/>,
    /// whose bits differ near float32 rounding boundaries), so an entry's e^(z - max) is the same as in a long row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumExpScalar(ReadOnlySpan<float> row, double max, Span<double> exponentials, out double ties, out double rest)
    {
        double tiesSum = 0;
        double restSum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            double d = row[i] - max;
            double e = 1;
            if (d == 0)
            {
                tiesSum += 1;
            }
            else
            {
                e = VectorExp.ExpNonPositive(Vector256.Create(d)).ToScalar();
                restSum += e;
            }

            if (!exponentials.IsEmpty)
            {
                exponentials[i] = e;
            }
        }

        ties = tiesSum;
        rest = restSum;
    }

    /// <summary>log S = log1p((ties - 1) + rest), to a relative error below 2^-41 + n·2^-52 (see the class remarks).</summary>
    /// <remarks>
    /// ties - 1 is an exact small integer; adding rest to it adds one rounding, and both are ≥ 0.
    /// The same vector code as <see cref="Log1pBlock"/> on one lane, so a row gets the same bits
    /// whether it is alone or in a block.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LogSum(double ties, double rest)
    {
        double argument = (ties - 1) + rest;
        if (Widening.Use512)
        {
            return Log1p(Vector512.Create(argument)).ToScalar();
        }

        // Without hardware vectors this runs in software, with the same bits.
        return Log1p(Vector256.Create(argument)).ToScalar();
    }

    /// <summary>Rows per block when the logarithms of several rows are taken together (<see cref="Log1pBlock"/>).</summary>
    public const int Block = 8;

    /// <summary>
    /// Replaces each of <see cref="Block"/> values t ≥ 0 (or NaN) by log1p(t), in one vector: for
    /// rows of a few classes the per-row logarithm otherwise costs as much as the exponentials.
    /// </summary>
    public static void Log1pBlock(Span<double> values)
    {
        ref double start = ref MemoryMarshal.GetReference(values[..Block]);
        if (Widening.Use512)
        {
            Log1p(Vector512.LoadUnsafe(ref start)).StoreUnsafe(ref start);
        }
        else
        {
            // Software vectors too (no intrinsics): the same operations, so the same bits as hardware.
            Log1p(Vector256.LoadUnsafe(ref start)).StoreUnsafe(ref start);
            Log1p(Vector256.LoadUnsafe(ref start, 4)).StoreUnsafe(ref start, 4);
        }
    }

    /// <summary>
    /// log1p(t) for t ≥ 0 by Goldberg's method (see <see cref="StableMath.Log1p"/>) with our vector
    /// logarithm (<see cref="VectorLog"/>, the same bits on every instruction set): u = fl(1 + t),
    /// log(u)·t/(u - 1), or t where u rounds to 1. A few double ulps; the suite's tiny log-softmax
    /// values (-1e-30 and below) check it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log1p(Vector512<double> t)
    {
        Vector512<double> one = Vector512<double>.One;
        Vector512<double> u = one + t;
        // Lanes where u == 1 divide 0 by 0; the select discards them.
        return Vector512.ConditionalSelect(Vector512.Equals(u, one), t, VectorLog.Log(u) * (t / (u - one)));
    }

    /// <summary>The 256-bit form of <see cref="Log1p(Vector512{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log1p(Vector256<double> t)
    {
        Vector256<double> one = Vector256<double>.One;
        Vector256<double> u = one + t;
        return Vector256.ConditionalSelect(Vector256.Equals(u, one), t, VectorLog.Log(u) * (t / (u - one)));
    }

    /// <summary>
    /// log Σ e^(z_j) over a non-empty row, to within 1 float32 ulp after rounding: -inf for a row of
    /// -inf, +inf if an entry is +inf, NaN if an entry is NaN.
    /// </summary>
    /// <remarks>
    /// The fast result is m + log S. Its only weakness is cancellation: with m &lt; 0 and log S ≈ -m
    /// the sum is small and the absolute error of log S, up to logS·(2^-42 + n·2^-52), can be many
    /// float32 ulps of it. When that bound exceeds 2^-27 of the result (so more than 1/8 float32
    /// ulp), the row is recomputed in double-double (about 2^-96 absolute), which rounds correctly
    /// unless the true value is below about 2^-70 in magnitude, a closeness to zero no float32 row
    /// is expected to reach (m + log S is never exactly 0 for m &lt; 0, by Lindemann–Weierstrass).
    /// </remarks>
    public static double LogSumExp(ReadOnlySpan<float> row)
    {
        float max = Max(row);
        if (!float.IsFinite(max))
        {
            return max;
        }

        SumExp(row, max, [], out double ties, out double rest);
        return FinishLogSumExp(row, max, LogSum(ties, rest));
    }

    /// <summary>
    /// m + log S for a row whose maximum and log S are known, with the cancellation check and
    /// double-double fallback described on <see cref="LogSumExp"/>. A non-finite maximum is the
    /// answer itself: NaN stays NaN, all -inf gives log 0 = -inf, and a +inf entry (with no NaN,
    /// since <see cref="Max"/> propagates NaN) gives +inf.
    /// </summary>
    public static double FinishLogSumExp(ReadOnlySpan<float> row, float max, double logSum)
    {
        if (!float.IsFinite(max))
        {
            return max;
        }

        double result = max + logSum;
        if (max < 0 && logSum * (TwoPowMinus42 + row.Length * TwoPowMinus52) > Math.Abs(result) * TwoPowMinus27)
        {
            return LogSumExpExtended(row, max);
        }

        return result;
    }

    /// <summary>The same value in double-double arithmetic, for the rows whose fast result cancels.</summary>
    internal static double LogSumExpExtended(ReadOnlySpan<float> row, float max)
    {
        var sum = new DoubleDouble(0, 0);
        foreach (float z in row)
        {
            // z - max is exact as a double-double; terms below e^-746 are zero in any format we round to.
            sum += DoubleDouble.Exp(DoubleDouble.TwoSum(z, -(double)max));
        }

        DoubleDouble result = DoubleDouble.Log(sum) + max;
        return result.Hi + result.Lo;
    }

    /// <summary>The 512-bit form of the accumulation below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Accumulate(Vector512<double> d, Vector512<double> keep, ref Vector512<double> ties, ref Vector512<double> rest)
    {
        Vector512<double> isTie = Vector512.Equals(d, Vector512<double>.Zero);
        Vector512<double> e = VectorExp.ExpNonPositive(d);
        ties += isTie & keep & Vector512<double>.One;
        rest += Vector512.AndNot(e & keep, isTie);
        return e;
    }

    /// <summary>
    /// Adds the kept lanes of one vector of differences d = z - m: lanes with d = 0 count as ties,
    /// the others add e^d. Returns e^d for every lane (exactly 1 where d = 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Accumulate(Vector256<double> d, Vector256<double> keep, ref Vector256<double> ties, ref Vector256<double> rest)
    {
        Vector256<double> isTie = Vector256.Equals(d, Vector256<double>.Zero);
        Vector256<double> e = VectorExp.ExpNonPositive(d);
        ties += isTie & keep & Vector256<double>.One;
        rest += Vector256.AndNot(e & keep, isTie);
        return e;
    }
}
