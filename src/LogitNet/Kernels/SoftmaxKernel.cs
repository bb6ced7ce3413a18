using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>Softmax over rows: y_i = e^(z_i - m) / Σ_j e^(z_j - m), m the row maximum.</summary>
/// <remarks>
/// Three passes per row (maximum; exponentials, stored and summed; scaling), all in double:
/// e^(z_i - m) carries under 2^-43 relative error and 1/S under 2^-42 + n·2^-53 (see
/// <see cref="SoftmaxRow"/>), so the double result is within about 2^-40 relative for rows up to
/// 8,000 columns (2^-37 at 65,000) and rounds to within 0.5 + 2^-13 float32 ulps of the exact value.
/// Storing the exponentials in a per-thread buffer of doubles (256 KB for a row of 32,768, still in
/// L2) measured faster than computing them twice: the exponential, not memory, bounds this kernel.
/// </remarks>
internal static class SoftmaxKernel
{
    // One buffer per thread for the row's e^(z_j - m), grown to the widest row seen and then reused,
    // so the training step allocates nothing once warm: the exponentials are computed once (pass 2)
    // and scaled from here (pass 3), instead of recomputed.
    [ThreadStatic]
    private static double[]? t_exponentials;

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
        if (x.IsEmpty)
        {
            return;
        }

        Span<double> exponentials = Buffer(columns);
        for (int start = 0; start < x.Length; start += columns)
        {
            Row(x.Slice(start, columns), y.Slice(start, columns), exponentials);
        }
    }

    /// <summary>The softmax of one non-empty row.</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> y) => Row(x, y, Buffer(x.Length));

    private static Span<double> Buffer(int length)
    {
        double[]? buffer = t_exponentials;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new double[Math.Max(length, 1024)];
            t_exponentials = buffer;
        }

        return buffer.AsSpan(0, length);
    }

    private static void Row(ReadOnlySpan<float> x, Span<float> y, Span<double> exponentials)
    {
        float max = SoftmaxRow.Max(x);
        if (!float.IsFinite(max))
        {
            y.Fill(float.NaN);
            return;
        }

        SoftmaxRow.SumExp(x, max, exponentials, out double ties, out double rest);
        double inverseSum = 1.0 / (ties + rest);

        const int Step = SoftmaxRow.Step;
        int n = x.Length;
        ref double source = ref MemoryMarshal.GetReference(exponentials);
        ref float destination = ref MemoryMarshal.GetReference(y);
        if (!Vector256.IsHardwareAccelerated || n < Step)
        {
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref destination, j) = (float)(Unsafe.Add(ref source, j) * inverseSum);
            }

            return;
        }

        int i = 0;
        for (; i <= n - Step; i += Step)
        {
            Scale(ref source, ref destination, i, inverseSum);
        }

        if (i < n)
        {
            // The last 8 again, overlapping: the source is the buffer, so the overlap is rewritten with the same values.
            Scale(ref source, ref destination, n - Step, inverseSum);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(ref double source, ref float destination, int i, double scale)
    {
        if (Widening.Use512)
        {
            Widening.ToSingle(Vector512.LoadUnsafe(ref source, (nuint)i) * Vector512.Create(scale)).StoreUnsafe(ref destination, (nuint)i);
            return;
        }

        Vector256<double> lower = Vector256.LoadUnsafe(ref source, (nuint)i) * Vector256.Create(scale);
        Vector256<double> upper = Vector256.LoadUnsafe(ref source, (nuint)(i + 4)) * Vector256.Create(scale);
        Vector256.Narrow(lower, upper).StoreUnsafe(ref destination, (nuint)i);
    }
}
