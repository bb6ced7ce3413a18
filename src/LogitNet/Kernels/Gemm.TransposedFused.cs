using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

// The fused tiles' unit counts, 17 to 25 (1 to 6 are beside IConstantCount).
internal readonly struct Count17 : IConstantCount
{
    public static int Value => 17;
}

internal readonly struct Count18 : IConstantCount
{
    public static int Value => 18;
}

internal readonly struct Count19 : IConstantCount
{
    public static int Value => 19;
}

internal readonly struct Count20 : IConstantCount
{
    public static int Value => 20;
}

internal readonly struct Count21 : IConstantCount
{
    public static int Value => 21;
}

internal readonly struct Count22 : IConstantCount
{
    public static int Value => 22;
}

internal readonly struct Count23 : IConstantCount
{
    public static int Value => 23;
}

internal readonly struct Count24 : IConstantCount
{
    public static int Value => 24;
}

internal readonly struct Count25 : IConstantCount
{
    public static int Value => 25;
}

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The most columns of C a fused transposed tile computes: one 16-float accumulator per column, 25 of the 32
    /// AVX-512 registers, the rest for the transposition in flight.
    /// </summary>
    internal const int FusedTileMaxUnits = 25;

    /// <summary>
    /// The fewest columns of C that take the fused tile. Narrower products never would: at 16 columns or fewer the usual
    /// one-vector tile leaves at most 4 of 16 lanes idle, less than the fused tile's overhead
    /// (<see cref="FusedTransposeShare"/>), and ten columns run faster on the packed panels of
    /// <see cref="DriveTransposed{TOps, TVec}"/>, where each transposition is shared by more FMAs (Zen 5, one thread,
    /// fused / packed speed before the register fix of ea1fc70: 1000 × 1024 × 10 0.92, 500 × 128 × 10 0.91).
    /// </summary>
    internal const int FusedTileMinUnits = 17;

    /// <summary>Whether 512-bit transposed products may fuse the transposition into the tile (off: for benchmarks that compare; the bits are the same).</summary>
    internal static bool FusedTransposedTiles = true;

    /// <summary>Floats between two columns' running sums: the layout of <see cref="DriveTransposed{TOps, TVec}"/>'s sums on 16-float vectors.</summary>
    private const int SumLanes = 32;

    /// <summary>
    /// Whether a transposed product on 512-bit vectors transposes A's rows inside the tile (<see cref="FusedTile{TUnits}"/>)
    /// instead of packing them into panels first: for an untransposed A (a Dense layer's input) and
    /// <see cref="FusedTileMinUnits"/> to <see cref="FusedTileMaxUnits"/> columns.
    /// </summary>
    private static bool FusesTransposition<TOps, TVec>(bool transposeA, int cols)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        => typeof(TOps) == typeof(GemmVector512) && Avx512F.IsSupported && !transposeA
            && cols >= FusedTileMinUnits && cols <= FusedTileMaxUnits && FusedTransposedTiles;

    /// <summary>Whether a transposed product of <paramref name="n"/> columns on this kernel family fuses the transposition into its tiles (tests use it to aim at the path).</summary>
    internal static bool FusesTransposition(GemmKernel kernel, int n, bool transposeA) =>
        kernel == GemmKernel.Vector512 && FusesTransposition<GemmVector512, Vector512<float>>(transposeA, n);

    /// <summary>
    /// The fused tile's overhead as a share of its arithmetic, for <see cref="ComputesTransposed{TOps, TVec}"/>: the
    /// transposition, shared by one FMA per column (<paramref name="cols"/>), and the per-panel running sums and
    /// transposed store, shared by the depth (<paramref name="k"/>). Fitted to a Zen 5 EPYC, one thread, 500 rows,
    /// fused / usual tiles' time before the register fix of ea1fc70: 25 columns at k = 784, 256, 128, 64: 0.96, 1.05,
    /// 1.09, 1.17 (the usual tiles leave 7 of 32 lanes idle); 20 columns at k = 784, 256, 64: 0.83, 0.91, 1.04. After it,
    /// 25 columns at k = 784 0.94 and 256 1.00, 20 columns at k = 784 0.81 (bench/results/gemm.md, session 12).
    /// </summary>
    private static double FusedTransposeShare(int cols, int k) => 4.4 / cols + 45.0 / k;

    /// <summary>
    /// One K block of 16 rows of C, all <paramref name="cols"/> columns, into the running sums (column j at
    /// sums + j·<see cref="SumLanes"/>): op(A)'s rows [row0, row0 + height) read in place when they are a full 16, else
    /// copied into <paramref name="scratch"/> first (zeros below them). <paramref name="b"/> holds op(B)'s K block as
    /// kc rows of <paramref name="cols"/> floats, <paramref name="ldb"/> apart: B itself when it is stored untransposed.
    /// </summary>
    private static void FusedPanel(in Problem problem, int row0, int height, int pc, int kc, float* b, nint ldb, int cols, float* scratch, float* quads, float* sums, bool first)
    {
        float* a = problem.A + row0 * problem.Lda + pc;
        nint lda = problem.Lda;
        if (height < 16)
        {
            // The tile reads 16 rows; a partial panel's rows are copied so that none past the matrix is read.
            for (int r = 0; r < 16; r++)
            {
                Span<float> row = new(scratch + r * kc, kc);
                if (r < height)
                {
                    new ReadOnlySpan<float>(a + r * lda, kc).CopyTo(row);
                }
                else
                {
                    row.Clear();
                }
            }

            a = scratch;
            lda = kc;
        }

        switch (cols)
        {
            case 17:
                FusedTile<Count17>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 18:
                FusedTile<Count18>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 19:
                FusedTile<Count19>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 20:
                FusedTile<Count20>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 21:
                FusedTile<Count21>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 22:
                FusedTile<Count22>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 23:
                FusedTile<Count23>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 24:
                FusedTile<Count24>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            case 25:
                FusedTile<Count25>(a, lda, kc, b, ldb, quads, sums, first);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(cols), cols, $"The fused tiles compute {FusedTileMinUnits} to {FusedTileMaxUnits} columns.");
        }
    }

    /// <summary>
    /// One K block of a 16-row tile of Cᵀ: for each of the <typeparamref name="TUnits"/> columns u of C, the FMA chain
    /// over p of b[p·ldb + u] × the 16 rows' values of op(A)[·, p], from zero; then the running sums become the chain
    /// (<paramref name="first"/>) or the sum plus the chain, as in <see cref="TransposedTile{TOps, TVec, TUnits}"/>: the same
    /// bits (except which NaN comes out when two NaNs of different payloads meet in one FMA: x86 keeps the one in a
    /// given operand position, and the JIT orders the operands of a broadcast FMA its own way, as on the packed panels).
    /// The rows' values come four p at a time from a register transpose of A's rows, written to <paramref name="quads"/>
    /// (two 64-float halves in the L1, and at +128 the block's last one to three p, transposed before the loop) one step
    /// ahead of the FMAs that read them, so the core overlaps the shuffles with the arithmetic instead of packing a panel
    /// before it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FusedTile<TUnits>(float* a, nint lda, int kc, float* b, nint ldb, float* quads, float* sums, bool first)
        where TUnits : IConstantCount
    {
        int units = TUnits.Value;
        float* tail = quads + 128;

        // Rows g, g + 4, g + 8 and g + 12 go into one register of the transpose (TransposeQuad): four row pointers
        // stepping along the rows, and two strides, keep its addresses within the general registers.
        float* row0 = a, row1 = a + lda, row2 = a + 2 * lda, row3 = a + 3 * lda;
        nint l4 = 4 * lda, l12 = 12 * lda;

        // Calls come before the accumulators exist: across a call the JIT keeps all 25 on the stack.
        int full = kc & ~3;
        if (full < kc)
        {
            TransposeShortQuad(a + full, kc - full, lda, tail);
        }

        if (full > 0)
        {
            TransposeQuad(row0, row1, row2, row3, l4, l12, quads);
        }

        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default,
            c5 = default, c6 = default, c7 = default, c8 = default, c9 = default,
            c10 = default, c11 = default, c12 = default, c13 = default, c14 = default,
            c15 = default, c16 = default, c17 = default, c18 = default, c19 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c24 = default;
        for (int p0 = 0; p0 < kc; p0 += 4)
        {
            // The quads alternate between the buffer's two halves (0 and 64 floats); the block's last one to three p
            // come from the tail, transposed before the loop.
            float* current = p0 < full ? quads + ((p0 & 4) << 4) : tail;
            int end = p0 < full ? 64 : (kc - full) * 16;
            if (p0 + 4 < full)
            {
                row0 += 4;
                row1 += 4;
                row2 += 4;
                row3 += 4;
                TransposeQuad(row0, row1, row2, row3, l4, l12, quads + (((p0 + 4) & 4) << 4));
            }

            for (int q = 0; q < end; q += 16, b += ldb)
            {
                Vector512<float> x = Vector512.Load(current + q);
                c0 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[0]), c0);

                if (units > 1)
                {
                    c1 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[1]), c1);
                }

                if (units > 2)
                {
                    c2 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[2]), c2);
                }

                if (units > 3)
                {
                    c3 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[3]), c3);
                }

                if (units > 4)
                {
                    c4 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[4]), c4);
                }

                if (units > 5)
                {
                    c5 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[5]), c5);
                }

                if (units > 6)
                {
                    c6 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[6]), c6);
                }

                if (units > 7)
                {
                    c7 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[7]), c7);
                }

                if (units > 8)
                {
                    c8 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[8]), c8);
                }

                if (units > 9)
                {
                    c9 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[9]), c9);
                }

                if (units > 10)
                {
                    c10 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[10]), c10);
                }

                if (units > 11)
                {
                    c11 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[11]), c11);
                }

                if (units > 12)
                {
                    c12 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[12]), c12);
                }

                if (units > 13)
                {
                    c13 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[13]), c13);
                }

                if (units > 14)
                {
                    c14 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[14]), c14);
                }

                if (units > 15)
                {
                    c15 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[15]), c15);
                }

                if (units > 16)
                {
                    c16 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[16]), c16);
                }

                if (units > 17)
                {
                    c17 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[17]), c17);
                }

                if (units > 18)
                {
                    c18 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[18]), c18);
                }

                if (units > 19)
                {
                    c19 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[19]), c19);
                }

                if (units > 20)
                {
                    c20 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[20]), c20);
                }

                if (units > 21)
                {
                    c21 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[21]), c21);
                }

                if (units > 22)
                {
                    c22 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[22]), c22);
                }

                if (units > 23)
                {
                    c23 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[23]), c23);
                }

                if (units > 24)
                {
                    c24 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[24]), c24);
                }
            }
        }

        AddToSums(sums, c0, first);
        if (units > 1)
        {
            AddToSums(sums + 1 * SumLanes, c1, first);
        }

        if (units > 2)
        {
            AddToSums(sums + 2 * SumLanes, c2, first);
        }

        if (units > 3)
        {
            AddToSums(sums + 3 * SumLanes, c3, first);
        }

        if (units > 4)
        {
            AddToSums(sums + 4 * SumLanes, c4, first);
        }

        if (units > 5)
        {
            AddToSums(sums + 5 * SumLanes, c5, first);
        }

        if (units > 6)
        {
            AddToSums(sums + 6 * SumLanes, c6, first);
        }

        if (units > 7)
        {
            AddToSums(sums + 7 * SumLanes, c7, first);
        }

        if (units > 8)
        {
            AddToSums(sums + 8 * SumLanes, c8, first);
        }

        if (units > 9)
        {
            AddToSums(sums + 9 * SumLanes, c9, first);
        }

        if (units > 10)
        {
            AddToSums(sums + 10 * SumLanes, c10, first);
        }

        if (units > 11)
        {
            AddToSums(sums + 11 * SumLanes, c11, first);
        }

        if (units > 12)
        {
            AddToSums(sums + 12 * SumLanes, c12, first);
        }

        if (units > 13)
        {
            AddToSums(sums + 13 * SumLanes, c13, first);
        }

        if (units > 14)
        {
            AddToSums(sums + 14 * SumLanes, c14, first);
        }

        if (units > 15)
        {
            AddToSums(sums + 15 * SumLanes, c15, first);
        }

        if (units > 16)
        {
            AddToSums(sums + 16 * SumLanes, c16, first);
        }

        if (units > 17)
        {
            AddToSums(sums + 17 * SumLanes, c17, first);
        }

        if (units > 18)
        {
            AddToSums(sums + 18 * SumLanes, c18, first);
        }

        if (units > 19)
        {
            AddToSums(sums + 19 * SumLanes, c19, first);
        }

        if (units > 20)
        {
            AddToSums(sums + 20 * SumLanes, c20, first);
        }

        if (units > 21)
        {
            AddToSums(sums + 21 * SumLanes, c21, first);
        }

        if (units > 22)
        {
            AddToSums(sums + 22 * SumLanes, c22, first);
        }

        if (units > 23)
        {
            AddToSums(sums + 23 * SumLanes, c23, first);
        }

        if (units > 24)
        {
            AddToSums(sums + 24 * SumLanes, c24, first);
        }
    }

    /// <summary>
    /// destination[q·16 + r] = A[r, q] for the 16 rows r and q &lt; 4, where row r starts at row(r mod 4) + (r / 4)·l4:
    /// <paramref name="row0"/> to <paramref name="row3"/> are rows 0 to 3, <paramref name="l4"/> four rows' stride, <paramref name="l12"/> twelve.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeQuad(float* row0, float* row1, float* row2, float* row3, nint l4, nint l12, float* destination)
    {
        // Lane group g of register i holds row i + 4g's four values, so a 4 × 4 transpose within each 128-bit
        // lane group leaves register q holding rows 0..15 of column q in order.
        Vector512<float> r0 = RowQuarters(row0, row0 + l4, row0 + 2 * l4, row0 + l12);
        Vector512<float> r1 = RowQuarters(row1, row1 + l4, row1 + 2 * l4, row1 + l12);
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> r2 = RowQuarters(row2, row2 + l4, row2 + 2 * l4, row2 + l12);
        Vector512<float> r3 = RowQuarters(row3, row3 + l4, row3 + 2 * l4, row3 + l12);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle().Store(destination);
        Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle().Store(destination + 16);
        Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle().Store(destination + 32);
        Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle().Store(destination + 48);
    }

    /// <summary>Four floats from each of four rows, one per 128-bit lane group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowQuarters(float* p0, float* p1, float* p2, float* p3)
    {
        Vector256<float> low = Vector256.Create(Vector128.Load(p0), Vector128.Load(p1));
        Vector256<float> high = Vector256.Create(Vector128.Load(p2), Vector128.Load(p3));
        return Avx512F.InsertVector256(low.ToVector512Unsafe(), high, 1);
    }

    /// <summary>destination[q·16 + r] = a[r·lda + q] for the last one to three p of a K block, one value at a time (a full quad would read past the block's end).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TransposeShortQuad(float* a, int remaining, nint lda, float* destination)
    {
        for (int q = 0; q < remaining; q++)
        {
            for (int r = 0; r < 16; r++)
            {
                destination[q * 16 + r] = a[r * lda + q];
            }
        }
    }

    /// <summary>The running sum of one column becomes the block's chain (the first block) or the sum plus it, as <see cref="AddToSums{TOps, TVec}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddToSums(float* sums, Vector512<float> chain, bool first)
    {
        if (!first)
        {
            chain = Vector512.Load(sums) + chain;
        }

        chain.Store(sums);
    }
}
