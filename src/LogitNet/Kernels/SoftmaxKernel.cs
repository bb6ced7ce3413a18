using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Softmax over rows: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m the row maximum.</summary>
/// <remarks>
/// Three passes per row (maximum; sum of exponentials; exponentials again, scaled), all in double:
/// e^(z_i - m) carries under 2^-43 relative error and 1/S under 2^-42 + n·2^-53 (see
/// <see cref="SoftmaxRow"/>), so the double result is within about 2^-40 relative for rows up to
/// 8,000 columns (2^-37 at 65,000) and rounds to within 0.5 + 2^-13 float32 ulps of the exact value.
/// Recomputing the exponentials costs less than storing them: a row of doubles would double the
/// memory traffic and spill out of L1 for wide rows.
/// </remarks>
internal static class SoftmaxKernel
{
    /// <summary>
    /// Writes the softmax of each row of <paramref name="x"/> to <paramref name="y"/>. Rows whose
    /// maximum is not finite (all -inf, a +inf entry, or a NaN) become NaN; so does a row with a NaN.
    /// <paramref name="x"/> and <paramref name="y"/> may be the same memory (in place), but must not
    /// otherwise overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ, or are not a multiple of <paramref name="columns"/>.</exception>
    public static void Rows(ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        RowChecks.RequireRows(x, y.Length, columns);
        for (int start = 0; start < x.Length; start += columns)
        {
            Row(x.Slice(start, columns), y.Slice(start, columns));
        }
    }

    /// <summary>The softmax of one non-empty row.</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = SoftmaxRow.Max(x);
        if (!float.IsFinite(max))
        {
            y.Fill(float.NaN);
            return;
        }

        SoftmaxRow.SumExp(x, max, out double ties, out double rest);
        double inverseSum = 1.0 / (ties + rest);

        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            Vector256<double> m = Vector256.Create((double)max);
            Vector256<double> scale = Vector256.Create(inverseSum);
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref source, (nuint)i);
                Vector256<double> lower = Vector256.Exp(Vector256.WidenLower(v) - m) * scale;
                Vector256<double> upper = Vector256.Exp(Vector256.WidenUpper(v) - m) * scale;
                Vector256.Narrow(lower, upper).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref destination, i) = (float)(Math.Exp(Unsafe.Add(ref source, i) - (double)max) * inverseSum);
        }
    }
}
