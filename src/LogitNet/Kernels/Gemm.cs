using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>The micro-kernel families, widest first; <see cref="Gemm.BestKernel"/> is chosen once.</summary>
internal enum GemmKernel
{
    /// <summary>Scalar FMA, 6×2 tiles: any CPU.</summary>
    Scalar,

    /// <summary>128-bit vectors, 6×8 tiles: SSE with FMA, or Arm AdvSimd.</summary>
    Vector128,

    /// <summary>256-bit vectors, 6×16 tiles: AVX2 with FMA.</summary>
    Vector256,

    /// <summary>512-bit vectors, 12×32 tiles: AVX-512F.</summary>
    Vector512,
}

/// <summary>Where the GEMM kernels read op(A) and op(B) from.</summary>
internal enum PanelSource
{
    /// <summary>In place for small products, packed otherwise.</summary>
    Auto,

    /// <summary>Always packed into contiguous panels.</summary>
    Packed,

    /// <summary>In place wherever the layout allows (a transposed A, an untransposed A along its rows, an untransposed B on AVX-512).</summary>
    InPlace,
}

/// <summary>
/// Single-precision matrix product C = op(A)·op(B) with a fused epilogue, on packed panels and
/// cache blocks (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", 2008;
/// the BLIS loop order jc → pc → ic → jr → ir).
/// </summary>
/// <remarks>
/// <para>
/// Matrices are row-major with explicit leading dimensions. op(A) is m × k: A is stored m × k
/// (row stride lda ≥ k), or k × m when transposed (lda ≥ m). op(B) is k × n: B is stored k × n
/// (ldb ≥ n), or n × k when transposed (ldb ≥ k). C is m × n with ldc ≥ n and must not overlap
/// A, B or the bias.
/// </para>
/// <para>
/// Determinism: every element of C is the in-order FMA chain over p within each K block, the
/// blocks added to C in order, and the K blocking depends on k alone. Threads split M or N, or
/// the K blocks of a short product whose partial sums are then added in block order, so the
/// result is bitwise the same for any thread count and run to run (on one kernel family).
/// </para>
/// <para>
/// Threads and memory: products of at least <see cref="ParallelFlopThreshold"/> flops are cut
/// into chunks fixed by their shape (see <c>Execute</c>) that the calling thread and the library's
/// <see cref="WorkerPool"/> share (up to <see cref="Parallelism.MaxThreads"/>).
/// The cuts keep what one core computes with the
/// same core across a training step (see <see cref="KCut"/>, which a caller asks for with
/// <see cref="GemmEpilogue.CutByK"/>): moving data between
/// the cores is slower than the arithmetic on them. Any thread may call concurrently: each has its
/// own packing buffers (thread-static, grown to the largest blocks it has packed, at most MC·KC + KC·NC floats, 4.8 MB),
/// and a caller that finds the pool busy runs alone. Small operands are read in place instead of
/// packed (<see cref="Panels"/>). Once warm, a call allocates nothing on the managed heap, on any
/// number of threads.
/// </para>
/// <para>
/// Blocking: the K block depth (<see cref="KcStep"/>, at most <see cref="KcMax"/>) is the one
/// constant no machine may change, since it fixes each element's summation order; MC
/// (<see cref="McMax"/>), NC (<see cref="NcMax"/>), the tile shape (the widest kernel family the CPU
/// runs, 8- or 12-row tiles by the rows' padding) and the thread cut change only speed. MC, NC and the
/// in-place limit are derived at start-up from the caches of the CPU at hand (<see cref="CpuCaches"/>:
/// sysfs on Linux, else CPUID on x86, else a modest default): a packed A block takes 3/8 of the L2, a
/// packed B block 1/8 of the L3, operands up to half the L2 are read in place (<see cref="BlockingFor"/>).
/// The vector width is the widest the runtime reports as accelerated (<c>Vector512.IsHardwareAccelerated</c>,
/// which .NET keeps false on CPUs whose 512-bit instructions lower the clock, and which
/// <c>DOTNET_PreferredVectorBitWidth</c> overrides); no timing probe of ours chooses between widths: only a
/// CPU with half-width 512-bit units (Zen 4) could gain from one, and none was at hand to measure it.
/// A product of at most 64 columns whose usual tiles would leave many lanes idle (a 10-unit layer; a 25-unit
/// one) runs as its transpose, lanes along the rows
/// (<see cref="ComputesTransposed(GemmKernel, int, int, int, bool)"/>): the same chains, the same bits (save which
/// NaN comes out where two NaNs of different payloads meet in one FMA, which follows the operand order the JIT gives
/// a broadcast FMA; every NaN the library itself makes has one payload). On
/// AVX-512, a Dense layer's input of 17 to 25 such columns is transposed inside the tiles, four p ahead of the
/// FMAs (Gemm.TransposedFused.cs); otherwise its rows are packed transposed first. The tiles of a block go column by
/// column, except where C's rows lie a multiple of 4 KB apart and K is short (<see cref="TilesByRows"/>): there a
/// column of tiles would store into one L1 set, and they go row band by row band; the order never changes a bit.
/// </para>
/// <para>
/// Accuracy: each K block is an FMA chain and the blocks are summed in order, a recursive
/// summation of the k products, so |ĉ - c| ≤ γ_k Σ_p |a_ip||b_pj| with γ_k = k·u/(1 - k·u),
/// u = 2^-24 (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1); the tests check the
/// looser k · 2^-23 · Σ|a||b|.
/// </para>
/// </remarks>
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Depth of a K block. The jr loop keeps one packed B panel (KC × 32 floats = 32 KB at 256)
    /// in the 48 KB L1d while 12-row A panels (12 KB) stream past it from L2.
    /// </summary>
    internal const int KcMax = 256;

    /// <summary>
    /// The depth of every K block of a product with this k (balanced, at most <see cref="KcMax"/>):
    /// the one rule every path and thread count follows, which keeps each element's summation order.
    /// </summary>
    internal static int KcStep(int k) => CeilDiv(k, CeilDiv(k, KcMax));

    /// <summary>
    /// Rows of a packed A block (MC × KC × 4 B: 3/8 of the L2, e.g. 384 rows = 384 KB of a 1 MB L2),
    /// a multiple of 24 (every tile height). Settable for benchmarks only; the bits never depend on it.
    /// </summary>
    internal static int McMax = BlockingFor(CpuCaches.Current).Mc;

    /// <summary>Columns of a packed B block (KC × NC × 4 B: 1/8 of the L3, at most 4 MB); a multiple of every NR.</summary>
    internal static readonly int NcMax = BlockingFor(CpuCaches.Current).Nc;

    /// <summary>
    /// The cache blocking for a CPU with these caches: MC rows of A (3/8 of the L2 at the deepest K
    /// block, 48 to 768 rows), NC columns of B (1/8 of the L3, 512 to 4096 columns), and the largest
    /// operand read in place (half the L2). On the 1 MB-L2 Zen 4/5 machines the GEMM was tuned on this
    /// gives the constants measured there (384, 4096, 512 KB); on a 512 KB-L2 EPYC (AVX2) MC of 96, 192
    /// and 384 measured the same (bench/results/gemm.md), so the rule follows the cache, not one CPU.
    /// </summary>
    internal static (int Mc, int Nc, long InPlaceBytes) BlockingFor(CpuCaches caches)
    {
        const long BlockRowBytes = KcMax * sizeof(float);
        int mc = (int)Math.Clamp(caches.L2 * 3 / 8 / BlockRowBytes / 24 * 24, 48, 768);
        int nc = (int)Math.Clamp(caches.L3 / 8 / BlockRowBytes / 64 * 64, 512, 4096);
        return (mc, nc, caches.L2 / 2);
    }

    /// <summary>The largest tile of any kernel (12 × 32): the size of the edge tile's scratch.</summary>
    private const int MaxTile = 12 * 32;

    /// <summary>
    /// The largest operand (k × m of a transposed A, k × n of B) read in place rather than packed
    /// under <see cref="PanelSource.Auto"/>: half the L2 (512 KB of a 1 MB L2), where the in-place rows stay cached
    /// across the tiles that reuse them. Measured on 2026-11-22 (bench/results/gemm.md): in place is
    /// 1.1–1.6× faster for a training batch of 32 or 64 (784 × 25 and 784 × 128 weights, their
    /// gradients), and 0.8–0.9× for 784 × 1024 weights, whose panels span thousands of lines.
    /// </summary>
    internal static readonly long InPlaceMaxBytes = BlockingFor(CpuCaches.Current).InPlaceBytes;

    private static PanelSource s_panelSource = PanelSource.Auto;

    /// <summary>The kernel family this CPU runs best, chosen once at start-up.</summary>
    public static readonly GemmKernel BestKernel = SelectKernel();

    /// <summary>
    /// Where the kernels read their operands from (tests and benchmarks compare the two; the
    /// result is bitwise the same either way).
    /// </summary>
    internal static PanelSource Panels
    {
        get => s_panelSource;
        set => s_panelSource = value;
    }

    /// <summary>
    /// C = epilogue(op(A)·op(B)) on the best kernel family, with up to <see cref="Parallelism.MaxThreads"/> threads.
    /// </summary>
    /// <param name="transposeA">Whether A is stored k × m (op(A) = Aᵀ) instead of m × k.</param>
    /// <param name="transposeB">Whether B is stored n × k (op(B) = Bᵀ) instead of k × n.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The inner dimension; 0 gives C = epilogue(0).</param>
    /// <param name="a">A's elements, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">A's row stride as stored.</param>
    /// <param name="b">B's elements, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">B's row stride as stored.</param>
    /// <param name="c">C's elements, row-major with row stride <paramref name="ldc"/>; must not overlap the inputs.</param>
    /// <param name="ldc">C's row stride.</param>
    /// <param name="epilogue">Bias, ReLU and accumulation applied as C is stored.</param>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        in GemmEpilogue epilogue) =>
        Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, epilogue, WorkerPool.MaxThreads, BestKernel);

    /// <summary>As the overload without them, with an explicit thread limit and kernel family (tests and benchmarks).</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        in GemmEpilogue epilogue, int maxThreads, GemmKernel kernel)
    {
        Validate(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, epilogue.Bias);
        if (kernel > BestKernel)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, $"This CPU supports kernels up to {BestKernel}.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a, pb = b, pc = c, pbias = epilogue.Bias)
        {
            var problem = new Problem
            {
                A = pa,
                B = pb,
                C = pc,
                Bias = epilogue.Bias.IsEmpty ? null : pbias,
                Lda = lda,
                Ldb = ldb,
                Ldc = ldc,
                M = m,
                N = n,
                K = k,
                TransposeA = transposeA,
                TransposeB = transposeB,
                Relu = epilogue.Relu,
                Accumulate = epilogue.Accumulate,
                CutByK = epilogue.CutByK,
            };

            if (k == 0)
            {
                EpilogueOnly(problem);
            }
            else if (m <= FewRowsMax && !transposeA && !transposeB)
            {
                RunFewRows(problem, kernel, maxThreads);
            }
            else
            {
                Execute(problem, maxThreads, kernel);
            }
        }
    }

    /// <summary>Whether a kernel family has single-instruction masked loads (its vector type's <see cref="IGemmVector{TVec}.MaskedLoads"/>).</summary>
    private static bool MasksLoads(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Vector512 => GemmVector512.MaskedLoads,
        GemmKernel.Vector256 => GemmVector256.MaskedLoads,
        GemmKernel.Vector128 => GemmVector128.MaskedLoads,
        _ => GemmScalar.MaskedLoads,
    };

    private static GemmKernel SelectKernel()
    {
        // Vector*.FusedMultiplyAdd falls back to a slow software loop without hardware FMA, so
        // each vector path also requires it (x86 FMA3; every Arm64 AdvSimd CPU has FMLA).
        bool fma = Fma.IsSupported || AdvSimd.IsSupported;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            return GemmKernel.Vector512;
        }

        if (Vector256.IsHardwareAccelerated && fma)
        {
            return GemmKernel.Vector256;
        }

        return Vector128.IsHardwareAccelerated && fma ? GemmKernel.Vector128 : GemmKernel.Scalar;
    }

    private static void Validate(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, ReadOnlySpan<float> bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMatrix(a.Length, transposeA ? k : m, transposeA ? m : k, lda, nameof(a), nameof(lda));
        CheckMatrix(b.Length, transposeB ? n : k, transposeB ? k : n, ldb, nameof(b), nameof(ldb));
        CheckMatrix(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        if (!bias.IsEmpty && bias.Length != n)
        {
            throw new ArgumentException($"Expected a bias of length n = {n}, or none; received length {bias.Length}.", nameof(bias));
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int stride, string name, string strideName)
    {
        if (stride < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException(strideName, stride, $"The row stride of {name} must be at least its {cols} columns (and 1).");
        }

        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * stride + cols;
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} values; a {rows} × {cols} matrix with row stride {stride} needs {needed}.", name);
        }
    }

    /// <summary>k = 0: the product is an empty sum, so C = relu?((Accumulate ? C : 0) + bias).</summary>
    private static void EpilogueOnly(in Problem problem)
    {
        for (int i = 0; i < problem.M; i++)
        {
            float* row = problem.C + i * problem.Ldc;
            for (int j = 0; j < problem.N; j++)
            {
                float v = problem.Accumulate ? row[j] + 0f : 0f;
                if (problem.Bias != null)
                {
                    v += problem.Bias[j];
                }

                row[j] = problem.Relu ? Relu(v) : v;
            }
        }
    }

    /// <summary>Runs rows [rowStart, rowEnd) × columns [colStart, colEnd) of C on the calling thread.</summary>
    private static void RunBlock(in Problem problem, GemmKernel kernel, int rowStart, int rowEnd, int colStart, int colEnd) =>
        RunBlock(problem, kernel, rowStart, rowEnd, colStart, colEnd, 0, int.MaxValue, raw: false);

    /// <summary>
    /// As the overload without them, over the K blocks that start in [pcFrom, pcTo) only (pcFrom
    /// a block start); <paramref name="raw"/> stores the block's own sum, with no epilogue.
    /// </summary>
    private static void RunBlock(in Problem problem, GemmKernel kernel, int rowStart, int rowEnd, int colStart, int colEnd, int pcFrom, int pcTo, bool raw)
    {
        switch (kernel)
        {
            case GemmKernel.Vector512:
                Drive<GemmVector512, Vector512<float>>(problem, rowStart, rowEnd, colStart, colEnd, pcFrom, pcTo, raw);
                break;
            case GemmKernel.Vector256:
                Drive<GemmVector256, Vector256<float>>(problem, rowStart, rowEnd, colStart, colEnd, pcFrom, pcTo, raw);
                break;
            case GemmKernel.Vector128:
                Drive<GemmVector128, Vector128<float>>(problem, rowStart, rowEnd, colStart, colEnd, pcFrom, pcTo, raw);
                break;
            default:
                Drive<GemmScalar, float>(problem, rowStart, rowEnd, colStart, colEnd, pcFrom, pcTo, raw);
                break;
        }
    }

    /// <summary>
    /// The five loops around the micro-kernel for one rectangle of C. Block sizes in M and N are
    /// balanced (e.g. 256 rows become one block, not 240 + 16) and may differ between partitions;
    /// the K blocks depend on k alone, which is what keeps the summation order fixed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Drive<TOps, TVec>(in Problem problem, int rowStart, int rowEnd, int colStart, int colEnd, int pcFrom, int pcTo, bool raw)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        // A narrow product whose usual tiles would leave lanes idle runs as its transpose (same bits);
        // not a chunk of a product cut by its K blocks, whose raw partial sums the usual tiles store.
        if (!raw && pcFrom == 0 && pcTo >= problem.K && ComputesTransposed<TOps, TVec>(rowEnd - rowStart, colEnd - colStart, problem.K, problem.TransposeA))
        {
            DriveTransposed<TOps, TVec>(problem, rowStart, rowEnd, colStart, colEnd);
            return;
        }

        // A product no wider than one vector (a 10-class output layer) takes the one-vector tile;
        // otherwise 8-row tiles when they cover the rows with less padding than 12-row ones
        // (32 rows: 32 instead of 36). Tiles never change a result, only the padding computed.

        bool narrow = TOps.Rows == 12 && colEnd - colStart <= TOps.Width;
        bool eightRows = TOps.Rows == 12 && !narrow && RoundUp(rowEnd - rowStart, 8) < RoundUp(rowEnd - rowStart, 12);
        int mr = eightRows ? 8 : TOps.Rows;
        int nr = narrow ? TOps.Width : 2 * TOps.Width;
        int k = problem.K;
        int kcStep = KcStep(k);
        int rows = rowEnd - rowStart;
        int cols = colEnd - colStart;
        int ncStep = RoundUp(CeilDiv(cols, CeilDiv(cols, NcMax)), nr);

        // Operands read in place instead of packed (see ReadsInPlace): B's rows when the kernel can
        // mask its loads at the panel's edge, a transposed A's rows (mr values per p, contiguous).
        bool directB = TOps.MaskedLoads && !problem.TransposeB && ReadsInPlace(k, problem.N, CeilDiv(rows, mr), BInPlaceMaxReuses);
        // An untransposed A is read along its rows by the 6-, 8- and 12-row tiles when few column tiles
        // would use a packed panel (see ReadsRowsInPlace); directA covers both cases from here on.
        bool rowsA = !problem.TransposeA && ReadsRowsInPlace(CeilDiv(cols, nr));
        bool directA = rowsA || (problem.TransposeA && ReadsInPlace(k, problem.M, CeilDiv(cols, nr)));

        // A block of A read along its rows is re-read by every column tile: it should stay in the L1
        // (see InPlaceRowsMc), where a packed block only has to stay in the L2.
        int mcMax = rowsA ? InPlaceRowsMc(kcStep, mr) : McMax;
        int mcStep = RoundUp(CeilDiv(rows, CeilDiv(rows, mcMax)), mr);
        PackBuffers buffers = PackBuffers.ForCurrentThread(directA ? mr * kcStep : mcStep * kcStep, directB ? 0 : kcStep * ncStep);
        float* packedA = buffers.A;
        float* packedB = buffers.B;
        float* edge = stackalloc float[MaxTile];
        nint ldc = problem.Ldc;

        int prefetchC = PrefetchC && (long)rows * cols * sizeof(float) > CpuCaches.Current.L2 / 2 ? PrefetchCTile : 0;
        for (int jc = colStart; jc < colEnd; jc += ncStep)
        {
            int nc = Math.Min(ncStep, colEnd - jc);
            for (int pc = pcFrom; pc < k && pc < pcTo; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool last = pc + kc == k && !raw;
                int flags = (raw ? 0 : (pc > 0 || problem.Accumulate ? AddToC : 0) | (last && problem.Relu ? ApplyRelu : 0)) | prefetchC;
                float* bias = last ? problem.Bias : null;
                if (!directB)
                {
                    PackB(problem, pc, kc, jc, nc, packedB, nr);
                }

                for (int ic = rowStart; ic < rowEnd; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, rowEnd - ic);
                    int fullRows = mc - mc % mr;
                    if (!directA)
                    {
                        PackA(problem, ic, mc, pc, kc, packedA, mr);
                    }
                    else if (fullRows < mc)
                    {
                        // The last, partial panel is packed: read in place, its padding rows would
                        // run past the end of A.
                        PackA(problem, ic + fullRows, mc - fullRows, pc, kc, packedA, mr);
                    }

                    // Tiles column by column (each B panel stays in the L1 while the block of A streams from the L2),
                    // or row band by row band when the tiles are mostly their stores to C (see TilesByRows).
                    bool byRows = TilesByRows(kc, ldc);
                    int bandRows = byRows ? mr : mc;
                    for (int band = 0; band < mc; band += bandRows)
                    {
                        int bandEnd = Math.Min(mc, band + bandRows);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int width = Math.Min(nr, nc - jr);
                            float* bPanel = directB ? problem.B + pc * problem.Ldb + jc + jr : packedB + (nint)jr * kc;
                            nint bStride = directB ? problem.Ldb : nr;
                            float* tileBias = bias == null ? null : bias + jc + jr;
                            int ir = band;
                            if (!byRows && TOps.Rows == 6 && TileColumns && width == nr && fullRows >= 2 * mr)
                            {
                                // Full tiles, one call for the column (the last, partial tile below as before).
                                int tiles = fullRows / mr;
                                float* cColumn = problem.C + ic * ldc + jc + jr;
                                if (rowsA && directA)
                                {
                                    Kernel6<TOps, TVec, StridedRows>(tiles, mr * problem.Lda, kc, problem.A + ic * problem.Lda + pc, 1, problem.Lda, bPanel, bStride, cColumn, ldc, tileBias, flags, mr, nr, edge);
                                }
                                else if (!directA)
                                {
                                    Kernel6<TOps, TVec, PackedRows>(tiles, (nint)mr * kc, kc, packedA, mr, 1, bPanel, bStride, cColumn, ldc, tileBias, flags, mr, nr, edge);
                                }
                                else
                                {
                                    // A transposed A read in place: mr values per p, tiles mr apart along its rows.
                                    Kernel6<TOps, TVec, PackedRows>(tiles, mr, kc, problem.A + pc * problem.Lda + ic, problem.Lda, 1, bPanel, bStride, cColumn, ldc, tileBias, flags, mr, nr, edge);
                                }

                                ir = tiles * mr;
                            }

                            for (; ir < bandEnd; ir += mr)
                            {
                                int height = Math.Min(mr, mc - ir);
                                bool inPlace = directA && ir < fullRows;
                                float* aPanel = !inPlace ? packedA + (directA ? 0 : (nint)ir * kc)
                                    : rowsA ? problem.A + (ic + ir) * problem.Lda + pc
                                    : problem.A + pc * problem.Lda + ic + ir;
                                nint aStride = inPlace ? (rowsA ? 1 : problem.Lda) : mr;
                                float* cTile = problem.C + (ic + ir) * ldc + jc + jr;
                                if (rowsA && inPlace)
                                {
                                    if (TOps.Rows == 6)
                                    {
                                        Kernel6<TOps, TVec, StridedRows>(1, 0, kc, aPanel, aStride, problem.Lda, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                    }
                                    else if (narrow)
                                    {
                                        Kernel12Narrow<TOps, TVec, StridedRows>(kc, aPanel, aStride, problem.Lda, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                    }
                                    else if (eightRows)
                                    {
                                        Kernel8<TOps, TVec, StridedRows>(kc, aPanel, aStride, problem.Lda, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                    }
                                    else
                                    {
                                        Kernel12<TOps, TVec, StridedRows>(kc, aPanel, aStride, problem.Lda, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                    }
                                }
                                else if (narrow)
                                {
                                    Kernel12Narrow<TOps, TVec, PackedRows>(kc, aPanel, aStride, 1, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                }
                                else if (eightRows)
                                {
                                    Kernel8<TOps, TVec, PackedRows>(kc, aPanel, aStride, 1, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                }
                                else
                                {
                                    Kernel<TOps, TVec>(kc, aPanel, aStride, bPanel, bStride, cTile, ldc, tileBias, flags, height, width, edge);
                                }

                                if (!TOps.MaskedLoads && (height < mr || width < nr))
                                {
                                    StoreEdgeTile<TOps, TVec>(edge, nr / TOps.Width, cTile, ldc, tileBias, flags, height, width);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether a k × <paramref name="extent"/> operand is read in place rather than packed: when
    /// <see cref="Panels"/> asks for it, or (Auto) when it is small enough to stay in cache
    /// (<see cref="InPlaceMaxBytes"/>), where packing would cost as much as the arithmetic (a
    /// training batch of 32 would copy its 784 × 25 weights for 1.3 MFLOP of work), or when each
    /// panel would be used only once (<paramref name="reuses"/> ≤ 1: one tile of the other operand), or by at most
    /// <paramref name="maxReuses"/> tiles (B: <see cref="BInPlaceMaxReuses"/>).
    /// </summary>
    private static bool ReadsInPlace(int k, int extent, int reuses, int maxReuses = 1) => s_panelSource switch
    {
        PanelSource.Packed => false,
        PanelSource.InPlace => true,
        _ => reuses <= maxReuses || (long)k * extent * sizeof(float) <= InPlaceMaxBytes,
    };

    /// <summary>
    /// The most row tiles that read a large B in place rather than packed (<see cref="ReadsInPlace"/>): a product of a
    /// few rows (a prediction of 16 to 48 samples) uses each packed panel of B too few times to repay copying it. With
    /// 1024 × 1024 weights on one thread (AVX-512), reading B in place up to 4 row tiles took 1/1.38 of the time at 16
    /// rows, 1/1.25 at 32, 1/1.11 at 48, and changed nothing from 64 rows (session 18). Settable for benchmarks only;
    /// the bits never depend on it.
    /// </summary>
    internal static int BInPlaceMaxReuses = 4;

    /// <summary>
    /// Whether a block's tiles go row band by row band (all the column tiles of one band of 6, 8 or 12 rows, then the
    /// next band) instead of column by column: when C's rows lie a multiple of 4 KB apart and the K block is at most
    /// <see cref="TilesByRowsMaxKc"/> deep. Column by column, a column of tiles stores to C's rows at that stride,
    /// which on x86 falls into one set of the L1 (64 sets of 64 bytes span 4 KB), so the stores evict each other;
    /// with a short K they are most of a tile's work. Measured on the Zen 5 VM (session 22), one thread, the same
    /// bits: 256 × 1024 × 10 (the L model's output layer's input gradient) 108 → 35 µs, 256 × 2048 × 10 220 → 73,
    /// K = 16 100 → 48, K = 24 level (0.97–1.03), on the AVX2 path alike (187 → 58 at K = 10, 1.01 at K = 24);
    /// C rows 512, 640, 768, 896, 1000 or 1536 floats apart: level either way (0.87–1.05), so only the aliasing
    /// stride takes it.
    /// </summary>
    private static bool TilesByRows(int kc, nint ldc) => kc <= TilesByRowsMaxKc && ldc * sizeof(float) % 4096 == 0;

    /// <summary>The deepest K block whose tiles go row band by row band (<see cref="TilesByRows"/>); settable for benchmarks only.</summary>
    internal static int TilesByRowsMaxKc = 16;

    /// <summary>
    /// Whether the 6-, 8- and 12-row tiles read an untransposed A along its own rows instead of packing it:
    /// when <see cref="Panels"/> asks for it, or (Auto) when at most <see cref="RowsInPlaceMaxTiles"/>
    /// column tiles use each panel. Packing moves every value of A once more, about as long as a
    /// tile's arithmetic on it, so it pays only when many tiles reuse the panel.
    /// </summary>
    private static bool ReadsRowsInPlace(int reuses) => s_panelSource switch
    {
        PanelSource.Packed => false,
        PanelSource.InPlace => true,
        _ => reuses <= RowsInPlaceMaxTiles,
    };

    /// <summary>
    /// Rows of a block of A read along its rows (see <see cref="ReadsRowsInPlace"/>): as many whole tiles
    /// as fill half the L1d at this K block depth (18 rows of 196 floats in a 32 KB L1d), so that the
    /// block stays there while every column tile re-reads it. Measured on an AVX2 EPYC by thread-CPU
    /// time (bench/results/gemm.md, session 6): a 500-row chunk of the M model 1.20–1.21 ms with blocks
    /// of 24 or 48 rows against 1.24 ms with the L2-sized 192; 500×784×128 91.9 against 89.3 GFLOP/s.
    /// The bits never depend on it.
    /// </summary>
    private static int InPlaceRowsMc(int kcStep, int mr) =>
        Math.Max(mr, (int)(CpuCaches.Current.L1Data / 2 / (kcStep * sizeof(float))) / mr * mr);

    /// <summary>
    /// The most column tiles that read an untransposed A in place (see <see cref="ReadsRowsInPlace"/>):
    /// 8: a 128-unit layer on 16-column tiles, a 256-unit one on 32-column tiles. Measured on an AVX2 EPYC by thread-CPU time, alternating processes
    /// (bench/results/gemm.md, session 6): 500×784×128 at 88–89 GFLOP/s packed and 90.5–91.6 in place,
    /// 64×784×128 at 81 and 83.6–83.9; 16 tiles no better than 8. On AVX-512 (a Zen 5, session 11, the two
    /// ways alternating in one process, median time ratio packed / in place) the 12- and 8-row tiles gain
    /// more, since a 32-column tile spreads the packing over half as many tiles: 64×128×784 1.03,
    /// 500×128×784 1.07, 1000×64×128 1.05, 64×64×128 1.09, 32×25×784 1.22 on one thread, 1.07–1.23 on two.
    /// Settable for benchmarks only; the bits never depend on it.
    /// </summary>
    internal static int RowsInPlaceMaxTiles = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel<TOps, TVec>(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (TOps.Rows == 12)
        {
            Kernel12<TOps, TVec, PackedRows>(kc, a, aStride, 1, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
        else
        {
            Kernel6<TOps, TVec, PackedRows>(1, 0, kc, a, aStride, 1, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
    }

    internal static int CeilDiv(int x, int y) => (x + y - 1) / y;

    internal static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;

    /// <summary>Everything one product needs, as raw pointers so a worker thread can share it.</summary>
    private struct Problem
    {
        public float* A;
        public float* B;
        public float* C;
        public float* Bias;
        public nint Lda;
        public nint Ldb;
        public nint Ldc;
        public int M;
        public int N;
        public int K;
        public bool TransposeA;
        public bool TransposeB;
        public bool Relu;
        public bool Accumulate;
        public bool CutByK;
    }
}

/// <summary>Where a micro-kernel finds its rows' values for one p (see Gemm.Kernel6, Gemm.Kernel8 and Gemm.Kernel12).</summary>
internal interface IRowLayout
{
    /// <summary>True: in A's own rows, aRowStride apart; false: side by side in a packed panel.</summary>
    static abstract bool InPlace { get; }
}

/// <summary>A packed panel: the tile's values for one p are contiguous.</summary>
internal readonly struct PackedRows : IRowLayout
{
    public static bool InPlace => false;
}

/// <summary>A's own rows, read in place.</summary>
internal readonly struct StridedRows : IRowLayout
{
    public static bool InPlace => true;
}

/// <summary>
/// Whether a micro-kernel's tile is narrower than its vectors (Gemm.Kernel8, Gemm.Kernel12, Gemm.Kernel12Narrow): only then
/// does its K loop mask its loads of B, so that B read in place is never read past its last column. A masked load whose mask
/// is a vector (as the kernels keep it) costs the JIT's code a conversion to a mask register on every load, two more
/// instructions in every step of the K loop. Unmasked whole tiles measured level to 2% faster on a Zen 5, one thread, the
/// two ways alternating in one process (session 24): median time ratios 0.976–1.005 over nine shapes from 64 × 64 × 10 to
/// 512³, and 0.992 for the M model's training epochs; 0.90 and 0.94 for M's two large products while the host held the FMA
/// loop to 90% of its speed. The bits are the same: a mask of all ones loads what a load does.
/// </summary>
internal interface IPanelWidth
{
    /// <summary>True: the tile has fewer columns than its vectors' lanes.</summary>
    static abstract bool Partial { get; }
}

/// <summary>A tile as wide as its vectors: whole-vector loads.</summary>
internal readonly struct WholePanel : IPanelWidth
{
    public static bool Partial => false;
}

/// <summary>A tile at C's right edge, narrower than its vectors: masked loads (where the kernel family has them).</summary>
internal readonly struct PartialPanel : IPanelWidth
{
    public static bool Partial => true;
}
