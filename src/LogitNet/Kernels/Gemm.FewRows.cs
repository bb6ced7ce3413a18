using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Products with at most this many rows of C (and no transposes) skip packing.</summary>
    internal const int FewRowsMax = 4;

    /// <summary>
    /// C = epilogue(A·B) for a handful of rows, read straight from A and B: the shape of a
    /// single-sample prediction (a matrix-vector product), where packing the weights (k × n) would
    /// cost more than the product. Large weights are cut into fixed chunks of output columns
    /// (<see cref="FewRowsChunkColumns"/>; the cut depends on n alone) shared by the pool's threads,
    /// so that every core streams its own part of the weights.
    /// </summary>
    /// <remarks>
    /// The result is bitwise the packed path's, so a row's output never depends on the batch it is
    /// in: the same K blocks (they depend on k alone), each an FMA chain over p from zero, added to
    /// C block by block in order, then the bias, then ReLU, the order <see cref="StoreRow"/> uses.
    /// Only the memory traffic differs.
    /// </remarks>
    private static void RunFewRows(in Problem problem, GemmKernel kernel, int maxThreads)
    {
        int chunks = FewRowsChunks(problem.N, problem.K);
        if (maxThreads >= 2 && chunks >= 2)
        {
            FewRowsJob job = t_fewRows ??= new FewRowsJob();
            job.Set(problem, kernel, chunks);
            if (WorkerPool.Shared.TryRun(job, maxThreads))
            {
                return;
            }
        }

        RunFewRows(problem, kernel, 0, problem.N);
    }

    /// <summary>
    /// Weights of fewer floats than this (k × n; 1 MB) are read by one thread. Waking the pool
    /// and handing back the chunks costs a few microseconds, what one core takes to stream about
    /// 1 MB from its caches.
    /// </summary>
    internal const long FewRowsParallelFloats = 256 * 1024;

    /// <summary>Output columns per chunk of a parallel few-rows product: a multiple of every strip (8 vectors of 16, 8 or 4 floats).</summary>
    internal const int FewRowsChunkColumns = 128;

    /// <summary>How many column chunks a few-rows product is cut into (1: not cut); depends on the shape alone.</summary>
    internal static int FewRowsChunks(int n, int k) =>
        (long)n * k < FewRowsParallelFloats ? 1 : Math.Min(MaxChunks, CeilDiv(n, FewRowsChunkColumns));

    [ThreadStatic]
    private static FewRowsJob? t_fewRows;

    /// <summary>A few-rows product cut into chunks of output columns.</summary>
    private sealed class FewRowsJob : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private int _columns;

        public int Count { get; private set; }

        public void Set(in Problem problem, GemmKernel kernel, int count)
        {
            _problem = problem;
            _kernel = kernel;
            Count = count;
            _columns = RoundUp(CeilDiv(problem.N, count), FewRowsChunkColumns);
        }

        public void Run(int index)
        {
            int from = index * _columns;
            if (from < _problem.N)
            {
                RunFewRows(_problem, _kernel, from, Math.Min(_problem.N, from + _columns));
            }
        }
    }

    private static void RunFewRows(in Problem problem, GemmKernel kernel, int colStart, int colEnd)
    {
        switch (kernel)
        {
            case GemmKernel.Vector512:
                FewRows<GemmVector512, Vector512<float>>(problem, colStart, colEnd);
                break;
            case GemmKernel.Vector256:
                FewRows<GemmVector256, Vector256<float>>(problem, colStart, colEnd);
                break;
            case GemmKernel.Vector128:
                FewRows<GemmVector128, Vector128<float>>(problem, colStart, colEnd);
                break;
            default:
                FewRows<GemmScalar, float>(problem, colStart, colEnd);
                break;
        }
    }

    /// <summary>
    /// Columns [colStart, colEnd) of every row: strips of eight vectors where they fit, which read
    /// each weight row's 8 · Width floats contiguously (the access pattern the prefetchers follow
    /// best) and carry eight independent FMA chains, enough to hide the FMA's latency; then the
    /// remaining columns two vectors at a time (<see cref="FewRowsNarrow"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows<TOps, TVec>(in Problem problem, int colStart, int colEnd)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int k = problem.K, w = TOps.Width, strip = 8 * w;
        int kcStep = KcStep(k);
        nint ldb = problem.Ldb;
        int wideEnd = colStart + (colEnd - colStart) / strip * strip;
        for (int i = 0; i < problem.M; i++)
        {
            float* aRow = problem.A + i * problem.Lda;
            float* cRow = problem.C + i * problem.Ldc;
            for (int j = colStart; j < wideEnd; j += strip)
            {
                float* c = cRow + j;
                bool add = problem.Accumulate;
                TVec r0 = TOps.Zero, r1 = TOps.Zero, r2 = TOps.Zero, r3 = TOps.Zero;
                TVec r4 = TOps.Zero, r5 = TOps.Zero, r6 = TOps.Zero, r7 = TOps.Zero;
                if (add)
                {
                    r0 = TOps.Load(c);
                    r1 = TOps.Load(c + w);
                    r2 = TOps.Load(c + 2 * w);
                    r3 = TOps.Load(c + 3 * w);
                    r4 = TOps.Load(c + 4 * w);
                    r5 = TOps.Load(c + 5 * w);
                    r6 = TOps.Load(c + 6 * w);
                    r7 = TOps.Load(c + 7 * w);
                }

                for (int pc = 0; pc < k; pc += kcStep)
                {
                    int end = Math.Min(k, pc + kcStep);
                    float* b = problem.B + pc * ldb + j;
                    TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                    TVec s4 = TOps.Zero, s5 = TOps.Zero, s6 = TOps.Zero, s7 = TOps.Zero;
                    for (int p = pc; p < end; p++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(aRow + p);
                        s0 = TOps.MultiplyAdd(x, TOps.Load(b), s0);
                        s1 = TOps.MultiplyAdd(x, TOps.Load(b + w), s1);
                        s2 = TOps.MultiplyAdd(x, TOps.Load(b + 2 * w), s2);
                        s3 = TOps.MultiplyAdd(x, TOps.Load(b + 3 * w), s3);
                        s4 = TOps.MultiplyAdd(x, TOps.Load(b + 4 * w), s4);
                        s5 = TOps.MultiplyAdd(x, TOps.Load(b + 5 * w), s5);
                        s6 = TOps.MultiplyAdd(x, TOps.Load(b + 6 * w), s6);
                        s7 = TOps.MultiplyAdd(x, TOps.Load(b + 7 * w), s7);
                    }

                    // The block's sums start the row or are added to it, as the packed path does.
                    r0 = add ? TOps.Add(r0, s0) : s0;
                    r1 = add ? TOps.Add(r1, s1) : s1;
                    r2 = add ? TOps.Add(r2, s2) : s2;
                    r3 = add ? TOps.Add(r3, s3) : s3;
                    r4 = add ? TOps.Add(r4, s4) : s4;
                    r5 = add ? TOps.Add(r5, s5) : s5;
                    r6 = add ? TOps.Add(r6, s6) : s6;
                    r7 = add ? TOps.Add(r7, s7) : s7;
                    add = true;
                }

                TVec all = TOps.MaskFor(w);
                Finish<TOps, TVec>(problem, c, j, r0, w, all);
                Finish<TOps, TVec>(problem, c + w, j + w, r1, w, all);
                Finish<TOps, TVec>(problem, c + 2 * w, j + 2 * w, r2, w, all);
                Finish<TOps, TVec>(problem, c + 3 * w, j + 3 * w, r3, w, all);
                Finish<TOps, TVec>(problem, c + 4 * w, j + 4 * w, r4, w, all);
                Finish<TOps, TVec>(problem, c + 5 * w, j + 5 * w, r5, w, all);
                Finish<TOps, TVec>(problem, c + 6 * w, j + 6 * w, r6, w, all);
                Finish<TOps, TVec>(problem, c + 7 * w, j + 7 * w, r7, w, all);
            }
        }

        if (wideEnd < colEnd)
        {
            FewRowsNarrow<TOps, TVec>(problem, wideEnd, colEnd);
        }
    }

    /// <remarks>
    /// Each output element is one FMA chain per K block, and a single chain runs at the FMA's
    /// latency, not its throughput. The K blocks are independent chains (each starts from zero and
    /// is added to the row in order afterwards), so up to four of them run side by side: a
    /// 784-input layer's four blocks of 196 take the time of one. Two column vectors are carried
    /// together (a 25-unit layer needs both; lanes past n compute on zeros and store nothing).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRowsNarrow<TOps, TVec>(in Problem problem, int colStart, int n)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int k = problem.K, w = TOps.Width;
        int kcStep = KcStep(k);
        int fullBlocks = k / kcStep;
        nint ldb = problem.Ldb;
        for (int i = 0; i < problem.M; i++)
        {
            float* aRow = problem.A + i * problem.Lda;
            float* cRow = problem.C + i * problem.Ldc;
            for (int j = colStart; j < n; j += 2 * w)
            {
                int w0 = Math.Clamp(n - j, 0, w), w1 = Math.Clamp(n - j - w, 0, w);
                TVec m0 = TOps.MaskFor(w0), m1 = TOps.MaskFor(w1);
                float* c0 = cRow + j;
                bool add = problem.Accumulate;
                TVec r0 = add ? TOps.LoadMasked(c0, m0) : TOps.Zero;
                TVec r1 = add ? TOps.LoadMasked(c0 + w, m1) : TOps.Zero;

                for (int q = 0; q < fullBlocks; q += 4)
                {
                    // Four full blocks at once; in a group of fewer, the missing chains repeat the
                    // group's last block (memory that exists) and are not added.
                    int group = Math.Min(4, fullBlocks - q);
                    float* a = aRow + q * kcStep;
                    float* b = problem.B + q * kcStep * ldb + j;
                    nint a1 = Math.Min(1, group - 1) * (nint)kcStep, a2 = Math.Min(2, group - 1) * (nint)kcStep, a3 = (group - 1) * (nint)kcStep;
                    nint b1 = a1 * ldb, b2 = a2 * ldb, b3 = a3 * ldb;
                    TVec s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
                    TVec s20 = TOps.Zero, s21 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero;
                    for (int p = 0; p < kcStep; p++, a++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(a);
                        s00 = TOps.MultiplyAdd(x, TOps.LoadMasked(b, m0), s00);
                        s01 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + w, m1), s01);
                        x = TOps.Broadcast(a + a1);
                        s10 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b1, m0), s10);
                        s11 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b1 + w, m1), s11);
                        x = TOps.Broadcast(a + a2);
                        s20 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b2, m0), s20);
                        s21 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b2 + w, m1), s21);
                        x = TOps.Broadcast(a + a3);
                        s30 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b3, m0), s30);
                        s31 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b3 + w, m1), s31);
                    }

                    (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s00, s01, add);
                    add = true;
                    if (group > 1)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s10, s11, true);
                    }

                    if (group > 2)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s20, s21, true);
                    }

                    if (group > 3)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s30, s31, true);
                    }
                }

                if (fullBlocks * kcStep < k)
                {
                    // The last, shorter block.
                    float* a = aRow + fullBlocks * kcStep;
                    float* b = problem.B + fullBlocks * kcStep * ldb + j;
                    TVec s0 = TOps.Zero, s1 = TOps.Zero;
                    for (int p = fullBlocks * kcStep; p < k; p++, a++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(a);
                        s0 = TOps.MultiplyAdd(x, TOps.LoadMasked(b, m0), s0);
                        s1 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + w, m1), s1);
                    }

                    (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s0, s1, add);
                }

                Finish<TOps, TVec>(problem, c0, j, r0, w0, m0);
                Finish<TOps, TVec>(problem, c0 + w, j + w, r1, w1, m1);
            }
        }
    }

    /// <summary>Adds one K block's sums to the row (or starts the row with them), as the packed path does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) AddBlock<TOps, TVec>(TVec r0, TVec r1, TVec s0, TVec s1, bool add)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged =>
        add ? (TOps.Add(r0, s0), TOps.Add(r1, s1)) : (s0, s1);

    /// <summary>Adds the bias, applies ReLU and stores one vector of a row, in <see cref="StoreRow"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TOps, TVec>(in Problem problem, float* c, int column, TVec value, int count, TVec mask)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (count == 0)
        {
            return;
        }

        if (problem.Bias != null)
        {
            value = TOps.Add(value, TOps.LoadMasked(problem.Bias + column, mask));
        }

        if (problem.Relu)
        {
            value = TOps.Relu(value);
        }

        TOps.StoreMasked(c, value, mask);
    }
}
