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
/// the vector exponential adds a few double ulps, and the recursive sum of n positive terms adds at
/// most (n - 1)·2^-53. So rest carries a relative error below 2^-42 + n·2^-53.
/// </para>
/// </remarks>
internal static class SoftmaxRow
{
    // The error-bound constants of LogSumExp: 2^-42, 2^-52 and 2^-27 (C# has no hex float literals).
    private const double TwoPowMinus42 = 2.2737367544323206e-13;
    private const double TwoPowMinus52 = 2.220446049250313e-16;
    private const double TwoPowMinus27 = 7.450580596923828e-09;

    /// <summary>
    /// The maximum of <paramref name="row"/> (NaN if the row holds a NaN), as TensorPrimitives.Max
    /// computes it: vectorised, and NaN-propagating per IEEE 754:2019 maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(ReadOnlySpan<float> row) => TensorPrimitives.Max(row);

    /// <summary>
    /// Sums e^(z_j - max) over the row: <paramref name="ties"/> counts the entries equal to the
    /// maximum (each contributes exactly 1), <paramref name="rest"/> sums the others.
    /// </summary>
    /// <remarks>A NaN entry makes <paramref name="rest"/> NaN; -inf entries contribute 0.</remarks>
    public static void SumExp(ReadOnlySpan<float> row, double max, out double ties, out double rest)
    {
        ref float start = ref MemoryMarshal.GetReference(row);
        int i = 0;
        double tiesSum = 0;
        double restSum = 0;
        if (Vector256.IsHardwareAccelerated && row.Length >= Vector256<float>.Count)
        {
            Vector256<double> m = Vector256.Create(max);
            Vector256<double> tiesLower = Vector256<double>.Zero;
            Vector256<double> tiesUpper = Vector256<double>.Zero;
            Vector256<double> restLower = Vector256<double>.Zero;
            Vector256<double> restUpper = Vector256<double>.Zero;
            int last = row.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                Accumulate(Vector256.WidenLower(v) - m, ref tiesLower, ref restLower);
                Accumulate(Vector256.WidenUpper(v) - m, ref tiesUpper, ref restUpper);
            }

            tiesSum = Vector256.Sum(tiesLower + tiesUpper);
            restSum = Vector256.Sum(restLower + restUpper);
        }

        for (; i < row.Length; i++)
        {
            double d = Unsafe.Add(ref start, i) - max;
            if (d == 0)
            {
                tiesSum += 1;
            }
            else
            {
                restSum += Math.Exp(d);
            }
        }

        ties = tiesSum;
        rest = restSum;
    }

    /// <summary>log S = log1p((ties - 1) + rest), to a relative error below 2^-41 + n·2^-53 (see the class remarks).</summary>
    /// <remarks>ties - 1 is an exact small integer; adding rest to it adds one rounding, and both are ≥ 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LogSum(double ties, double rest) => StableMath.Log1p((ties - 1) + rest);

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
            // NaN stays NaN; all -inf gives log 0 = -inf; a +inf entry (with no NaN, since Max
            // propagates NaN) gives +inf.
            return max;
        }

        SumExp(row, max, out double ties, out double rest);
        double logSum = LogSum(ties, rest);
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

    /// <summary>Adds one vector of differences d = z - m: lanes with d = 0 count as ties, the others add e^d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector256<double> d, ref Vector256<double> ties, ref Vector256<double> rest)
    {
        Vector256<double> isTie = Vector256.Equals(d, Vector256<double>.Zero);
        ties += isTie & Vector256<double>.One;
        rest += Vector256.AndNot(Vector256.Exp(d), isTie);
    }
}
