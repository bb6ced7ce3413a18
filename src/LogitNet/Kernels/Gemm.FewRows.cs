using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Products with at most this many rows of C (and no transposes) skip packing.</summary>
    internal const int FewRowsMax = 4;

    /// <summary>
    /// C = epilogue(A·B) for a handful of rows, read straight from A and B: the shape of a
    /// single-sample prediction (a matrix-vector product), where packing the weights (k × n) would
    /// cost more than the product. Layers of at least <see cref="StreamMinColumns"/> units stream
    /// the weights row after row (<see cref="StreamBlock{TOps, TVec}"/>; 2 to 4 rows of A share one
    /// pass: <see cref="StreamBlockRows{TOps, TVec, TCount}"/>, or <see cref="ColumnsDown{TOps, TVec, TCount}"/> for
    /// weights the L2 holds), cut into fixed chunks of
    /// K blocks × column groups that the pool's threads share; narrower ones take <see cref="FewRowsNarrow{TOps, TVec}"/>.
    /// </summary>
    /// <remarks>
    /// The result is bitwise the packed path's, so a row's output never depends on the batch it is
    /// in, nor on the thread count: the same K blocks (they depend on k alone), each an FMA chain
    /// over p from zero, added to C block by block in order, then the bias, then ReLU, the order
    /// <see cref="StoreRow"/> uses. Only the memory traffic differs.
    /// </remarks>
    private static void RunFewRows(in Problem problem, GemmKernel kernel, int maxThreads)
    {
        if (problem.N < StreamMinColumns)
        {
            RunFewRowsNarrow(problem, kernel);
            return;
        }

        FewRowsJob job = t_fewRows ??= new FewRowsJob();
        job.Set(problem, kernel);
        bool parallel = maxThreads >= 2 && (long)problem.N * problem.K >= FewRowsParallelFloats && WorkerPool.Shared.TryRun(job, maxThreads);
        if (!parallel)
        {
            for (int i = 0; i < job.Count; i++)
            {
                job.Run(i);
            }
        }

        job.Reduce();
    }

    /// <summary>The narrowest layer whose weights are streamed row by row (narrower ones fit a few registers per row).</summary>
    internal const int StreamMinColumns = 64;

    /// <summary>
    /// Weights of fewer floats than this (k × n; 1 MB) are read by one thread: waking the pool and
    /// handing back the chunks costs a few microseconds, what one core takes to stream about 1 MB.
    /// </summary>
    internal const long FewRowsParallelFloats = 256 * 1024;

    /// <summary>
    /// The narrowest column group of a chunk: 8 KB of each weight row, so a chunk of an L-sized layer
    /// (1024 units) reads whole rows, one contiguous range of memory. Measured with the thread's CPU
    /// time (bench --quick, GEMM_GROUP), one thread, AVX2: groups of 256 or 512 columns (1–2 KB
    /// pieces a page apart, where the prefetchers restart on every page) streamed 1×784×1024 at
    /// 22–24 GFLOP/s, whole rows at 26–32. Settable for that experiment only; the cut depends on the
    /// shape alone, and the bits on nothing but the K blocks.
    /// </summary>
    internal static int StreamGroupColumns = 2048;

    /// <summary>
    /// Whether 2 to <see cref="FewRowsMax"/> rows stream the weights once (<see cref="StreamBlockRows{TOps, TVec, TCount}"/>)
    /// rather than once per row. Settable for the benchmark's A/B runs only; the bits are the same.
    /// </summary>
    internal static bool StreamRowsTogether = true;

    /// <summary>
    /// Whether the row-wise pass keeps 2 to 4 rows' sums side by side, vector by vector, rather than row after row. Settable
    /// for the benchmark's A/B runs only; the bits are the same.
    /// </summary>
    internal static bool InterleaveSums = true;

    /// <summary>
    /// How many chunks a streamed few-rows product is cut into: its K blocks times column groups
    /// of at least <see cref="StreamGroupColumns"/>; depends on the shape alone.
    /// </summary>
    internal static int FewRowsChunks(int n, int k)
    {
        int blocks = CeilDiv(k, KcStep(k));
        int groups = (long)n * k < FewRowsParallelFloats ? 1 : Math.Clamp(n / StreamGroupColumns, 1, Math.Max(1, MaxChunks / blocks));
        return blocks * groups;
    }

    [ThreadStatic]
    private static FewRowsJob? t_fewRows;

    /// <summary>
    /// A few-rows product cut into chunks (K block b, column group g), index b · groups + g: each
    /// chunk writes its block's sums for its columns into a partial-sum buffer of its own, and
    /// <see cref="Reduce"/> adds the blocks in order and applies the epilogue.
    /// </summary>
    private sealed class FewRowsJob : IParallelJob
    {
        private Problem _problem;
        private GemmKernel _kernel;
        private int _kcStep, _blocks, _groups, _groupColumns;
        private bool _cached, _interleaved;
        private nint _blockFloats, _rowFloats;
        private readonly PinnedBuffer _partials = new();
        private float* _partialsStart;

        public int Count => _blocks * _groups;

        public void Set(in Problem problem, GemmKernel kernel)
        {
            _problem = problem;
            _kernel = kernel;
            _kcStep = KcStep(problem.K);
            _blocks = CeilDiv(problem.K, _kcStep);
            _groups = FewRowsChunks(problem.N, problem.K) / _blocks;
            _groupColumns = RoundUp(CeilDiv(problem.N, _groups), 64);
            _groups = CeilDiv(problem.N, _groupColumns);
            // Weights the L2 holds are read down their columns (ColumnsDown); larger ones row-wise, 2 to 4 rows' sums side
            // by side, vector by vector (see StreamBlockRows).
            _cached = (long)problem.K * problem.N * sizeof(float) <= InPlaceMaxBytes;
            _interleaved = problem.M > 1 && StreamRowsTogether && !_cached && InterleaveSums;
            // Each row's (or, side by side, each block's) sums start on a cache line.
            _rowFloats = RoundUp(problem.N, Tensor.CacheLineBytes / sizeof(float));
            _blockFloats = problem.M * _rowFloats;
            // On a cache line: a plain array's elements start 16 bytes into a line, so every 64-byte vector of sums
            // straddled two lines (L at batch 1 took 1.03x the time, at 4 rows 1.13-1.23x, in-process A/B).
            _partialsStart = _partials.AtLeast((long)_blocks * _blockFloats);
        }

        private float* Block(int block) => _partialsStart + block * _blockFloats;

        /// <summary>Row <paramref name="row"/>'s sums of K block <paramref name="block"/>, row after row (<see cref="_interleaved"/> false).</summary>
        private float* Partial(int block, int row) => Block(block) + row * _rowFloats;

        /// <summary>Where the vector of sums for row <paramref name="row"/> from column <paramref name="j"/> (a multiple of <paramref name="width"/>) is kept.</summary>
        private float* SumsAt(int block, int row, int j, int width) =>
            _interleaved ? Block(block) + (nint)j * _problem.M + row * width : Partial(block, row) + j;

        public void Run(int index)
        {
            int block = index / _groups, group = index % _groups;
            int p0 = block * _kcStep, rows = Math.Min(_problem.K, p0 + _kcStep) - p0;
            int j0 = group * _groupColumns, width = Math.Min(_problem.N, j0 + _groupColumns) - j0;
            float* b = _problem.B + p0 * _problem.Ldb + j0;
            if (_problem.M > 1 && StreamRowsTogether)
            {
                // Every row in one pass over the weights: row by row, each row would stream them again.
                float* a0 = _problem.A + p0, sums0 = _interleaved ? Block(block) + (nint)j0 * _problem.M : Partial(block, 0) + j0;
                bool cached = _cached, interleaved = _interleaved;
                switch (_kernel)
                {
                    case GemmKernel.Vector512:
                        StreamBlockRows<GemmVector512, Vector512<float>>(_problem.M, cached, interleaved, a0, _problem.Lda, b, _problem.Ldb, rows, width, sums0, _rowFloats);
                        break;
                    case GemmKernel.Vector256:
                        StreamBlockRows<GemmVector256, Vector256<float>>(_problem.M, cached, interleaved, a0, _problem.Lda, b, _problem.Ldb, rows, width, sums0, _rowFloats);
                        break;
                    case GemmKernel.Vector128:
                        StreamBlockRows<GemmVector128, Vector128<float>>(_problem.M, cached, interleaved, a0, _problem.Lda, b, _problem.Ldb, rows, width, sums0, _rowFloats);
                        break;
                    default:
                        StreamBlockRows<GemmScalar, float>(_problem.M, cached, interleaved, a0, _problem.Lda, b, _problem.Ldb, rows, width, sums0, _rowFloats);
                        break;
                }

                return;
            }

            for (int i = 0; i < _problem.M; i++)
            {
                float* a = _problem.A + i * _problem.Lda + p0;
                float* sums = Partial(block, i) + j0;
                switch (_kernel)
                {
                    case GemmKernel.Vector512:
                        StreamBlock<GemmVector512, Vector512<float>>(a, b, _problem.Ldb, rows, width, sums);
                        break;
                    case GemmKernel.Vector256:
                        StreamBlock<GemmVector256, Vector256<float>>(a, b, _problem.Ldb, rows, width, sums);
                        break;
                    case GemmKernel.Vector128:
                        StreamBlock<GemmVector128, Vector128<float>>(a, b, _problem.Ldb, rows, width, sums);
                        break;
                    default:
                        StreamBlock<GemmScalar, float>(a, b, _problem.Ldb, rows, width, sums);
                        break;
                }
            }
        }

        /// <summary>C = epilogue((C +) block 0 + block 1 + ...), the blocks added in order as the packed path adds them.</summary>
        public void Reduce()
        {
            switch (_kernel)
            {
                case GemmKernel.Vector512:
                    Reduce<GemmVector512, Vector512<float>>();
                    break;
                case GemmKernel.Vector256:
                    Reduce<GemmVector256, Vector256<float>>();
                    break;
                case GemmKernel.Vector128:
                    Reduce<GemmVector128, Vector128<float>>();
                    break;
                default:
                    Reduce<GemmScalar, float>();
                    break;
            }
        }

        /// <summary>
        /// <see cref="Reduce()"/> for one kernel family: whole vectors in a tight loop (the pointers and the epilogue's
        /// settings held in registers), the last, partial vector of each row through <see cref="ReduceVector"/>. Each
        /// output is the same sum either way: (C or block 0) + block 1 + ... in block order, then the bias, then ReLU.
        /// Through <see cref="ReduceVector"/> alone, vector by vector (the problem's fields and the mask reloaded for each),
        /// the reduction took about 55 cycles a vector: 1.8 µs of L's 1-row call on one thread, 7.4 µs at 4 rows (0.9 and
        /// 2.8 µs now; timed in a scratch build, session 21). Whole calls, in-process A/B on two threads: L at 1, 2 and 4
        /// rows 0.985, 0.979 and 0.977 of the time, M at 1 row 0.991; the AVX2 path's L at 1 row 0.976.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Reduce<TOps, TVec>()
            where TOps : IGemmVector<TVec>
            where TVec : unmanaged
        {
            Problem problem = _problem;
            int m = problem.M, n = problem.N, w = TOps.Width, blocks = _blocks, full = n / w * w;
            float* bias = problem.Bias, partials = _partialsStart;
            bool relu = problem.Relu, accumulate = problem.Accumulate;
            nint blockFloats = _blockFloats, ldc = problem.Ldc;

            // Row i's sums from column j lie at j * columnScale + i * rowStep in every block (see SumsAt); the rows inner,
            // so side-by-side sums are read in the order they lie (the other cores' blocks stream across).
            nint rowStep = _interleaved ? w : _rowFloats, columnScale = _interleaved ? m : 1;
            for (int j = 0; j < full; j += w)
            {
                for (int i = 0; i < m; i++)
                {
                    float* sums = partials + j * columnScale + i * rowStep, c = problem.C + i * ldc + j;
                    TVec r = accumulate ? TOps.Load(c) : TOps.Load(sums);
                    for (int block = accumulate ? 0 : 1; block < blocks; block++)
                    {
                        r = TOps.Add(r, TOps.Load(sums + block * blockFloats));
                    }

                    if (bias != null)
                    {
                        r = TOps.Add(r, TOps.Load(bias + j));
                    }

                    if (relu)
                    {
                        r = TOps.Relu(r);
                    }

                    TOps.Store(c, r);
                }
            }

            if (full < n)
            {
                for (int i = 0; i < m; i++)
                {
                    ReduceVector<TOps, TVec>(i, full);
                }
            }
        }

        /// <summary>The vector of row <paramref name="i"/>'s outputs from column <paramref name="j"/>: its blocks' sums added in order, then the epilogue.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void ReduceVector<TOps, TVec>(int i, int j)
            where TOps : IGemmVector<TVec>
            where TVec : unmanaged
        {
            Problem problem = _problem;
            int w = TOps.Width, count = Math.Min(w, problem.N - j);
            float* c = problem.C + i * problem.Ldc;
            TVec mask = TOps.MaskFor(count);
            TVec r = problem.Accumulate ? TOps.LoadMasked(c + j, mask) : TOps.LoadMasked(SumsAt(0, i, j, w), mask);
            for (int block = problem.Accumulate ? 0 : 1; block < _blocks; block++)
            {
                r = TOps.Add(r, TOps.LoadMasked(SumsAt(block, i, j, w), mask));
            }

            Finish<TOps, TVec>(problem, c + j, j, r, count, mask);
        }
    }

    /// <summary>
    /// sums[j] = the FMA chain over the block's rows p, from zero, of a[p] · b[p, j], for j below
    /// <paramref name="width"/>: each element's chain in the packed path's order. The weights are
    /// read four rows at a time along the rows (four sequential streams the prefetchers follow,
    /// rather than a short piece of each row a page apart), four vectors at once, the sums kept in
    /// <paramref name="sums"/> (in L1) between row groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StreamBlock<TOps, TVec>(float* a, float* b, nint ldb, int rows, int width, float* sums)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int w = TOps.Width;
        int full = width / w * w;
        TVec tailMask = TOps.MaskFor(width - full);
        int p = 0;
        for (; p + 4 <= rows; p += 4)
        {
            TVec x0 = TOps.Broadcast(a + p), x1 = TOps.Broadcast(a + p + 1), x2 = TOps.Broadcast(a + p + 2), x3 = TOps.Broadcast(a + p + 3);
            float* b0 = b + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            bool first = p == 0;
            int j = 0;
            for (; j + 4 * w <= full; j += 4 * w)
            {
                TVec s0 = first ? TOps.Zero : TOps.Load(sums + j);
                TVec s1 = first ? TOps.Zero : TOps.Load(sums + j + w);
                TVec s2 = first ? TOps.Zero : TOps.Load(sums + j + 2 * w);
                TVec s3 = first ? TOps.Zero : TOps.Load(sums + j + 3 * w);
                s0 = TOps.MultiplyAdd(x0, TOps.Load(b0 + j), s0);
                s1 = TOps.MultiplyAdd(x0, TOps.Load(b0 + j + w), s1);
                s2 = TOps.MultiplyAdd(x0, TOps.Load(b0 + j + 2 * w), s2);
                s3 = TOps.MultiplyAdd(x0, TOps.Load(b0 + j + 3 * w), s3);
                s0 = TOps.MultiplyAdd(x1, TOps.Load(b1 + j), s0);
                s1 = TOps.MultiplyAdd(x1, TOps.Load(b1 + j + w), s1);
                s2 = TOps.MultiplyAdd(x1, TOps.Load(b1 + j + 2 * w), s2);
                s3 = TOps.MultiplyAdd(x1, TOps.Load(b1 + j + 3 * w), s3);
                s0 = TOps.MultiplyAdd(x2, TOps.Load(b2 + j), s0);
                s1 = TOps.MultiplyAdd(x2, TOps.Load(b2 + j + w), s1);
                s2 = TOps.MultiplyAdd(x2, TOps.Load(b2 + j + 2 * w), s2);
                s3 = TOps.MultiplyAdd(x2, TOps.Load(b2 + j + 3 * w), s3);
                s0 = TOps.MultiplyAdd(x3, TOps.Load(b3 + j), s0);
                s1 = TOps.MultiplyAdd(x3, TOps.Load(b3 + j + w), s1);
                s2 = TOps.MultiplyAdd(x3, TOps.Load(b3 + j + 2 * w), s2);
                s3 = TOps.MultiplyAdd(x3, TOps.Load(b3 + j + 3 * w), s3);
                TOps.Store(sums + j, s0);
                TOps.Store(sums + j + w, s1);
                TOps.Store(sums + j + 2 * w, s2);
                TOps.Store(sums + j + 3 * w, s3);
            }

            for (; j < full; j += w)
            {
                TVec s = first ? TOps.Zero : TOps.Load(sums + j);
                s = TOps.MultiplyAdd(x0, TOps.Load(b0 + j), s);
                s = TOps.MultiplyAdd(x1, TOps.Load(b1 + j), s);
                s = TOps.MultiplyAdd(x2, TOps.Load(b2 + j), s);
                s = TOps.MultiplyAdd(x3, TOps.Load(b3 + j), s);
                TOps.Store(sums + j, s);
            }

            if (full < width)
            {
                TVec s = first ? TOps.Zero : TOps.LoadMasked(sums + full, tailMask);
                s = TOps.MultiplyAdd(x0, TOps.LoadMasked(b0 + full, tailMask), s);
                s = TOps.MultiplyAdd(x1, TOps.LoadMasked(b1 + full, tailMask), s);
                s = TOps.MultiplyAdd(x2, TOps.LoadMasked(b2 + full, tailMask), s);
                s = TOps.MultiplyAdd(x3, TOps.LoadMasked(b3 + full, tailMask), s);
                TOps.StoreMasked(sums + full, s, tailMask);
            }
        }

        for (; p < rows; p++)
        {
            TVec x = TOps.Broadcast(a + p);
            float* row = b + p * ldb;
            bool first = p == 0;
            int j = 0;
            for (; j < full; j += w)
            {
                TOps.Store(sums + j, TOps.MultiplyAdd(x, TOps.Load(row + j), first ? TOps.Zero : TOps.Load(sums + j)));
            }

            if (full < width)
            {
                TVec s = first ? TOps.Zero : TOps.LoadMasked(sums + full, tailMask);
                TOps.StoreMasked(sums + full, TOps.MultiplyAdd(x, TOps.LoadMasked(row + full, tailMask), s), tailMask);
            }
        }
    }

    /// <summary>
    /// The block's sums for 2 to <see cref="FewRowsMax"/> rows of A in one pass over the weights: down the columns
    /// (<see cref="ColumnsDown{TOps, TVec, TCount}"/>) when <paramref name="weightsCached"/>, else row-wise
    /// (<see cref="StreamBlockRows{TOps, TVec, TCount}"/>).
    /// </summary>
    private static void StreamBlockRows<TOps, TVec>(int m, bool weightsCached, bool interleaved, float* a, nint lda, float* b, nint ldb, int rows, int width, float* sums, nint sumsStride)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        nint rowStep = interleaved ? TOps.Width : sumsStride, columnScale = interleaved ? m : 1;
        if (weightsCached)
        {
            // Weights that stay in the L2 between calls (M's 784 × 128) are read down their columns, 4 vectors wide, with
            // the sums in registers (1.31x on M at 4 rows): no sums round trip through the L1. Weights streamed from the L3
            // (L's) need the row-wise pass, which the prefetchers follow (4 KB-strided column pieces: 0.75-0.96x).
            switch (m)
            {
                case 2:
                    ColumnsDown<TOps, TVec, Count2>(a, lda, b, ldb, rows, width, sums, sumsStride);
                    return;
                case 3:
                    ColumnsDown<TOps, TVec, Count3>(a, lda, b, ldb, rows, width, sums, sumsStride);
                    return;
                default:
                    ColumnsDown<TOps, TVec, Count4>(a, lda, b, ldb, rows, width, sums, sumsStride);
                    return;
            }
        }

        switch (m)
        {
            case 2:
                StreamBlockRows<TOps, TVec, Count2>(a, lda, b, ldb, rows, width, sums, rowStep, columnScale);
                break;
            case 3:
                StreamBlockRows<TOps, TVec, Count3>(a, lda, b, ldb, rows, width, sums, rowStep, columnScale);
                break;
            default:
                Debug.Assert(m == 4, "FewRowsMax is 4");
                StreamBlockRows<TOps, TVec, Count4>(a, lda, b, ldb, rows, width, sums, rowStep, columnScale);
                break;
        }
    }

    /// <summary>
    /// <see cref="StreamBlock{TOps, TVec}"/> for <typeparamref name="TCount"/> rows of A (at <paramref name="a"/>,
    /// <paramref name="lda"/> apart) in one pass over the weights: each vector of four weight rows is loaded once and
    /// used by every row of A, where a pass per row read the weights (megabytes, from the L3) once per row. Each
    /// element's chain is the one <see cref="StreamBlock{TOps, TVec}"/> computes for its row: from zero at the block's
    /// first row, p in order, one FMA per p, so the same bits. The vector of row i's sums from column j (a multiple of the
    /// vector width) is at <paramref name="sums"/> + j · <paramref name="columnScale"/> + i · <paramref name="rowStep"/>:
    /// rows after one another (scale 1, step the row length), or the rows' vectors side by side (scale the row count,
    /// step the vector width), where no row's sums lie a multiple of 4 KB from the next row's. Rows 1,024 units long
    /// stored one row's sums and then loaded the next row's from an address equal in its low 12 bits, which the core
    /// takes for a dependence on the store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StreamBlockRows<TOps, TVec, TCount>(float* a, nint lda, float* b, nint ldb, int rows, int width, float* sums, nint rowStep, nint columnScale)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TCount : IConstantCount
    {
        int w = TOps.Width;
        int full = width / w * w, pairs = width / (2 * w) * (2 * w);
        TVec tailMask = TOps.MaskFor(width - full);
        int p = 0;
        if (rows >= 4)
        {
            // The chains start from +0 held in the sums (an FMA onto +0 is StreamBlock's FMA onto a zero register), so
            // the loop below has no first-row case.
            if (columnScale == 1)
            {
                for (int i = 0; i < TCount.Value; i++)
                {
                    new Span<float>(sums + i * rowStep, width).Clear();
                }
            }
            else
            {
                new Span<float>(sums, (width + w - 1) / w * w * TCount.Value).Clear();
            }
        }

        for (; p + 4 <= rows; p += 4)
        {
            // Only the rows TCount has are read: the others' pointers may lie past A's end.
            float* a0 = a + p;
            TVec x00 = TOps.Broadcast(a0), x01 = TOps.Broadcast(a0 + 1), x02 = TOps.Broadcast(a0 + 2), x03 = TOps.Broadcast(a0 + 3);
            TVec x10 = TOps.Broadcast(a0 + lda), x11 = TOps.Broadcast(a0 + lda + 1), x12 = TOps.Broadcast(a0 + lda + 2), x13 = TOps.Broadcast(a0 + lda + 3);
            float* a2 = a0 + 2 * lda, a3 = a0 + 3 * lda;
            TVec x20 = TCount.Value > 2 ? TOps.Broadcast(a2) : TOps.Zero, x21 = TCount.Value > 2 ? TOps.Broadcast(a2 + 1) : TOps.Zero;
            TVec x22 = TCount.Value > 2 ? TOps.Broadcast(a2 + 2) : TOps.Zero, x23 = TCount.Value > 2 ? TOps.Broadcast(a2 + 3) : TOps.Zero;
            TVec x30 = TCount.Value > 3 ? TOps.Broadcast(a3) : TOps.Zero, x31 = TCount.Value > 3 ? TOps.Broadcast(a3 + 1) : TOps.Zero;
            TVec x32 = TCount.Value > 3 ? TOps.Broadcast(a3 + 2) : TOps.Zero, x33 = TCount.Value > 3 ? TOps.Broadcast(a3 + 3) : TOps.Zero;
            float* b0 = b + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            int j = 0;
            for (; j < pairs; j += 2 * w)
            {
                float* s = sums + j * columnScale;
                TVec v0 = TOps.Load(b0 + j), v1 = TOps.Load(b1 + j), v2 = TOps.Load(b2 + j), v3 = TOps.Load(b3 + j);
                TVec u0 = TOps.Load(b0 + j + w), u1 = TOps.Load(b1 + j + w), u2 = TOps.Load(b2 + j + w), u3 = TOps.Load(b3 + j + w);
                TOps.Store(s, FourSteps<TOps, TVec>(TOps.Load(s), x00, x01, x02, x03, v0, v1, v2, v3));
                TOps.Store(s + w * columnScale, FourSteps<TOps, TVec>(TOps.Load(s + w * columnScale), x00, x01, x02, x03, u0, u1, u2, u3));
                s += rowStep;
                TOps.Store(s, FourSteps<TOps, TVec>(TOps.Load(s), x10, x11, x12, x13, v0, v1, v2, v3));
                TOps.Store(s + w * columnScale, FourSteps<TOps, TVec>(TOps.Load(s + w * columnScale), x10, x11, x12, x13, u0, u1, u2, u3));
                if (TCount.Value > 2)
                {
                    s += rowStep;
                    TOps.Store(s, FourSteps<TOps, TVec>(TOps.Load(s), x20, x21, x22, x23, v0, v1, v2, v3));
                    TOps.Store(s + w * columnScale, FourSteps<TOps, TVec>(TOps.Load(s + w * columnScale), x20, x21, x22, x23, u0, u1, u2, u3));
                }

                if (TCount.Value > 3)
                {
                    s += rowStep;
                    TOps.Store(s, FourSteps<TOps, TVec>(TOps.Load(s), x30, x31, x32, x33, v0, v1, v2, v3));
                    TOps.Store(s + w * columnScale, FourSteps<TOps, TVec>(TOps.Load(s + w * columnScale), x30, x31, x32, x33, u0, u1, u2, u3));
                }
            }

            for (; j < width; j += w)
            {
                // The last one or two vectors, the last possibly partial (all lanes when the width is a multiple).
                TVec mask = j < full ? TOps.MaskFor(w) : tailMask;
                float* s = sums + j * columnScale;
                TVec v0 = TOps.LoadMasked(b0 + j, mask), v1 = TOps.LoadMasked(b1 + j, mask);
                TVec v2 = TOps.LoadMasked(b2 + j, mask), v3 = TOps.LoadMasked(b3 + j, mask);
                TOps.StoreMasked(s, FourSteps<TOps, TVec>(TOps.LoadMasked(s, mask), x00, x01, x02, x03, v0, v1, v2, v3), mask);
                s += rowStep;
                TOps.StoreMasked(s, FourSteps<TOps, TVec>(TOps.LoadMasked(s, mask), x10, x11, x12, x13, v0, v1, v2, v3), mask);
                if (TCount.Value > 2)
                {
                    s += rowStep;
                    TOps.StoreMasked(s, FourSteps<TOps, TVec>(TOps.LoadMasked(s, mask), x20, x21, x22, x23, v0, v1, v2, v3), mask);
                }

                if (TCount.Value > 3)
                {
                    s += rowStep;
                    TOps.StoreMasked(s, FourSteps<TOps, TVec>(TOps.LoadMasked(s, mask), x30, x31, x32, x33, v0, v1, v2, v3), mask);
                }
            }
        }

        // The block's last rows, one at a time, as StreamBlock takes them.
        for (; p < rows; p++)
        {
            float* row = b + p * ldb;
            bool first = p == 0;
            for (int i = 0; i < TCount.Value; i++)
            {
                TVec x = TOps.Broadcast(a + i * lda + p);
                float* s = sums + i * rowStep;
                int j = 0;
                for (; j < full; j += w)
                {
                    TOps.Store(s + j * columnScale, TOps.MultiplyAdd(x, TOps.Load(row + j), first ? TOps.Zero : TOps.Load(s + j * columnScale)));
                }

                if (full < width)
                {
                    TVec sum = first ? TOps.Zero : TOps.LoadMasked(s + full * columnScale, tailMask);
                    TOps.StoreMasked(s + full * columnScale, TOps.MultiplyAdd(x, TOps.LoadMasked(row + full, tailMask), sum), tailMask);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="StreamBlockRows{TOps, TVec, TCount}"/>'s sums for weights the caches hold: four vectors of columns at a
    /// time down all the block's rows, each element's chain in a register from zero, p in order (the same chain).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnsDown<TOps, TVec, TCount>(float* a, nint lda, float* b, nint ldb, int rows, int width, float* sums, nint sumsStride)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TCount : IConstantCount
    {
        int w = TOps.Width;
        float* a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        int j = 0;
        for (; j + 4 * w <= width; j += 4 * w)
        {
            TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
            TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
            TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
            TVec c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
            float* row = b + j;
            for (int p = 0; p < rows; p++, row += ldb)
            {
                TVec v0 = TOps.Load(row), v1 = TOps.Load(row + w), v2 = TOps.Load(row + 2 * w), v3 = TOps.Load(row + 3 * w);
                TVec x = TOps.Broadcast(a + p);
                c00 = TOps.MultiplyAdd(x, v0, c00);
                c01 = TOps.MultiplyAdd(x, v1, c01);
                c02 = TOps.MultiplyAdd(x, v2, c02);
                c03 = TOps.MultiplyAdd(x, v3, c03);
                x = TOps.Broadcast(a1 + p);
                c10 = TOps.MultiplyAdd(x, v0, c10);
                c11 = TOps.MultiplyAdd(x, v1, c11);
                c12 = TOps.MultiplyAdd(x, v2, c12);
                c13 = TOps.MultiplyAdd(x, v3, c13);
                if (TCount.Value > 2)
                {
                    x = TOps.Broadcast(a2 + p);
                    c20 = TOps.MultiplyAdd(x, v0, c20);
                    c21 = TOps.MultiplyAdd(x, v1, c21);
                    c22 = TOps.MultiplyAdd(x, v2, c22);
                    c23 = TOps.MultiplyAdd(x, v3, c23);
                }

                if (TCount.Value > 3)
                {
                    x = TOps.Broadcast(a3 + p);
                    c30 = TOps.MultiplyAdd(x, v0, c30);
                    c31 = TOps.MultiplyAdd(x, v1, c31);
                    c32 = TOps.MultiplyAdd(x, v2, c32);
                    c33 = TOps.MultiplyAdd(x, v3, c33);
                }
            }

            float* s = sums + j;
            TOps.Store(s, c00);
            TOps.Store(s + w, c01);
            TOps.Store(s + 2 * w, c02);
            TOps.Store(s + 3 * w, c03);
            s += sumsStride;
            TOps.Store(s, c10);
            TOps.Store(s + w, c11);
            TOps.Store(s + 2 * w, c12);
            TOps.Store(s + 3 * w, c13);
            if (TCount.Value > 2)
            {
                s += sumsStride;
                TOps.Store(s, c20);
                TOps.Store(s + w, c21);
                TOps.Store(s + 2 * w, c22);
                TOps.Store(s + 3 * w, c23);
            }

            if (TCount.Value > 3)
            {
                s += sumsStride;
                TOps.Store(s, c30);
                TOps.Store(s + w, c31);
                TOps.Store(s + 2 * w, c32);
                TOps.Store(s + 3 * w, c33);
            }
        }

        for (; j < width; j += w)
        {
            TVec mask = TOps.MaskFor(width - j);
            TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
            float* row = b + j;
            for (int p = 0; p < rows; p++, row += ldb)
            {
                TVec v = TOps.LoadMasked(row, mask);
                c0 = TOps.MultiplyAdd(TOps.Broadcast(a + p), v, c0);
                c1 = TOps.MultiplyAdd(TOps.Broadcast(a1 + p), v, c1);
                if (TCount.Value > 2)
                {
                    c2 = TOps.MultiplyAdd(TOps.Broadcast(a2 + p), v, c2);
                }

                if (TCount.Value > 3)
                {
                    c3 = TOps.MultiplyAdd(TOps.Broadcast(a3 + p), v, c3);
                }
            }

            float* s = sums + j;
            TOps.StoreMasked(s, c0, mask);
            TOps.StoreMasked(s + sumsStride, c1, mask);
            if (TCount.Value > 2)
            {
                TOps.StoreMasked(s + 2 * sumsStride, c2, mask);
            }

            if (TCount.Value > 3)
            {
                TOps.StoreMasked(s + 3 * sumsStride, c3, mask);
            }
        }
    }

    /// <summary>s + x0·v0 + x1·v1 + x2·v2 + x3·v3, one FMA at a time in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec FourSteps<TOps, TVec>(TVec s, TVec x0, TVec x1, TVec x2, TVec x3, TVec v0, TVec v1, TVec v2, TVec v3)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        s = TOps.MultiplyAdd(x0, v0, s);
        s = TOps.MultiplyAdd(x1, v1, s);
        s = TOps.MultiplyAdd(x2, v2, s);
        return TOps.MultiplyAdd(x3, v3, s);
    }

    private static void RunFewRowsNarrow(in Problem problem, GemmKernel kernel)
    {
        switch (kernel)
        {
            case GemmKernel.Vector512:
                RunFewRowsNarrow<GemmVector512, Vector512<float>>(problem);
                break;
            case GemmKernel.Vector256:
                RunFewRowsNarrow<GemmVector256, Vector256<float>>(problem);
                break;
            case GemmKernel.Vector128:
                RunFewRowsNarrow<GemmVector128, Vector128<float>>(problem);
                break;
            default:
                RunFewRowsNarrow<GemmScalar, float>(problem);
                break;
        }
    }

    private static void RunFewRowsNarrow<TOps, TVec>(in Problem problem)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (problem.N <= TOps.Width && CeilDiv(problem.K, KcStep(problem.K)) > 1)
        {
            FewRowsOneVector<TOps, TVec>(problem);
        }
        else
        {
            FewRowsNarrow<TOps, TVec>(problem, 0, problem.N);
        }
    }

    /// <remarks>
    /// <see cref="FewRowsNarrow{TOps, TVec}"/> for a row that one vector holds (a 10-class layer on AVX-512): with one
    /// vector per chain, eight K blocks run side by side, the last block of the row (which may be shorter) among them,
    /// so a 1,600-input layer's seven blocks take the time of one. Each chain is the same as there: from zero over its
    /// block, the blocks added to the row in order.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRowsOneVector<TOps, TVec>(in Problem problem)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int k = problem.K, kcStep = KcStep(k), blocks = CeilDiv(k, kcStep);
        nint ldb = problem.Ldb;
        TVec mask = TOps.MaskFor(problem.N);
        for (int i = 0; i < problem.M; i++)
        {
            float* aRow = problem.A + i * problem.Lda;
            float* cRow = problem.C + i * problem.Ldc;
            bool add = problem.Accumulate;
            TVec r = add ? TOps.LoadMasked(cRow, mask) : TOps.Zero;
            for (int q = 0; q < blocks; q += 8)
            {
                // Chain c runs block q + c; chains past the group repeat block q, a full block unless the group is that
                // block alone (then the loop stops with it), and are not added.
                int group = Math.Min(8, blocks - q);
                int lastLength = Math.Min(kcStep, k - (q + group - 1) * kcStep);
                nint o1 = group > 1 ? kcStep : 0, o2 = group > 2 ? 2 * kcStep : 0, o3 = group > 3 ? 3 * kcStep : 0;
                nint o4 = group > 4 ? 4 * kcStep : 0, o5 = group > 5 ? 5 * kcStep : 0, o6 = group > 6 ? 6 * kcStep : 0;
                nint o7 = group > 7 ? 7 * kcStep : 0;
                float* a = aRow + (nint)q * kcStep;
                float* b = problem.B + (nint)q * kcStep * ldb;
                TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                TVec s4 = TOps.Zero, s5 = TOps.Zero, s6 = TOps.Zero, s7 = TOps.Zero;
                bool wide = group > 4; // chains 4 to 7 run only when they hold blocks: a repeated block costs loads

                // The group's last chain may be the row's shorter last block: once it is complete its sums are kept, and
                // it repeats block q (full) while the others finish.
                int end = lastLength < kcStep && group > 1 ? kcStep : lastLength;
                TVec last = TOps.Zero;
                for (int p = 0; p < end; p++, a++, b += ldb)
                {
                    if (p == lastLength)
                    {
                        last = group switch { 2 => s1, 3 => s2, 4 => s3, 5 => s4, 6 => s5, 7 => s6, _ => s7 };
                        switch (group)
                        {
                            case 2: o1 = 0; break;
                            case 3: o2 = 0; break;
                            case 4: o3 = 0; break;
                            case 5: o4 = 0; break;
                            case 6: o5 = 0; break;
                            case 7: o6 = 0; break;
                            default: o7 = 0; break;
                        }
                    }

                    s0 = TOps.MultiplyAdd(TOps.Broadcast(a), TOps.LoadMasked(b, mask), s0);
                    s1 = TOps.MultiplyAdd(TOps.Broadcast(a + o1), TOps.LoadMasked(b + o1 * ldb, mask), s1);
                    s2 = TOps.MultiplyAdd(TOps.Broadcast(a + o2), TOps.LoadMasked(b + o2 * ldb, mask), s2);
                    s3 = TOps.MultiplyAdd(TOps.Broadcast(a + o3), TOps.LoadMasked(b + o3 * ldb, mask), s3);
                    if (wide)
                    {
                        s4 = TOps.MultiplyAdd(TOps.Broadcast(a + o4), TOps.LoadMasked(b + o4 * ldb, mask), s4);
                        s5 = TOps.MultiplyAdd(TOps.Broadcast(a + o5), TOps.LoadMasked(b + o5 * ldb, mask), s5);
                        s6 = TOps.MultiplyAdd(TOps.Broadcast(a + o6), TOps.LoadMasked(b + o6 * ldb, mask), s6);
                        s7 = TOps.MultiplyAdd(TOps.Broadcast(a + o7), TOps.LoadMasked(b + o7 * ldb, mask), s7);
                    }
                }

                if (end == lastLength)
                {
                    last = group switch { 1 => s0, 2 => s1, 3 => s2, 4 => s3, 5 => s4, 6 => s5, 7 => s6, _ => s7 };
                }

                r = add ? TOps.Add(r, group == 1 ? last : s0) : group == 1 ? last : s0;
                r = group > 1 ? TOps.Add(r, group == 2 ? last : s1) : r;
                r = group > 2 ? TOps.Add(r, group == 3 ? last : s2) : r;
                r = group > 3 ? TOps.Add(r, group == 4 ? last : s3) : r;
                r = group > 4 ? TOps.Add(r, group == 5 ? last : s4) : r;
                r = group > 5 ? TOps.Add(r, group == 6 ? last : s5) : r;
                r = group > 6 ? TOps.Add(r, group == 7 ? last : s6) : r;
                r = group > 7 ? TOps.Add(r, last) : r;
                add = true;
            }

            Finish<TOps, TVec>(problem, cRow, 0, r, problem.N, mask);
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
