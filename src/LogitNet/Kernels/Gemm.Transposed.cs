using System.Runtime.CompilerServices;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>The widest C a transposed product computes (its running sums are n × 2·Width floats on the stack: 4 KB on 8-float vectors, 8 KB on 16-float ones).</summary>
    private const int TransposedMaxColumns = 64;

    /// <summary>
    /// What packing A's rows into transposed panels costs, as a share of the arithmetic on them,
    /// in the comparison of <see cref="ComputesTransposed{TOps, TVec}"/>. Fitted, with
    /// <see cref="UsualEdgeShare"/>, to thread-CPU timings of both ways on an AVX2 EPYC (bench/results/gemm.md,
    /// session 6): the transposed way won on every shape of 32 rows or more with 10 to 56 columns not a
    /// multiple of 16 (1.01× to 1.9×) and lost at 8 and 12 rows.
    /// </summary>
    private const double TransposedPackingShare = 0.1;

    /// <summary>
    /// <see cref="TransposedPackingShare"/> on kernels with masked edges (512-bit vectors), where the usual tiles
    /// read a narrow product's untransposed A along its rows (a transposed A of 33 to 64 columns and a large M is
    /// still packed; no TN product was measured for the fit). Fitted to a Zen 5 EPYC, one thread, transposed / usual time (session 11):
    /// 1000 × 25 × 784 1.08 and 1000 × 15 × 64 1.28 (the usual tiles win: 7 of 32 and 1 of 16 lanes idle), against
    /// 500 × 40 × 784 0.83, 1000 × 10 × 1024 0.86, 1000 × 10 × 128 0.94 and 1000 × 10 × 64 0.98 (24 of 64 and 6 of 16 idle).
    /// </summary>
    private const double TransposedPackingShareMasked = 0.35;

    /// <summary>
    /// What the usual tiles' edge tile costs a narrow product beyond its idle lanes, as a share of the
    /// arithmetic, in the same comparison (measured as <see cref="TransposedPackingShare"/>).
    /// </summary>
    private const double UsualEdgeShare = 0.25;

    /// <summary>
    /// Whether a product with few columns runs as Cᵀ = op(B)ᵀ·op(A)ᵀ: the vector lanes then run along
    /// C's rows (a batch's samples), which fill every lane, instead of along its columns, where a layer
    /// of 25 units fills 25 of the 32 lanes of two 8-float vectors and 10 units 10 of 16. It pays when
    /// the lanes the usual tiles leave idle, and their edge tile, outweigh packing A's rows transposed
    /// (<see cref="TransposedPackingShare"/>). With 512-bit vectors the usual tiles' edges are masked loads
    /// and stores, so only the idle lanes count: there the transposed way needs at least 128 rows (four 32-row
    /// panels, eight of the fused tiles' 16) and a K of <see cref="TransposedMinDepthMasked"/> (below, its per-tile
    /// running sums and transposed store outweigh the lanes it fills). 128-bit kernels run on Arm (x86 FMA
    /// implies AVX) and were never measured, so they keep the usual tiles.
    /// </summary>
    private static bool ComputesTransposed<TOps, TVec>(int rows, int cols, int k, bool transposeA)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        // Fewer rows than two panels leave lanes idle on this side too, and the packing then costs more
        // than it saves (8 and 12 rows measured slower transposed, 32 faster); with masked edges, four
        // panels (64 rows of 16-float vectors measured slower, 500 faster).
        int lanes = 2 * TOps.Width;
        bool maskedEdges = TOps.Width >= 16;
        // B's packed column tiles (k × cols floats) stay within the usual B block (KC × NC), which bounds the packing buffers.
        if (TOps.Width < 8 || cols > TransposedMaxColumns || rows < (maskedEdges ? 4 : 2) * lanes
            || (maskedEdges && k < TransposedMinDepthMasked) || (long)k * cols > (long)KcMax * NcMax
            || s_panelSource != PanelSource.Auto || !TransposedTiles)
        {
            return false;
        }

        // Work in lane-steps, idle lanes included, relative to the useful work. The usual tiles of a
        // width that is not a whole number of tiles end in an edge tile, which without masked
        // loads (AVX2 and narrower) goes through a scratch tile and a masked store: on 500 × 25 × 15,
        // 36 GFLOP/s against 45 transposed though only 1 lane in 16 idles. The transposed way adds
        // the packing of A's rows and the transposed store. With masked edges a product of at most one
        // vector's width takes the one-vector tile, and the usual tiles read a narrow product's untransposed A
        // along its rows (ReadsRowsInPlace), so the transposed way's packing weighs more there.
        int usualLanes = maskedEdges && cols <= TOps.Width ? TOps.Width : lanes;
        double usual = (double)RoundUp(cols, usualLanes) / cols * RoundUp(rows, TOps.Rows) / rows
            * (cols % lanes != 0 && !maskedEdges ? 1 + UsualEdgeShare : 1);
        bool fused = FusesTransposition<TOps, TVec>(transposeA, cols);
        double packing = !maskedEdges ? TransposedPackingShare
            : fused ? FusedTransposeShare(cols, k)
            : TransposedPackingShareMasked;
        double transposed = (double)RoundUp(rows, fused ? TOps.Width : lanes) / rows * (1 + packing);
        return transposed < usual;
    }

    /// <summary>
    /// The shallowest product that runs transposed on kernels with masked edges (512-bit vectors). Measured on a
    /// Zen 5 EPYC (bench/results/gemm.md, session 10), one thread, transposed / usual: 500 × 25 × 15 (k = 25) 0.90,
    /// 784 × 32 × 25 TN (k = 32) 0.89, 500 × 15 × 10 (k = 15) 0.96; 500 × 50 × 25 1.06, 500 × 64 × 10 1.45,
    /// 500 × 784 × 25 1.20, 1000 × 1024 × 10 1.63; and 64 rows (two panels) × 784 × 25 0.88, hence four panels.
    /// </summary>
    private const int TransposedMinDepthMasked = 48;

    /// <summary>Whether products may run transposed at all (off: for benchmarks that compare the two ways; the bits are the same).</summary>
    internal static bool TransposedTiles = true;

    /// <summary>
    /// Whether a product of this shape on this kernel family runs transposed on one thread (tests use it to
    /// aim at the path; with more threads each chunk of C decides alone, and a product cut by its K blocks
    /// never does).
    /// </summary>
    internal static bool ComputesTransposed(GemmKernel kernel, int m, int n, int k, bool transposeA = false) => k > 0 && kernel switch
    {
        GemmKernel.Vector512 => ComputesTransposed<GemmVector512, System.Runtime.Intrinsics.Vector512<float>>(m, n, k, transposeA),
        GemmKernel.Vector256 => ComputesTransposed<GemmVector256, System.Runtime.Intrinsics.Vector256<float>>(m, n, k, transposeA),
        GemmKernel.Vector128 => ComputesTransposed<GemmVector128, System.Runtime.Intrinsics.Vector128<float>>(m, n, k, transposeA),
        _ => ComputesTransposed<GemmScalar, float>(m, n, k, transposeA),
    };

    /// <summary>
    /// C[rowStart..rowEnd, colStart..colEnd] = epilogue(op(A)·op(B)) computed as its transpose: panels of
    /// 2·Width rows of op(A), packed so that each p's values are one pair of vectors, times op(B)'s
    /// columns broadcast from tiles of up to six columns packed once per call (k × cols floats), in
    /// tiles of up to six columns × 2·Width rows; or, where <see cref="FusesTransposition{TOps, TVec}"/> says so,
    /// panels of 16 rows transposed inside tiles of every column, B read in place when untransposed
    /// (<see cref="FusedPanel"/>). Each element is the same in-order FMA chain per K block as in the
    /// usual tiles, the blocks added in order (kept in a running sum per panel), then bias and ReLU: the
    /// bits are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DriveTransposed<TOps, TVec>(in Problem problem, int rowStart, int rowEnd, int colStart, int colEnd)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int lanes = 2 * TOps.Width;
        int k = problem.K;
        int kcStep = KcStep(k);
        int cols = colEnd - colStart;

        // Six-column tiles, or five when they divide the columns exactly (25 units: five of five);
        // the remainder in one narrower tile. B's columns are packed once per call, tile by tile, each
        // p's values side by side: a tile's K block is then a few KB read in order, where B's own rows
        // (100 bytes apart for 25 units) would spread it over a line per p and crowd the L1.
        // On 512-bit vectors a Dense layer's input is transposed inside the tile, 16 rows at a time
        // (Gemm.TransposedFused.cs), which reads each p's values for every column at once: an untransposed
        // B in place, a transposed one packed as a single tile.
        bool fused = FusesTransposition<TOps, TVec>(problem.TransposeA, cols);
        int unitStep = fused ? cols : cols % 6 != 0 && cols % 5 == 0 ? 5 : 6;
        int panelRows = fused ? TOps.Width : lanes;
        PackBuffers buffers = PackBuffers.ForCurrentThread(lanes * kcStep, k * cols);
        float* panel = buffers.A;
        float* packedB = buffers.B;
        bool bInPlace = fused && !problem.TransposeB;
        if (!bInPlace)
        {
            PackColumnTiles(problem, colStart, cols, unitStep, packedB);
        }

        float* fusedB = bInPlace ? problem.B + colStart : packedB;
        nint fusedLdb = bInPlace ? problem.Ldb : cols;

        // The running sums on a cache-line boundary: a vector that straddles two lines costs two accesses.
        float* sumsSpace = stackalloc float[TransposedMaxColumns * lanes + 16];
        float* sums = (float*)(((nint)sumsSpace + 63) & ~(nint)63);
        float* quadsSpace = stackalloc float[fused ? 192 + 16 : 0];
        float* quads = (float*)(((nint)quadsSpace + 63) & ~(nint)63);
        nint ldc = problem.Ldc;
        for (int i0 = rowStart; i0 < rowEnd; i0 += panelRows)
        {
            int height = Math.Min(panelRows, rowEnd - i0);
            if (problem.Accumulate)
            {
                // C's old values start each running sum, as the usual tiles add the first block to them.
                Transpose(problem.C + i0 * ldc + colStart, ldc, sums, lanes, height, cols);
            }

            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool first = pc == 0 && !problem.Accumulate;
                if (fused)
                {
                    FusedPanel(problem, i0, height, pc, kc, fusedB + pc * fusedLdb, fusedLdb, cols, panel, quads, sums, first);
                    continue;
                }

                PackRowsTransposed(problem, i0, height, pc, kc, panel, lanes);
                int j = 0;
                for (; j + unitStep <= cols; j += unitStep)
                {
                    float* b = packedB + (nint)j * k + pc * unitStep;
                    if (unitStep == 6)
                    {
                        TransposedTile<TOps, TVec, Count6>(kc, b, panel, sums + j * lanes, first);
                    }
                    else
                    {
                        TransposedTile<TOps, TVec, Count5>(kc, b, panel, sums + j * lanes, first);
                    }
                }

                int restUnits = cols - j;
                float* rest = sums + j * lanes;
                float* restB = packedB + (nint)j * k + pc * restUnits;
                switch (restUnits)
                {
                    case 1:
                        TransposedTile<TOps, TVec, Count1>(kc, restB, panel, rest, first);
                        break;
                    case 2:
                        TransposedTile<TOps, TVec, Count2>(kc, restB, panel, rest, first);
                        break;
                    case 3:
                        TransposedTile<TOps, TVec, Count3>(kc, restB, panel, rest, first);
                        break;
                    case 4:
                        TransposedTile<TOps, TVec, Count4>(kc, restB, panel, rest, first);
                        break;
                    case 5:
                        TransposedTile<TOps, TVec, Count5>(kc, restB, panel, rest, first);
                        break;
                }
            }

            StoreTransposed<TOps, TVec>(problem, sums, i0, height, colStart, cols);
        }
    }

    /// <summary>
    /// Packs op(B)'s columns [col0, col0 + cols) for every p into tiles of <paramref name="unitStep"/>
    /// columns (the last one narrower): the tile starting at column j holds, at j·k + p·width + u,
    /// op(B)[p, col0 + j + u].
    /// </summary>
    private static void PackColumnTiles(in Problem problem, int col0, int cols, int unitStep, float* packed)
    {
        int k = problem.K;
        nint ldb = problem.Ldb;
        for (int j = 0; j < cols; j += unitStep)
        {
            int width = Math.Min(unitStep, cols - j);
            float* tile = packed + (nint)j * k;
            if (problem.TransposeB)
            {
                // Stored n × k: column c of op(B) is B's row c.
                Transpose(problem.B + (col0 + j) * ldb, ldb, tile, width, width, k);
            }
            else
            {
                CopyRows(problem.B + col0 + j, ldb, tile, width, k, width);
            }
        }
    }

    /// <summary>
    /// panel[p·lanes + r] = op(A)[row0 + r, p0 + p] for r &lt; height (zero for the rows past it):
    /// each p's values for the panel's rows side by side, one pair of vectors.
    /// </summary>
    private static void PackRowsTransposed(in Problem problem, int row0, int height, int p0, int kc, float* panel, int lanes)
    {
        if (problem.TransposeA)
        {
            // Stored k × m: each p's values are already side by side.
            CopyRows(problem.A + p0 * problem.Lda + row0, problem.Lda, panel, lanes, kc, height);
        }
        else
        {
            Transpose(problem.A + row0 * problem.Lda + p0, problem.Lda, panel, lanes, height, kc);
        }

        ZeroColumns(panel, lanes, kc, height);
    }

    /// <summary>
    /// One tile of Cᵀ for one K block: for each of the <typeparamref name="TUnits"/> columns u of C,
    /// the FMA chain over p of b[p·units + u] (a packed column tile) × the panel's pair of vectors, from zero; then the running
    /// sums (u × lanes floats) become the chain (<paramref name="first"/>) or the sum plus the chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposedTile<TOps, TVec, TUnits>(int kc, float* b, float* panel, float* sums, bool first)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TUnits : IConstantCount
    {
        int units = TUnits.Value;
        nint w = TOps.Width;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec a0 = TOps.Load(panel);
            TVec a1 = TOps.Load(panel + w);
            TVec x = TOps.Broadcast(b);
            c00 = TOps.MultiplyAdd(x, a0, c00);
            c01 = TOps.MultiplyAdd(x, a1, c01);
            if (units > 1)
            {
                x = TOps.Broadcast(b + 1);
                c10 = TOps.MultiplyAdd(x, a0, c10);
                c11 = TOps.MultiplyAdd(x, a1, c11);
            }

            if (units > 2)
            {
                x = TOps.Broadcast(b + 2);
                c20 = TOps.MultiplyAdd(x, a0, c20);
                c21 = TOps.MultiplyAdd(x, a1, c21);
            }

            if (units > 3)
            {
                x = TOps.Broadcast(b + 3);
                c30 = TOps.MultiplyAdd(x, a0, c30);
                c31 = TOps.MultiplyAdd(x, a1, c31);
            }

            if (units > 4)
            {
                x = TOps.Broadcast(b + 4);
                c40 = TOps.MultiplyAdd(x, a0, c40);
                c41 = TOps.MultiplyAdd(x, a1, c41);
            }

            if (units > 5)
            {
                x = TOps.Broadcast(b + 5);
                c50 = TOps.MultiplyAdd(x, a0, c50);
                c51 = TOps.MultiplyAdd(x, a1, c51);
            }

            panel += 2 * w;
            b += units;
        }

        AddToSums<TOps, TVec>(sums, w, c00, c01, first);
        if (units > 1)
        {
            AddToSums<TOps, TVec>(sums + 2 * w, w, c10, c11, first);
        }

        if (units > 2)
        {
            AddToSums<TOps, TVec>(sums + 4 * w, w, c20, c21, first);
        }

        if (units > 3)
        {
            AddToSums<TOps, TVec>(sums + 6 * w, w, c30, c31, first);
        }

        if (units > 4)
        {
            AddToSums<TOps, TVec>(sums + 8 * w, w, c40, c41, first);
        }

        if (units > 5)
        {
            AddToSums<TOps, TVec>(sums + 10 * w, w, c50, c51, first);
        }
    }

    /// <summary>The running sum of one column becomes the block's chain (the first block) or the sum plus it, the order the usual epilogue adds in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddToSums<TOps, TVec>(float* sums, nint w, TVec v0, TVec v1, bool first)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (!first)
        {
            v0 = TOps.Add(TOps.Load(sums), v0);
            v1 = TOps.Add(TOps.Load(sums + w), v1);
        }

        TOps.Store(sums, v0);
        TOps.Store(sums + w, v1);
    }

    /// <summary>
    /// C[row0 + r, col0 + j] = relu?(sums[j·lanes + r] + bias[col0 + j]) for the panel's rows: the usual
    /// epilogue's last steps on the running sums (per element the same additions and comparison), then
    /// one register transpose into C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTransposed<TOps, TVec>(in Problem problem, float* sums, int row0, int height, int col0, int cols)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        nint w = TOps.Width;
        int lanes = 2 * TOps.Width;
        float* bias = problem.Bias;
        bool relu = problem.Relu;
        if (bias != null || relu)
        {
            for (int j = 0; j < cols; j++)
            {
                float* column = sums + j * lanes;
                TVec v0 = TOps.Load(column);
                if (bias != null)
                {
                    v0 = TOps.Add(v0, TOps.Broadcast(bias + col0 + j));
                }

                TOps.Store(column, relu ? TOps.Relu(v0) : v0);

                // A panel of at most one vector's rows (the fused tiles' 16) has nothing in the second vector: the fused
                // tiles never write it, and the transpose below reads only the panel's rows.
                if (height > w)
                {
                    TVec v1 = TOps.Load(column + w);
                    if (bias != null)
                    {
                        v1 = TOps.Add(v1, TOps.Broadcast(bias + col0 + j));
                    }

                    TOps.Store(column + w, relu ? TOps.Relu(v1) : v1);
                }
            }
        }

        Transpose(sums, lanes, problem.C + row0 * problem.Ldc + col0, problem.Ldc, cols, height);
    }
}
