using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Copies the block A[row0 .. row0+rows, p0 .. p0+kc] of op(A) into panels of
    /// <paramref name="mr"/> rows: panel r holds, for each p, the mr values a[r·mr .. r·mr+mr, p]
    /// contiguously, so the kernel reads A with unit stride. Rows past the end are zero, which
    /// keeps the kernel branch-free; their results land only in the edge buffer and are dropped.
    /// </summary>
    private static void PackA(in Problem problem, int row0, int rows, int p0, int kc, float* destination, int mr)
    {
        nint lda = problem.Lda;
        for (int r = 0; r < rows; r += mr)
        {
            int height = Math.Min(mr, rows - r);
            float* panel = destination + (nint)r * kc;
            if (problem.TransposeA)
            {
                // Stored k × m: the mr values for one p are contiguous in memory.
                float* source = problem.A + (nint)p0 * lda + row0 + r;
                for (int p = 0; p < kc; p++)
                {
                    float* from = source + p * lda;
                    float* to = panel + p * mr;
                    int i = 0;
                    for (; i < height; i++)
                    {
                        to[i] = from[i];
                    }

                    for (; i < mr; i++)
                    {
                        to[i] = 0f;
                    }
                }
            }
            else
            {
                // Stored m × k: read each row with unit stride, write it with stride mr.
                for (int i = 0; i < height; i++)
                {
                    float* from = problem.A + (nint)(row0 + r + i) * lda + p0;
                    float* to = panel + i;
                    for (int p = 0; p < kc; p++)
                    {
                        to[p * mr] = from[p];
                    }
                }

                for (int i = height; i < mr; i++)
                {
                    float* to = panel + i;
                    for (int p = 0; p < kc; p++)
                    {
                        to[p * mr] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Copies the block B[p0 .. p0+kc, col0 .. col0+cols] of op(B) into panels of
    /// <paramref name="nr"/> columns: panel s holds, for each p, the nr values
    /// b[p, s·nr .. s·nr+nr] contiguously; columns past the end are zero.
    /// </summary>
    private static void PackB(in Problem problem, int p0, int kc, int col0, int cols, float* destination, int nr)
    {
        nint ldb = problem.Ldb;
        for (int s = 0; s < cols; s += nr)
        {
            int width = Math.Min(nr, cols - s);
            float* panel = destination + (nint)s * kc;
            if (problem.TransposeB)
            {
                // Stored n × k: each column of op(B) is a contiguous row in memory.
                for (int j = 0; j < width; j++)
                {
                    float* from = problem.B + (nint)(col0 + s + j) * ldb + p0;
                    float* to = panel + j;
                    for (int p = 0; p < kc; p++)
                    {
                        to[p * nr] = from[p];
                    }
                }

                for (int j = width; j < nr; j++)
                {
                    float* to = panel + j;
                    for (int p = 0; p < kc; p++)
                    {
                        to[p * nr] = 0f;
                    }
                }
            }
            else
            {
                float* source = problem.B + (nint)p0 * ldb + col0 + s;
                nuint bytes = (nuint)width * sizeof(float);
                for (int p = 0; p < kc; p++)
                {
                    float* to = panel + p * nr;
                    System.Buffer.MemoryCopy(source + p * ldb, to, bytes, bytes);
                    if (width < nr)
                    {
                        new Span<float>(to + width, nr - width).Clear();
                    }
                }
            }
        }
    }

    /// <summary>
    /// One thread's packing buffers, 64-byte aligned native memory allocated on the thread's first
    /// product and kept for its life, so a warm training step allocates nothing. The finalizer
    /// returns the memory when the thread ends and the object is collected.
    /// </summary>
    private sealed class PackBuffers
    {
        [ThreadStatic]
        private static PackBuffers? t_current;

        private PackBuffers()
        {
            A = (float*)NativeMemory.AlignedAlloc((nuint)(McMax * KcMax) * sizeof(float), 64);
            B = (float*)NativeMemory.AlignedAlloc((nuint)(KcMax * NcMax) * sizeof(float), 64);
        }

        ~PackBuffers()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
        }

        public float* A { get; }

        public float* B { get; }

        public static PackBuffers ForCurrentThread() => t_current ??= new PackBuffers();
    }
}
