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
/// Rows of up to <see cref="ShortRowMax"/> columns (a classifier's probabilities) run four at a time, one row per
/// lane, with each row's operations in the one-row order (the same bits): 1000 rows of 10 took 62 µs one by one
/// and 33 µs four at a time on an AVX2 EPYC, where one row's exponential, sums and division had run as one
/// latency chain. Where 512-bit vectors are accelerated they run eight at a time (lanes of a Vector512 of doubles).
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        RowChecks.RequireRows(x, y.Length, columns);
        if (x.IsEmpty)
        {
            return;
        }

        Span<double> exponentials = Buffer(columns);
        int start = 0;
        if (columns <= ShortRowMax)
        {
            // Eight or four rows at a time, one row per lane: a 10-class output spent most of its time in one row's
            // latency chain (exponential, sums, division), about 60 ns a row on the AVX2 EPYC.
            if (Vector512.IsHardwareAccelerated)
            {
                start = ShortRowGroups(x, y, columns, start, 8, exponentials);
            }

            start = ShortRowGroups(x, y, columns, start, 4, exponentials);
        }

        for (; start < x.Length; start += columns)
        {
            Row(x.Slice(start, columns), y.Slice(start, columns), exponentials);
        }
    }

    /// <summary>
    /// Rows from <paramref name="start"/> in groups of <paramref name="rowsPerGroup"/> (8: <see cref="EightShortRows"/>,
    /// 4: <see cref="FourShortRows"/>) while a whole group is left; a group the path refuses goes row by row. Returns
    /// where the groups stopped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ShortRowGroups(ReadOnlySpan<float> x, Span<float> y, int columns, int start, int rowsPerGroup, Span<double> exponentials)
    {
        int width = rowsPerGroup * columns;
        for (; start <= x.Length - width; start += width)
        {
            ReadOnlySpan<float> group = x.Slice(start, width);
            Span<float> output = y.Slice(start, width);
            if (rowsPerGroup == 8 ? EightShortRows(group, output, columns) : FourShortRows(group, output, columns))
            {
                continue;
            }

            for (int r = 0; r < rowsPerGroup; r++)
            {
                Row(x.Slice(start + r * columns, columns), y.Slice(start + r * columns, columns), exponentials);
            }
        }

        return start;
    }

    /// <summary>The widest rows <see cref="FourShortRows"/> takes (a classifier's outputs, mostly).</summary>
    internal const int ShortRowMax = 16;

    /// <summary>
    /// The softmax of four rows of <paramref name="columns"/> (at most <see cref="ShortRowMax"/>), one row per lane of
    /// 256-bit vectors of doubles, with each row's operations in the order <see cref="Row(ReadOnlySpan{float}, Span{float}, Span{double})"/>
    /// takes them, so the same bits: the same exponential per value, each value added to the partial sum of the lane
    /// <see cref="SoftmaxRow.SumExp"/> gives it (one sum for rows under 8 columns; otherwise eight, for columns
    /// j mod 8 and the last step's overlapping columns, combined as <see cref="SoftmaxRow.CombineLanes(ReadOnlySpan{Vector256{double}})"/> does),
    /// the same division and rounding. Returns false, writing nothing, when a row's maximum is not finite (those
    /// rows go through the one-row path, which writes NaN). May run in place.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool FourShortRows(ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        int n = columns;
        Span<Vector128<float>> values = stackalloc Vector128<float>[ShortRowMax];
        if (!GatherColumns(x, n, values, out Vector128<float> max))
        {
            return false;
        }

        Span<Vector256<double>> exponentials = stackalloc Vector256<double>[ShortRowMax];
        Vector256<double> inverseSum = Vector256<double>.One / SumExpFour(values[..n], Vector256.WidenLower(max.ToVector256Unsafe()), exponentials);
        for (int j = 0; j < n; j++)
        {
            Vector256<double> v = exponentials[j] * inverseSum;
            y[j] = (float)v.GetElement(0);
            y[n + j] = (float)v.GetElement(1);
            y[2 * n + j] = (float)v.GetElement(2);
            y[3 * n + j] = (float)v.GetElement(3);
        }

        return true;
    }

    /// <summary>
    /// <see cref="FourShortRows"/> on eight rows, one row per lane of a 512-bit vector of doubles: each lane the same
    /// operations in the same order, so the same bits. Returns false, writing nothing, when a row's maximum is not
    /// finite. May run in place.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool EightShortRows(ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        int n = columns;
        Span<Vector256<float>> values = stackalloc Vector256<float>[ShortRowMax];
        Vector256<float> largest = Vector256.Create(float.NegativeInfinity);
        Vector256<float> ordered = Vector256<float>.AllBitsSet;
        for (int j = 0; j < n; j++)
        {
            Vector256<float> z = Vector256.Create(x[j], x[n + j], x[2 * n + j], x[3 * n + j], x[4 * n + j], x[5 * n + j], x[6 * n + j], x[7 * n + j]);
            values[j] = z;
            ordered &= Vector256.Equals(z, z);
            largest = Vector256.Max(largest, z);
        }

        // As GatherColumns: the masks' sign bits, and a finite maximum in every row.
        if (Vector256.ExtractMostSignificantBits(ordered) != 0xFF
            || !Vector256.LessThanAll(Vector256.Abs(largest), Vector256.Create(float.PositiveInfinity)))
        {
            return false;
        }

        Span<Vector512<double>> exponentials = stackalloc Vector512<double>[ShortRowMax];
        Vector512<double> inverseSum = Vector512<double>.One / SumExpEight(values[..n], Widen(largest), exponentials);
        for (int j = 0; j < n; j++)
        {
            Vector256<float> v = Vector512.Narrow(exponentials[j] * inverseSum, Vector512<double>.Zero).GetLower();
            for (int r = 0; r < 8; r++)
            {
                y[r * n + j] = v.GetElement(r);
            }
        }

        return true;
    }

    /// <summary>
    /// <see cref="SumExpFour"/> on eight rows: each lane the same terms added to the same partial sums in the same
    /// order, and each e^(z_j - max) into <paramref name="exponentials"/>[j].
    /// </summary>
    [SkipLocalsInit]
    internal static Vector512<double> SumExpEight(ReadOnlySpan<Vector256<float>> values, Vector512<double> max, Span<Vector512<double>> exponentials)
    {
        int n = values.Length;
        Span<Vector512<double>> ties = stackalloc Vector512<double>[SoftmaxRow.Step];
        Span<Vector512<double>> rest = stackalloc Vector512<double>[SoftmaxRow.Step];
        ties.Clear();
        rest.Clear();
        for (int j = 0; j < n; j++)
        {
            int lane = SumLane(j, n);
            Vector512<double> d = Widen(values[j]) - max;
            exponentials[j] = SoftmaxRow.Accumulate(d, Vector512<double>.AllBitsSet, ref ties[lane], ref rest[lane]);
        }

        return n < SoftmaxRow.Step
            ? ties[0] + rest[0]
            : SoftmaxRow.CombineLanes(ties) + SoftmaxRow.CombineLanes(rest);
    }

    /// <summary>
    /// The partial sum of <see cref="SoftmaxRow.SumExp"/>'s 8-float step that column <paramref name="j"/> of an
    /// <paramref name="n"/>-column row is added to: its own (j mod 8) in a full step, its place in the row's last 8
    /// floats in the overlapping last step; one running sum under 8 columns.
    /// </summary>
    private static int SumLane(int j, int n)
    {
        const int Step = SoftmaxRow.Step;
        return n < Step ? 0 : j < n / Step * Step ? j % Step : j - (n - Step);
    }

    /// <summary>Eight floats as eight doubles (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Widen(Vector256<float> v) => Vector512.WidenLower(v.ToVector512Unsafe());

    /// <summary>
    /// Column j of four rows as one vector (row r in lane r), and the rows' maxima; false when a row holds a NaN or
    /// its maximum is infinite. A maximum is the value <see cref="SoftmaxRow.Max"/> gives up to the sign of a zero
    /// maximum, which changes neither a difference z - max's comparison with zero nor its exponential. Lane-wise,
    /// without a branch per value (a compare-and-branch loop over random logits mispredicted a fifth of the time).
    /// </summary>
    private static bool GatherColumns(ReadOnlySpan<float> x, int n, Span<Vector128<float>> values, out Vector128<float> max)
    {
        Vector128<float> largest = Vector128.Create(float.NegativeInfinity);
        Vector128<float> ordered = Vector128<float>.AllBitsSet;
        for (int j = 0; j < n; j++)
        {
            Vector128<float> z = Vector128.Create(x[j], x[n + j], x[2 * n + j], x[3 * n + j]);
            values[j] = z;
            ordered &= Vector128.Equals(z, z);
            largest = Vector128.Max(largest, z);
        }

        max = largest;

        // The masks' sign bits, not ==: a mask's lanes read as floats are NaNs, and a NaN equals nothing.
        return Vector128.ExtractMostSignificantBits(ordered) == 0b1111
            && Vector128.LessThanAll(Vector128.Abs(largest), Vector128.Create(float.PositiveInfinity));
    }

    /// <summary>
    /// Four rows' Σ e^(z_j - max) (ties and the rest added as <see cref="SoftmaxRow.SumExp"/> and then
    /// <c>Row</c> add them), one row per lane, from the rows' columns as <see cref="GatherColumns"/> lays them out,
    /// and each e^(z_j - max) into <paramref name="exponentials"/>[j].
    /// </summary>
    [SkipLocalsInit]
    internal static Vector256<double> SumExpFour(ReadOnlySpan<Vector128<float>> values, Vector256<double> max, Span<Vector256<double>> exponentials)
    {
        int n = values.Length;
        Span<Vector256<double>> ties = stackalloc Vector256<double>[SoftmaxRow.Step];
        Span<Vector256<double>> rest = stackalloc Vector256<double>[SoftmaxRow.Step];
        ties.Clear();
        rest.Clear();
        for (int j = 0; j < n; j++)
        {
            int lane = SumLane(j, n);
            Vector256<double> d = Vector256.WidenLower(values[j].ToVector256Unsafe()) - max;
            exponentials[j] = SoftmaxRow.Accumulate(d, Vector256<double>.AllBitsSet, ref ties[lane], ref rest[lane]);
        }

        return n < SoftmaxRow.Step
            ? ties[0] + rest[0]
            : SoftmaxRow.CombineLanes(ties) + SoftmaxRow.CombineLanes(rest);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
