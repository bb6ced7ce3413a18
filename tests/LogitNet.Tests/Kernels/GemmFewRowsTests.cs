using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The unpacked path for products of at most <see cref="Gemm.FewRowsMax"/> rows must give the packed
/// path's bits exactly, so a prediction does not depend on how many samples it is made with.
/// </summary>
public class GemmFewRowsTests
{
    public static TheoryData<int> Kernels()
    {
        var data = new TheoryData<int>();
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>().Where(kind => kind <= Gemm.BestKernel))
        {
            data.Add((int)kernel);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void FewRows_AreBitwiseTheRowsOfALargerProduct(int kernelId)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(77 + kernelId);
        int[] ks = [1, 7, 255, 256, 257, 512, 600, 784, 1030, 1500, 2049];
        foreach (int k in ks)
        {
            for (int trial = 0; trial < 6; trial++)
            {
                AssertFewRowsArePacked(kernel, random, k, 1 + random.Next(70));
            }
        }
    }

    /// <summary>A random few-rows product (1 to FewRowsMax rows, a random epilogue) is bitwise the first rows of a 13-row one, which the packed path computes.</summary>
    private static void AssertFewRowsArePacked(GemmKernel kernel, Random random, int k, int n)
    {
        int m = 1 + random.Next(Gemm.FewRowsMax);
        bool relu = random.Next(2) == 0, withBias = random.Next(2) == 0, accumulate = random.Next(3) == 0;
        const int Tall = 13; // above FewRowsMax: the packed path
        float[] a = Random(random, Tall * k), b = Random(random, k * n), bias = Random(random, n), start = Random(random, Tall * n);
        float[] few = start[..(m * n)], packed = (float[])start.Clone();
        var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };

        Gemm.Multiply(false, false, m, n, k, a, k, b, n, few, n, epilogue, 1, kernel);
        Gemm.Multiply(false, false, Tall, n, k, a, k, b, n, packed, n, epilogue, 1, kernel);

