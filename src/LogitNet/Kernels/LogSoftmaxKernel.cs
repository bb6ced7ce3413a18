using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Log-softmax over rows: y_i = (z_i - m) - log S, S = Σ_j e^(z_j - m), m the row maximum.</summary>
/// <remarks>
/// Both terms are ≤ 0, so the subtraction never cancels: the result's relative error is at most
/// the larger of the two terms' (2^-53 for z_i - m; under 2^-40 for log S, see <see cref="SoftmaxRow"/>)
/// plus one rounding, and the float32 result is within 0.5 + 2^-15 ulps. log S is log1p of the sum
/// without its ties, so the log-softmax of a dominant entry, about -Σ_{j≠i} e^(z_j - z_i), keeps
/// its digits even when that sum is 1e-30.
/// </remarks>
internal static class LogSoftmaxKernel
{
    /// <summary>
    /// Writes the log-softmax of each row of <paramref name="x"/> to <paramref name="y"/>. Rows whose
    /// maximum is not finite (all -inf, a +inf entry, or a NaN) become NaN; so does a row with a NaN.
    /// Masked (-inf) entries of other rows give -inf. In place allowed; no other overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ, or are not a multiple of <paramref name="columns"/>.</exception>
    public static void Rows(ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        RowChecks.RequireRows(x, y.Length, columns);
        if (columns > BlockedColumns)
        {
            for (int start = 0; start < x.Length; start += columns)
            {
                Row(x.Slice(start, columns), y.Slice(start, columns));
            }

            return;
        }

        // Short rows in blocks of 8: maxima and sums, the 8 logarithms in one vector, then the
        // outputs; the block's 8 rows (at most 32 KB) are still in cache for the second read.
        const int Block = SoftmaxRow.Block;
        Span<float> maxima = stackalloc float[Block];
        Span<double> logSums = stackalloc double[Block];
        int rows = columns == 0 ? 0 : x.Length / columns;
        for (int first = 0; first < rows; first += Block)
        {
            int count = Math.Min(Block, rows - first);
            logSums.Clear();
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<float> row = x.Slice((first + r) * columns, columns);
                maxima[r] = SoftmaxRow.Max(row);
                if (float.IsFinite(maxima[r]))
                {
                    SoftmaxRow.SumExp(row, maxima[r], [], out double ties, out double rest);
                    logSums[r] = (ties - 1) + rest;
                }
            }

            SoftmaxRow.Log1pBlock(logSums);
            for (int r = 0; r < count; r++)
            {
                int start = (first + r) * columns;
                Write(x.Slice(start, columns), y.Slice(start, columns), maxima[r], logSums[r]);
            }
        }
    }

    // Rows up to this long go through the blocked path (8 rows · 1024 floats = 32 KB, an L1's worth).
    private const int BlockedColumns = 1024;

    /// <summary>The log-softmax of one non-empty row.</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = SoftmaxRow.Max(x);
        if (!float.IsFinite(max))
        {
            y.Fill(float.NaN);
            return;
        }

        SoftmaxRow.SumExp(x, max, [], out double ties, out double rest);
        Write(x, y, max, SoftmaxRow.LogSum(ties, rest));
    }

    /// <summary>y = (z - max) - logSum over one row, or NaN everywhere when the maximum is not finite.</summary>
    private static void Write(ReadOnlySpan<float> x, Span<float> y, float max, double logSum)
    {
        if (!float.IsFinite(max))
        {
            y.Fill(float.NaN);
            return;
        }

        const int Step = SoftmaxRow.Step;
        int n = x.Length;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        if (!Vector256.IsHardwareAccelerated || n < Step)
        {
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref destination, j) = (float)((Unsafe.Add(ref source, j) - (double)max) - logSum);
            }

            return;
        }

        // (z - m) - log S as z - (m + log S) would be one operation fewer, but m + log S can cancel.
        // The last 8 floats are computed before the loop overwrites them (in place), stored after it.
        Vector256<float> last = Compute(Vector256.LoadUnsafe(ref source, (nuint)(n - Step)), max, logSum);
        for (int i = 0; i <= n - Step; i += Step)
        {
            Compute(Vector256.LoadUnsafe(ref source, (nuint)i), max, logSum).StoreUnsafe(ref destination, (nuint)i);
        }

        last.StoreUnsafe(ref destination, (nuint)(n - Step));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Compute(Vector256<float> z, double max, double logSum)
    {
        if (Widening.Use512)
        {
            return Widening.ToSingle((Widening.ToDouble(z) - Vector512.Create(max)) - Vector512.Create(logSum));
        }

        Vector256<double> m = Vector256.Create(max);
        Vector256<double> l = Vector256.Create(logSum);
        return Vector256.Narrow((Vector256.WidenLower(z) - m) - l, (Vector256.WidenUpper(z) - m) - l);
    }
}
