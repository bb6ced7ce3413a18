using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Copies the block A[row0 .. row0+rows, p0 .. p0+kc] of op(A) into panels of
    /// <paramref name="mr"/> rows: panel r holds, for each p, the mr values a[r·mr .. r·mr+mr, p]
    /// contiguously, so the kernel reads A with unit stride. Rows past the end are zero, which
    /// keeps the kernel's loop branch-free; the kernel does not store their results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(in Problem problem, int row0, int rows, int p0, int kc, float* destination, int mr)
    {
        nint lda = problem.Lda;
        for (int r = 0; r < rows; r += mr)
        {
            int height = Math.Min(mr, rows - r);
            float* panel = destination + (nint)r * kc;
            if (problem.TransposeA)
            {
                // Stored k × m: the mr values for one p are already contiguous.
                CopyRowsPadded(problem.A + (nint)p0 * lda + row0 + r, lda, panel, mr, kc, height);
            }
            else if (mr == 6 && Avx.IsSupported)
            {
                TransposeSixRows(problem.A + (nint)(row0 + r) * lda + p0, lda, panel, height, kc);
            }
            else
            {
                // Stored m × k: a transpose of height × kc into the panel's kc × mr layout.
                Transpose(problem.A + (nint)(row0 + r) * lda + p0, lda, panel, mr, height, kc);
                ZeroColumns(panel, mr, kc, height);
            }
        }
    }

    /// <summary>
    /// Copies the block B[p0 .. p0+kc, col0 .. col0+cols] of op(B) into panels of
    /// <paramref name="nr"/> columns: panel s holds, for each p, the nr values
    /// b[p, s·nr .. s·nr+nr] contiguously; columns past the end are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in Problem problem, int p0, int kc, int col0, int cols, float* destination, int nr)
    {
        nint ldb = problem.Ldb;
        if (PackBAlongRows && !problem.TransposeB && nr == 16 && cols >= 2 * nr && Vector256.IsHardwareAccelerated)
        {
            PackBRowwise(problem.B + (nint)p0 * ldb + col0, ldb, destination, kc, cols);
            return;
        }

        for (int s = 0; s < cols; s += nr)
        {
            int width = Math.Min(nr, cols - s);
            float* panel = destination + (nint)s * kc;
            if (problem.TransposeB)
            {
                // Stored n × k: each column of op(B) is a contiguous row in memory.
                Transpose(problem.B + (nint)(col0 + s) * ldb + p0, ldb, panel, nr, width, kc);
            }
            else
            {
                CopyRowsPadded(problem.B + (nint)p0 * ldb + col0 + s, ldb, panel, nr, kc, width);
                continue;
            }

            ZeroColumns(panel, nr, kc, width);
        }
    }

    /// <summary>Whether an untransposed B's 16-column panels are packed along B's rows (<see cref="PackBRowwise"/>). Settable for benchmarks only.</summary>
    internal static bool PackBAlongRows = true;

    /// <summary>
    /// PackB for the 16-column panels of an untransposed B, read along its rows: a group of up to eight
    /// panels (512 bytes of each row, whole cache lines) is filled row by row, so B is read in runs of
    /// eight lines that the hardware prefetcher follows, where panel by panel each row is touched in a
    /// single line at a stride of the row length. Eight panels at a time keep the writes to eight
    /// streams. Columns past <paramref name="cols"/> in the last panel are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRowwise(float* source, nint ldb, float* destination, int kc, int cols)
    {
        const int Nr = 16;
        const int GroupColumns = 8 * Nr;
        nint panelStride = (nint)kc * Nr;
        for (int g = 0; g < cols; g += GroupColumns)
        {
            int groupCols = Math.Min(GroupColumns, cols - g);
            int full = groupCols / Nr * Nr;
            int rest = groupCols - full;
            float* groupPanels = destination + (nint)(g / Nr) * panelStride;
            for (int p = 0; p < kc; p++)
            {
                float* from = source + p * ldb + g;
                float* to = groupPanels + (nint)p * Nr;
                for (int s = 0; s < full; s += Nr)
                {
                    Vector256.Load(from + s).Store(to);
                    Vector256.Load(from + s + 8).Store(to + 8);
                    to += panelStride;
                }

                for (int c = 0; c < rest; c++)
                {
                    to[c] = from[full + c];
                }

                for (int c = rest; rest > 0 && c < Nr; c++)
                {
                    to[c] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Copies rows × cols into a panel of rows × width (cols ≤ width), zero-filling the columns
    /// past cols. With AVX-512 a partial row is two masked loads and two full stores, where a
    /// copy and a separate clear cost a call per row: most of a small product's packing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRowsPadded(float* source, nint sourceStride, float* panel, int width, int rows, int cols)
    {
        if (cols < width && (width == 32 || width == 16) && Avx512F.IsSupported)
        {
            int first = Math.Min(cols, 16);
            Vector512<float> mask0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(first)).AsSingle();
            Vector512<float> mask1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols - first)).AsSingle();
            for (int r = 0; r < rows; r++)
            {
                float* from = source + r * sourceStride;
                float* to = panel + (nint)r * width;
                Avx512F.MaskLoad(from, mask0, Vector512<float>.Zero).Store(to);
                if (width == 32)
                {
                    Avx512F.MaskLoad(from + 16, mask1, Vector512<float>.Zero).Store(to + 16);
                }
            }

            return;
        }

        CopyRows(source, sourceStride, panel, width, rows, cols);
        ZeroColumns(panel, width, rows, cols);
    }

    /// <summary>destination[r·destinationStride + c] = source[r·sourceStride + c] for r &lt; rows, c &lt; cols.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows(float* source, nint sourceStride, float* destination, nint destinationStride, int rows, int cols)
    {
        // The panel widths (32 and 16 columns of B, 12 rows of A) get loops without per-row
        // bookkeeping: in small products packing costs as much as the arithmetic.
        if (cols == 32 && Vector512.IsHardwareAccelerated)
        {
            for (int r = 0; r < rows; r++)
            {
                float* from = source + r * sourceStride;
                float* to = destination + r * destinationStride;
                Vector512.Load(from).Store(to);
                Vector512.Load(from + 16).Store(to + 16);
            }

            return;
        }

        if (cols == 16 && Vector512.IsHardwareAccelerated)
        {
            for (int r = 0; r < rows; r++)
            {
                Vector512.Load(source + r * sourceStride).Store(destination + r * destinationStride);
            }

            return;
        }

        if (cols == 16 && Vector256.IsHardwareAccelerated)
        {
            // The 256-bit kernels' 16-column B panels: two vectors per row (the generic loop below
            // moved them four floats at a time, 3.5% of a training step of the M model on AVX2).
            for (int r = 0; r < rows; r++)
            {
                float* from = source + r * sourceStride;
                float* to = destination + r * destinationStride;
                Vector256.Load(from).Store(to);
                Vector256.Load(from + 8).Store(to + 8);
            }

            return;
        }

        if (cols == 6 && Vector128.IsHardwareAccelerated)
        {
            // The 256-bit kernels' 6-row A panels from a transposed A (a convolution's weight
            // gradient, colᵀ·dY): four floats and a pair per row; the generic loop below spent a
            // tenth of a convnet's training step here.
            for (int r = 0; r < rows; r++)
            {
                float* from = source + r * sourceStride;
                float* to = destination + r * destinationStride;
                Vector128.Load(from).Store(to);
                *(long*)(to + 4) = *(long*)(from + 4);
            }

            return;
        }

        if (cols == 12 && Vector256.IsHardwareAccelerated)
        {
            for (int r = 0; r < rows; r++)
            {
                float* from = source + r * sourceStride;
                float* to = destination + r * destinationStride;
                Vector256.Load(from).Store(to);
                Vector128.Load(from + 8).Store(to + 8);
            }

            return;
        }

        for (int r = 0; r < rows; r++)
        {
            float* from = source + r * sourceStride;
            float* to = destination + r * destinationStride;
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c + 16 <= cols; c += 16)
                {
                    Vector512.Load(from + c).Store(to + c);
                }
            }

            if (Vector128.IsHardwareAccelerated)
            {
                for (; c + 4 <= cols; c += 4)
                {
                    Vector128.Load(from + c).Store(to + c);
                }
            }

            for (; c < cols; c++)
            {
                to[c] = from[c];
            }
        }
    }

    /// <summary>Zeroes columns [first, width) of a rows × width panel: the padding of an edge panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ZeroColumns(float* panel, int width, int rows, int first)
    {
        if (first == width)
        {
            return;
        }

        // A plain loop: the runs are 1 to 31 floats, too short for a call to Clear to pay.
        for (int r = 0; r < rows; r++)
        {
            float* row = panel + (nint)r * width;
            for (int c = first; c < width; c++)
            {
                row[c] = 0f;
            }
        }
    }

    /// <summary>
    /// destination[c·destinationStride + r] = source[r·sourceStride + c] for r &lt; rows, c &lt; cols:
    /// the strided half of packing. Scalar, it moves about one float per cycle, as long as the
    /// micro-kernel takes for a small product; 8×8 and 4×4 register transposes move several.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(float* source, nint sourceStride, float* destination, nint destinationStride, int rows, int cols)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                int c = 0;
                for (; c + 8 <= cols; c += 8)
                {
                    Transpose8x8(source + r * sourceStride + c, sourceStride, destination + c * destinationStride + r, destinationStride);
                }

                TransposeScalar(source + r * sourceStride + c, sourceStride, destination + c * destinationStride + r, destinationStride, 8, cols - c);
            }
        }

        if (Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                int c = 0;
                for (; c + 4 <= cols; c += 4)
                {
                    Transpose4x4(source + r * sourceStride + c, sourceStride, destination + c * destinationStride + r, destinationStride);
                }

                TransposeScalar(source + r * sourceStride + c, sourceStride, destination + c * destinationStride + r, destinationStride, 4, cols - c);
            }
        }

        TransposeScalar(source + r * sourceStride, sourceStride, destination + r, destinationStride, rows - r, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeScalar(float* source, nint sourceStride, float* destination, nint destinationStride, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            float* from = source + r * sourceStride;
            float* to = destination + r;
            for (int c = 0; c < cols; c++)
            {
                to[c * destinationStride] = from[c];
            }
        }
    }

    /// <summary>
    /// The 6-row A panel of the 256-bit kernels: panel[c·6 + r] = source[r·sourceStride + c] for
    /// c &lt; cols, r &lt; 6, zero for the rows at or past <paramref name="height"/>. Eight columns at a
    /// time through the 8×8 register transpose (rows 6 and 7 zero), each 8-lane result stored at
    /// its column's 6-float slot: the two spare lanes land in the next column's slot, which the next
    /// store overwrites, so only the block's last column needs a 6-float store. The generic path
    /// (4×4 blocks and two scalar rows) moved about a float per cycle and was a third of a
    /// 1000 × 784 × 25 product's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeSixRows(float* source, nint sourceStride, float* panel, int height, int cols)
    {
        float* s0 = source, s1 = height > 1 ? source + sourceStride : null, s2 = height > 2 ? source + 2 * sourceStride : null;
        float* s3 = height > 3 ? source + 3 * sourceStride : null, s4 = height > 4 ? source + 4 * sourceStride : null;
        float* s5 = height > 5 ? source + 5 * sourceStride : null;
        int c = 0;
        for (; c + 8 <= cols; c += 8)
        {
            Vector256<float> r0 = Avx.LoadVector256(s0 + c);
            Vector256<float> r1 = s1 != null ? Avx.LoadVector256(s1 + c) : Vector256<float>.Zero;
            Vector256<float> r2 = s2 != null ? Avx.LoadVector256(s2 + c) : Vector256<float>.Zero;
            Vector256<float> r3 = s3 != null ? Avx.LoadVector256(s3 + c) : Vector256<float>.Zero;
            Vector256<float> r4 = s4 != null ? Avx.LoadVector256(s4 + c) : Vector256<float>.Zero;
            Vector256<float> r5 = s5 != null ? Avx.LoadVector256(s5 + c) : Vector256<float>.Zero;
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, Vector256<float>.Zero, 0x44), u5 = Avx.Shuffle(t4, Vector256<float>.Zero, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, Vector256<float>.Zero, 0x44), u7 = Avx.Shuffle(t5, Vector256<float>.Zero, 0xEE);
            float* d = panel + (nint)c * 6;
            Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(d + 6, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(d + 12, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(d + 18, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(d + 24, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(d + 30, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(d + 36, Avx.Permute2x128(u2, u6, 0x31));
            Vector256<float> last = Avx.Permute2x128(u3, u7, 0x31);
            Sse.Store(d + 42, last.GetLower());
            Sse.StoreLow(d + 46, last.GetUpper());
        }

        for (; c < cols; c++)
        {
            float* d = panel + (nint)c * 6;
            d[0] = s0[c];
            d[1] = s1 != null ? s1[c] : 0f;
            d[2] = s2 != null ? s2[c] : 0f;
            d[3] = s3 != null ? s3[c] : 0f;
            d[4] = s4 != null ? s4[c] : 0f;
            d[5] = s5 != null ? s5[c] : 0f;
        }
    }

    /// <summary>The classic AVX 8×8 transpose: unpack pairs, shuffle quads, swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, nint ss, float* d, nint ds)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ss);
        Vector256<float> r2 = Avx.LoadVector256(s + 2 * ss), r3 = Avx.LoadVector256(s + 3 * ss);
        Vector256<float> r4 = Avx.LoadVector256(s + 4 * ss), r5 = Avx.LoadVector256(s + 5 * ss);
        Vector256<float> r6 = Avx.LoadVector256(s + 6 * ss), r7 = Avx.LoadVector256(s + 7 * ss);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ds, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ds, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ds, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ds, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ds, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ds, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ds, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The SSE 4×4 transpose (_MM_TRANSPOSE4_PS).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* s, nint ss, float* d, nint ds)
    {
        Vector128<float> r0 = Sse.LoadVector128(s), r1 = Sse.LoadVector128(s + ss);
        Vector128<float> r2 = Sse.LoadVector128(s + 2 * ss), r3 = Sse.LoadVector128(s + 3 * ss);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
        Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Sse.Store(d, Sse.MoveLowToHigh(t0, t2));
        Sse.Store(d + ds, Sse.MoveHighToLow(t2, t0));
        Sse.Store(d + 2 * ds, Sse.MoveLowToHigh(t1, t3));
        Sse.Store(d + 3 * ds, Sse.MoveHighToLow(t3, t1));
    }

    /// <summary>
    /// One thread's packing buffers: 64-byte aligned native memory that grows to the largest
    /// blocks the thread has packed (at most MC·KC + KC·NC floats, about 4.8 MB) and is then reused, so
    /// a warm training step allocates nothing. The finalizer returns the memory when the thread
    /// ends and the object is collected.
    /// </summary>
    private sealed class PackBuffers
    {
        [ThreadStatic]
        private static PackBuffers? t_current;

        private nuint _capacityA;
        private nuint _capacityB;

        ~PackBuffers()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
        }

        public float* A { get; private set; }

        public float* B { get; private set; }

        /// <summary>This thread's buffers, with room for at least the given numbers of floats.</summary>
        public static PackBuffers ForCurrentThread(int floatsA, int floatsB)
        {
            PackBuffers buffers = t_current ??= new PackBuffers();
            buffers.Reserve(floatsA, floatsB);
            return buffers;
        }

        private void Reserve(int floatsA, int floatsB)
        {
            if ((nuint)floatsA > _capacityA)
            {
                NativeMemory.AlignedFree(A);
                A = (float*)NativeMemory.AlignedAlloc((nuint)floatsA * sizeof(float), 64);
                _capacityA = (nuint)floatsA;
            }

            if ((nuint)floatsB > _capacityB)
            {
                NativeMemory.AlignedFree(B);
                B = (float*)NativeMemory.AlignedAlloc((nuint)floatsB * sizeof(float), 64);
                _capacityB = (nuint)floatsB;
            }
        }
    }
}