        Assert.True(few.AsSpan().SequenceEqual(packed.AsSpan(0, m * n)),
            $"{kernel}: m={m} n={n} k={k} relu={relu} bias={withBias} accumulate={accumulate}: the few-rows path differs from the packed one");
    }

    /// <summary>
    /// Rows that one vector holds run up to eight K blocks side by side, the row's shorter last block among them: every
    /// grouping (one block, a short group, eight full, eight then a short one, several groups), every epilogue, the
    /// packed path's bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void FewRows_OneVectorRows_ManyBlocks_AreBitwiseTheRowsOfALargerProduct(int kernelId)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(55 + kernelId);
        foreach (int k in new[] { 200, 257, 513, 700, 1024, 1600, 1793, 2048, 2049, 2300, 4097 })
        {
            foreach (int n in new[] { 1, 3, 8, 10, 16 })
            {
                AssertFewRowsArePacked(kernel, random, k, n);
            }
        }
    }

    public static TheoryData<int, int> KernelsAndThreads()
    {
        var data = new TheoryData<int, int>();
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>().Where(kind => kind <= Gemm.BestKernel))
        {
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                data.Add((int)kernel, threads);
            }
        }

        return data;
    }

    /// <summary>
    /// Layers of 64 units and more read their weights in one pass for all rows into per-block partial sums and, from
    /// 256 K weights, in chunks of K blocks × column groups on the pool's threads: still the packed
    /// path's bits for every row count (one pass over the weights for all rows), on every kernel and
    /// thread count, with odd widths (vector tails), short last blocks, strided inputs and weights,
    /// infinities, -0 and every epilogue.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndThreads))]
    public void FewRows_WideLayers_AnyThreadCount_AreBitwiseTheRowsOfALargerProduct(int kernelId, int threads)
    {
        AssertWideLayersArePacked((GemmKernel)kernelId, threads, new Random(91 + kernelId),
            [(784, 1024), (1024, 1029), (1030, 333), (255, 130), (3, 4100), (2049, 129), (6, 64), (513, 1000), (300, 4500)]);
    }

    /// <summary>
    /// 2 to 4 rows take one of two passes, chosen by whether the weights fit <see cref="Gemm.InPlaceMaxBytes"/> (half
    /// this machine's L2): down the columns with the sums in registers, or row-wise with the sums in memory. Shapes
    /// picked from that bound so each path is taken on any machine with an L2 of 196 KB or more: cached weights over
    /// two K blocks with a column tail of several vectors on every kernel (95 = 64 + 31 columns), and streamed weights
    /// whose only K block is shorter than four rows (the row-wise pass's first row then starts from a zero register).
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndThreads))]
    public void FewRows_CachedAndStreamedWeights_AreBitwiseTheRowsOfALargerProduct(int kernelId, int threads)
    {
        int streamedColumns = (int)(Gemm.InPlaceMaxBytes / (3 * sizeof(float))) + 67;
        (int K, int N)[] cached = [(257, 95)], streamed = [(3, streamedColumns), (2, streamedColumns * 3 / 2 + 1)];
        Assert.All(cached, shape => Assert.True((long)shape.K * shape.N * sizeof(float) <= Gemm.InPlaceMaxBytes, $"{shape}: not cached here"));
        Assert.All(streamed, shape => Assert.True((long)shape.K * shape.N * sizeof(float) > Gemm.InPlaceMaxBytes, $"{shape}: cached here"));
        // M's 784 x 128 as well: cached with a 1 MB L2, streamed with 512 KB.
        AssertWideLayersArePacked((GemmKernel)kernelId, threads, new Random(93 + kernelId), [.. cached, (784, 128), .. streamed]);
    }

    /// <summary>
    /// The few-rows path writes C through its row stride (a C wider than the product, whose extra columns stay untouched)
    /// and applies each of the eight epilogues (bias, ReLU, accumulate: none, each, every pair, all three) as the packed path
    /// does, after adding several K blocks: on weights the L2 holds (read down the columns) and on streamed ones (row-wise, the
    /// 2–4 rows' sums side by side), the streamed shape large enough to be cut between threads. Shapes picked from
    /// <see cref="Gemm.InPlaceMaxBytes"/>, so both passes are taken on any machine. Every call so far passed ldc = n, and the
    /// side-by-side sums met only three epilogues (session 21's review).
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndThreads))]
    public void FewRows_StridedC_EveryEpilogue_IsBitwiseThePackedPath(int kernelId, int threads)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(101 + kernelId);
        const int StreamedK = 600; // three K blocks of 200
        int streamedN = Math.Max((int)(Gemm.InPlaceMaxBytes / (StreamedK * sizeof(float))) + 33, 441);
        (int K, int N)[] shapes = [(300, 95), (StreamedK, streamedN)];
        Assert.True(300L * 95 * sizeof(float) <= Gemm.InPlaceMaxBytes, "(300, 95): not cached here");
        Assert.True((long)StreamedK * streamedN * sizeof(float) > Gemm.InPlaceMaxBytes, "the streamed shape is cached here");
        Assert.True((long)StreamedK * streamedN >= Gemm.FewRowsParallelFloats, "the streamed shape is not cut between threads");
        foreach ((int k, int n) in shapes)
        {
            int lda = k + 1, ldb = n + 2, ldc = n + 5;
            const int Tall = 13; // above FewRowsMax: the packed path
            float[] a = Random(random, Tall * lda), b = Random(random, k * ldb), bias = Random(random, n), start = Random(random, Tall * ldc);
            a[2 * lda + k - 1] = float.NegativeInfinity;
            a[lda] = -0f;
            for (int m = 1; m <= Gemm.FewRowsMax; m++)
            {
                for (int epilogueBits = 0; epilogueBits < 8; epilogueBits++)
                {
                    bool relu = (epilogueBits & 1) != 0, withBias = (epilogueBits & 2) != 0, accumulate = (epilogueBits & 4) != 0;
                    float[] few = start[..(m * ldc)], packed = (float[])start.Clone();
                    var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };
                    Gemm.Multiply(false, false, m, n, k, a, lda, b, ldb, few, ldc, epilogue, threads, kernel);
                    Gemm.Multiply(false, false, Tall, n, k, a, lda, b, ldb, packed, ldc, epilogue, 1, kernel);
                    string call = $"{kernel}, {threads} threads: m={m} n={n} k={k} ldc={ldc} relu={relu} bias={withBias} accumulate={accumulate}";
                    Assert.True(BitwiseEqual(few, packed.AsSpan(0, m * ldc)), $"{call}: the few-rows path differs from the packed one");
                    for (int i = 0; i < m; i++)
                    {
                        Assert.True(BitwiseEqual(few.AsSpan(i * ldc + n, ldc - n), start.AsSpan(i * ldc + n, ldc - n)), $"{call}: row {i} written past column {n}");
                    }
                }
            }
        }
    }

    private static void AssertWideLayersArePacked(GemmKernel kernel, int threads, Random random, (int K, int N)[] shapes)
    {
        foreach ((int k, int n) in shapes)
        {
            Assert.True(Gemm.FewRowsChunks(n, k) > 1 || n * k < Gemm.FewRowsParallelFloats);
            int ldb = n + 3, lda = k + 2;
            const int Tall = 13; // above FewRowsMax: the packed path
            float[] a = Random(random, Tall * lda), b = Random(random, k * ldb), bias = Random(random, n), start = Random(random, Tall * n);
            a[^1] = float.NaN; // in the packed product only (row 12)
            a[3 * lda + k / 2] = float.PositiveInfinity; // row 3 (of 4 rows or more)
            a[1 * lda] = -0f;
            // Every row count: one row streams the weights alone, 2 to 4 share one pass over them.
            for (int m = 1; m <= Gemm.FewRowsMax; m++)
            {
                foreach ((bool relu, bool withBias, bool accumulate) in new[] { (false, false, false), (true, true, false), (true, false, true) })
                {
                    float[] few = start[..(m * n)], packed = (float[])start.Clone();
                    var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };
                    Gemm.Multiply(false, false, m, n, k, a, lda, b, ldb, few, n, epilogue, threads, kernel);
                    Gemm.Multiply(false, false, Tall, n, k, a, lda, b, ldb, packed, n, epilogue, 1, kernel);
                    Assert.True(BitwiseEqual(few, packed.AsSpan(0, m * n)),
                        $"{kernel}, {threads} threads: m={m} n={n} k={k} relu={relu} bias={withBias} accumulate={accumulate}: the few-rows path differs from the packed one");
                }
            }
        }
    }

    [Fact]
    public void FewRows_PropagateNaN_AndApplyRelu()
    {
        float[] a = [float.NaN, 1f, -1f, 1f];
        float[] b = [1f, 2f];
        float[] c = new float[8];
        Gemm.Multiply(false, false, 4, 2, 1, a, 1, b, 2, c, 2, new GemmEpilogue { Relu = true });
        Assert.True(float.IsNaN(c[0]) && float.IsNaN(c[1]), "a NaN row must stay NaN through ReLU");
        Assert.Equal([1f, 2f, 0f, 0f, 1f, 2f], c[2..]);
    }

    /// <summary>Same bits, NaN payloads and the sign of zero included (SequenceEqual calls -0 and +0 equal).</summary>
    private static bool BitwiseEqual(ReadOnlySpan<float> x, ReadOnlySpan<float> y) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(x).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(y));

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }
}
