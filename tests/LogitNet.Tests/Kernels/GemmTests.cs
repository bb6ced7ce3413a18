using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The GEMM against a double-precision reference. Tolerance: each element of A·B is a recursive
/// float32 sum of k exact-then-rounded products, so |ĉ - c| ≤ γ_k Σ|a||b| with γ_k ≈ k·2^-24
/// (Higham §3.1); we allow (k + 2)·2^-23·(Σ_p|a_ip||b_pj| + |C_old| + |bias_j|), which also
/// covers the epilogue's two extra roundings.
/// </summary>
public class GemmTests
{
    private static readonly GemmKernel[] s_kernels =
        Enum.GetValues<GemmKernel>().Where(kind => kind <= Gemm.BestKernel).ToArray();

    /// <summary>Kernel families as ints: the enum is internal and xunit's theories are public.</summary>
    public static TheoryData<int, bool, bool> KernelsAndTransposes()
    {
        var data = new TheoryData<int, bool, bool>();
        foreach (GemmKernel kernel in s_kernels)
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    data.Add((int)kernel, ta, tb);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Multiply_SmallAndOddShapes_MatchReference(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(1234 + (int)kernel * 4 + (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
        var shapes = new List<(int M, int N, int K)> { (1, 1, 1), (37, 53, 29), (2, 3, 1), (1, 70, 1), (70, 1, 70) };
        for (int i = 0; i < 12; i++)
        {
            shapes.Add((random.Next(1, 71), random.Next(1, 71), random.Next(1, 71)));
        }

        foreach ((int m, int n, int k) in shapes)
        {
            CheckAgainstReference(kernel, transposeA, transposeB, m, n, k, random);
        }
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Multiply_ShapesCrossingTileAndBlockBoundaries_MatchReference(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(99);
        // MR = 12/6, NR = 32/16/8/2 either side; KC = 256 and 2·KC either side; MC = 384 + 1 rows.
        (int M, int N, int K)[] shapes =
        [
            (11, 31, 255), (12, 32, 256), (13, 33, 257), (25, 65, 7), (24, 64, 512), (23, 63, 513),
            (Gemm.McMax + 1, 17, 9), (5, 2 * 32 + 1, 2 * Gemm.KcMax + 3),
            // n ≤ 16 takes the one-vector 12×16 tile on AVX-512.
            (37, 10, 300), (13, 16, 5), (25, 1, 2 * Gemm.KcMax + 1),
            // Row counts a multiple of 8 but not of 12 take 8-row tiles on AVX-512.
            (32, 25, 784), (64, 40, 100), (13, 33, 20),
        ];
        foreach ((int m, int n, int k) in shapes)
        {
            CheckAgainstReference(kernel, transposeA, transposeB, m, n, k, random);
        }
    }

    [Fact]
    public void Multiply_WiderThanOneBBlock_MatchesReference()
    {
        var random = new Random(5);
        CheckAgainstReference(Gemm.BestKernel, false, false, 3, Gemm.NcMax + 45, 4, random);
        CheckAgainstReference(Gemm.BestKernel, false, true, 3, Gemm.NcMax + 45, 4, random);
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Multiply_BiasAndRelu_EqualPlainProductThenScalarEpilogue(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(7);
        foreach ((int m, int n, int k) in new[] { (13, 33, 5), (24, 64, 300), (7, 5, 600), (30, 70, 1) })
        {
            float[] a = RandomMatrix(random, m * k);
            float[] b = RandomMatrix(random, k * n);
            float[] bias = RandomMatrix(random, n);
            float[] plain = new float[m * n];
            float[] fused = new float[m * n];
            Run(kernel, transposeA, transposeB, m, n, k, a, b, plain, GemmEpilogue.None);
            Run(kernel, transposeA, transposeB, m, n, k, a, b, fused, new GemmEpilogue { Bias = bias, Relu = true });

            int negatives = 0;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    // The kernel's documented order: product, then + bias, then ReLU; bit for bit.
                    float expected = Gemm.Relu(plain[i * n + j] + bias[j]);
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(fused[i * n + j]));
                    negatives += plain[i * n + j] + bias[j] < 0 ? 1 : 0;
                }
            }

            Assert.True(negatives > 0, "the data should exercise ReLU's clamp");
        }
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Multiply_Accumulate_AddsToExistingC(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(11);
        foreach ((int m, int n, int k) in new[] { (13, 33, 5), (25, 40, 2 * Gemm.KcMax + 5) })
        {
            float[] a = RandomMatrix(random, m * k);
            float[] b = RandomMatrix(random, k * n);
            float[] start = RandomMatrix(random, m * n);
            float[] bias = RandomMatrix(random, n);
            float[] c = (float[])start.Clone();
            Run(kernel, transposeA, transposeB, m, n, k, a, b, c, new GemmEpilogue { Accumulate = true, Bias = bias });
            AssertClose(Reference(transposeA, transposeB, m, n, k, a, b, start, bias, relu: false), c, k);

            if (k <= Gemm.KcMax)
            {
                // One K block: C_old + (A·B) + bias, exactly what the scalar order gives.
                float[] plain = new float[m * n];
                Run(kernel, transposeA, transposeB, m, n, k, a, b, plain, GemmEpilogue.None);
                for (int i = 0; i < m * n; i++)
                {
                    Assert.Equal(start[i] + plain[i] + bias[i % n], c[i]);
                }
            }
        }
    }

    [Fact]
    public void Multiply_KIsZero_GivesEpilogueOfZero()
    {
        float[] bias = [1f, -2f, 3f];
        float[] c = [9f, 9f, 9f, 9f, 9f, 9f];
        Gemm.Multiply(false, false, 2, 3, 0, [], 1, [], 3, c, 3, GemmEpilogue.None);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 0f], c);

        Gemm.Multiply(false, true, 2, 3, 0, [], 1, [], 1, c, 3, new GemmEpilogue { Bias = bias });
        Assert.Equal([1f, -2f, 3f, 1f, -2f, 3f], c);

        Gemm.Multiply(true, false, 2, 3, 0, [], 2, [], 3, c, 3, new GemmEpilogue { Bias = bias, Relu = true });
        Assert.Equal([1f, 0f, 3f, 1f, 0f, 3f], c);

        float[] acc = [1f, 2f, 3f, 4f, 5f, 6f];
        Gemm.Multiply(false, false, 2, 3, 0, [], 1, [], 3, acc, 3, new GemmEpilogue { Bias = bias, Accumulate = true });
        Assert.Equal([2f, 0f, 6f, 5f, 3f, 9f], acc);
    }

    [Fact]
    public void Multiply_MOrNIsZero_LeavesCUntouched()
    {
        float[] a = [1f, 2f, 3f];
        float[] c = [7f];
        Gemm.Multiply(false, false, 0, 1, 3, [], 3, a, 1, [], 1, GemmEpilogue.None);
        Gemm.Multiply(false, false, 1, 0, 3, a, 3, [], 1, [], 1, GemmEpilogue.None);
        Gemm.Multiply(false, false, 1, 0, 3, a, 3, [], 1, c, 1, GemmEpilogue.None);
        Assert.Equal([7f], c);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Multiply_TwoThreads_BitwiseEqualToOneThreadAndToASecondRun(bool transposeA, bool transposeB)
    {
        var random = new Random(21);
        // Above the threshold; the first cuts N (m ≤ n), the others M, all off tile multiples.
        // The third is a 10-class output layer: narrow tiles, cut along M. The last three have
        // several K blocks, B too large to read in place, and more columns than one B block.
        foreach ((int m, int n, int k) in new[] { (61, 301, 263), (301, 45, 290), (301, 10, 700), (130, 700, 600), (211, 333, 290), (50, 4200, 80) })
        {
            Assert.True(2L * m * n * k >= Gemm.ParallelFlopThreshold);
            float[] a = RandomMatrix(random, m * k);
            float[] b = RandomMatrix(random, k * n);
            float[] bias = RandomMatrix(random, n);
            float[] one = new float[m * n];
            float[] two = new float[m * n];
            float[] again = new float[m * n];
            var epilogue = new GemmEpilogue { Bias = bias, Relu = true };
            Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, one, n, epilogue, 1, Gemm.BestKernel);
            Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, two, n, epilogue, 2, Gemm.BestKernel);
            Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, again, n, epilogue, 2, Gemm.BestKernel);
            Assert.Equal(one, two);
            Assert.Equal(two, again);
            AssertClose(Reference(transposeA, transposeB, m, n, k, a, b, null, bias, relu: true), two, k);
        }
    }

    /// <summary>
    /// Short products with an even number of K blocks are cut by K between the two threads when the
    /// caller asks (a training step's forward product), the worker's blocks summed apart and added by
    /// the caller afterwards: the bits must still be the one-thread bits, sign of zero and NaN
    /// included, with every epilogue.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Multiply_TwoThreadsCutByK_BitwiseEqualToOneThread(bool transposeA, bool transposeB)
    {
        var random = new Random(23);
        // The M model's forward product (4 blocks of 196); 4 blocks of 250 with an edge column
        // tile; 8 blocks (4 partial sums); five rows, one past the few-rows path; 3 blocks (not cut by K).
        foreach ((int m, int n, int k) in new[] { (64, 128, 784), (20, 77, 1000), (12, 50, 2048), (5, 256, 1024), (16, 64, 700) })
        {
            float[] a = RandomMatrix(random, m * k);
            float[] b = RandomMatrix(random, k * n);
            // A zero row and a NaN: ReLU must keep -0 as -0 and NaN as NaN, as the kernels do.
            for (int p = 0; p < k; p++)
            {
                a[transposeA ? p * m : p] = 0f; // row 0 of op(A)
            }

            a[^1] = float.NaN;
            float[] bias = RandomMatrix(random, n);
            bias[0] = -0f;
            float[] start = RandomMatrix(random, m * n);
            foreach ((bool withBias, bool relu, bool accumulate) in new[] { (false, false, false), (true, true, false), (false, true, true), (true, false, true) })
            {
                var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate, CutByK = true };
                float[] one = (float[])start.Clone();
                float[] two = (float[])start.Clone();
                Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, one, n, epilogue, 1, Gemm.BestKernel);
                Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, two, n, epilogue, 2, Gemm.BestKernel);
                Assert.Equal(BitsOf(one), BitsOf(two));
            }
        }
    }

    /// <summary>
    /// Products that cut K share one job object and its partial sums; callers on other threads
    /// (one model predicting while another trains) must each still get their own one-thread bits.
    /// Four threads, 2,000 products each: a version that added the partial sums after releasing
    /// the worker failed this in every run (600 products each were not enough to catch it).
    /// </summary>
    [Fact]
    public async Task Multiply_CutByK_FromSeveralThreadsAtOnce_EachGetsItsOwnBits()
    {
        var random = new Random(29);
        const int M = 64, N = 128, K = 784;
        var inputs = Enumerable.Range(0, 4).Select(_ => (A: RandomMatrix(random, M * K), B: RandomMatrix(random, K * N))).ToArray();
        float[][] expected = inputs.Select(p =>
        {
            float[] c = new float[M * N];
            Gemm.Multiply(false, false, M, N, K, p.A, K, p.B, N, c, N, GemmEpilogue.None, 1, Gemm.BestKernel);
            return c;
        }).ToArray();

        bool[] same = await Task.WhenAll(inputs.Select((p, t) => Task.Run(() =>
        {
            float[] c = new float[M * N];
            bool ok = true;
            for (int i = 0; i < (Gemm.BestKernel == GemmKernel.Scalar ? 100 : 2000); i++)
            {
                Gemm.Multiply(false, false, M, N, K, p.A, K, p.B, N, c, N, new GemmEpilogue { CutByK = true }, 2, Gemm.BestKernel);
                ok &= c.AsSpan().SequenceEqual(expected[t]);
            }

            return ok;
        })));
        Assert.All(same, Assert.True);
    }

    /// <summary>
    /// The cut depends on the shape alone and the K blocks are added in order, so 3, 4 and 8
    /// threads (forced on any machine; the pool has no fewer threads than asked) give the
    /// one-thread bits: products cut by K when asked (4 and 8 blocks, an edge tile) and by C otherwise, cut along N, along M with
    /// B read in place, in grids (1100 × 1050: 2 × 2 chunks; 1600 × 2100: 2 × 4), and a narrow output layer.
    /// </summary>
    [Theory]
    [InlineData(3, false, false)]
    [InlineData(4, false, false)]
    [InlineData(8, false, false)]
    [InlineData(3, true, false)]
    [InlineData(4, false, true)]
    [InlineData(8, true, true)]
    public void Multiply_AnyThreadCount_BitwiseEqualToOneThread(int threads, bool transposeA, bool transposeB)
    {
        var random = new Random(37);
        // The grids the shapes below are meant to exercise (B too large to read in place, so on every kernel).
        Assert.Equal((2, 2), Grid(1100, 1050, 200));
        Assert.Equal((2, 4), Grid(1600, 2100, 64));
        Assert.Equal((1, 2), Grid(520, 1030, 300));

        foreach ((int m, int n, int k) in new[] { (64, 128, 784), (20, 77, 1000), (12, 50, 2048), (61, 301, 263), (301, 10, 700), (520, 1030, 300), (1100, 300, 300), (1100, 1050, 200), (1600, 2100, 64) })
        {
            float[] a = RandomMatrix(random, m * k);
            float[] b = RandomMatrix(random, k * n);
            float[] bias = RandomMatrix(random, n);
            float[] start = RandomMatrix(random, m * n);
            foreach ((bool accumulate, bool cutByK) in new[] { (false, false), (true, false), (false, true), (true, true) })
            {
                var epilogue = accumulate ? new GemmEpilogue { Accumulate = true, CutByK = cutByK } : new GemmEpilogue { Bias = bias, Relu = true, CutByK = cutByK };
                float[] one = (float[])start.Clone();
                float[] many = (float[])start.Clone();
                Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, one, n, epilogue, 1, Gemm.BestKernel);
                Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, many, n, epilogue, threads, Gemm.BestKernel);
                Assert.True(BitsOf(one).AsSpan().SequenceEqual(BitsOf(many)), $"{m}×{n}×{k} on {threads} threads differs from one thread");
            }
        }
    }

    private static (int Rows, int Columns) Grid(int m, int n, int k)
    {
        var grid = Gemm.ChunkGrid(m, n, k, transposeB: false, Gemm.BestKernel);
        return (grid.RowChunks, grid.ColChunks);
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>
    /// The worker spins for a while after a product and then sleeps; a product posted as it falls
    /// asleep, or long after, must still complete with the one-thread bits (taken by the worker
    /// or, if it is late, done by the caller).
    /// </summary>
    [Fact]
    public async Task Multiply_TwoThreads_AfterTheWorkerSleeps_StillCompletes()
    {
        var random = new Random(31);
        const int M = 96, N = 160, K = 200;
        float[] a = RandomMatrix(random, M * K), b = RandomMatrix(random, K * N);
        float[] expected = new float[M * N];
        Gemm.Multiply(false, false, M, N, K, a, K, b, N, expected, N, GemmEpilogue.None, 1, Gemm.BestKernel);

        Task<bool> products = Task.Run(() =>
        {
            bool same = true;
            float[] c = new float[M * N];
            foreach (int pauseMicroseconds in new[] { 0, 900, 1000, 1100, 1500, 3000, 20_000, 0, 1000 })
            {
                var pause = System.Diagnostics.Stopwatch.StartNew();
                while (pause.Elapsed.TotalMicroseconds < pauseMicroseconds)
                {
                    Thread.Sleep(0);
                }

                Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, GemmEpilogue.None, 2, Gemm.BestKernel);
                same &= c.AsSpan().SequenceEqual(expected);
            }

            return same;
        });

        bool finished = await Task.WhenAny(products, Task.Delay(TimeSpan.FromSeconds(60))) == products;
        Assert.True(finished, "a two-thread product never completed after the worker had gone to sleep");
        Assert.True(await products, "a two-thread product differed from the one-thread result");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Multiply_StridedOperands_ReadAndWriteOnlyTheirMatrices(bool transposeA, bool transposeB)
    {
        var random = new Random(3);
        const int M = 14, N = 35, K = 19, Pad = 5;
        int aRows = transposeA ? K : M, aCols = transposeA ? M : K;
        int bRows = transposeB ? N : K, bCols = transposeB ? K : N;
        int lda = aCols + Pad, ldb = bCols + Pad, ldc = N + Pad;
        float[] a = RandomMatrix(random, aRows * lda);
        float[] b = RandomMatrix(random, bRows * ldb);
        float[] c = Enumerable.Repeat(42f, M * ldc).ToArray();
        Gemm.Multiply(transposeA, transposeB, M, N, K, a, lda, b, ldb, c, ldc, GemmEpilogue.None);

        float[] denseA = Compact(a, aRows, aCols, lda);
        float[] denseB = Compact(b, bRows, bCols, ldb);
        double[] expected = Reference(transposeA, transposeB, M, N, K, denseA, denseB, null, null, relu: false).Value;
        double[] bound = Reference(transposeA, transposeB, M, N, K, denseA, denseB, null, null, relu: false).Bound;
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                float actual = c[i * ldc + j];
                if (j >= N)
                {
                    Assert.Equal(42f, actual);
                }
                else
                {
                    Assert.True(Math.Abs(actual - expected[i * N + j]) <= (K + 2) * Math.ScaleB(1, -23) * bound[i * N + j]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Multiply_NaNAndInfinity_Propagate(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        const int M = 15, N = 37, K = 9;
        var random = new Random(17);
        float[] a = RandomMatrix(random, M * K);
        float[] b = RandomMatrix(random, K * N);
        // op(A)[3, 4] = NaN and op(A)[13, 2] = +inf; op(B)'s entries are in [0.5, 1.5), never 0.
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = 0.5f + Math.Abs(b[i]);
        }

        a[transposeA ? 4 * M + 3 : 3 * K + 4] = float.NaN;
        a[transposeA ? 2 * M + 13 : 13 * K + 2] = float.PositiveInfinity;
        float[] c = new float[M * N];
        Run(kernel, transposeA, transposeB, M, N, K, a, b, c, new GemmEpilogue { Relu = true });
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                float v = c[i * N + j];
                if (i == 3)
                {
                    Assert.True(float.IsNaN(v), $"C[3, {j}] = {v}; a NaN in row 3 of A must reach every element of row 3, through ReLU too");
                }
                else if (i == 13)
                {
                    Assert.Equal(float.PositiveInfinity, v);
                }
                else
                {
                    Assert.True(float.IsFinite(v));
                }
            }
        }
    }

    [Fact]
    public void Multiply_WarmSingleThread_AllocatesNothing()
    {
        var random = new Random(8);
        const int M = 64, N = 128, K = 784;
        float[] a = RandomMatrix(random, M * K);
        float[] b = RandomMatrix(random, K * N);
        float[] bias = RandomMatrix(random, N);
        float[] c = new float[M * N];
        var epilogue = new GemmEpilogue { Bias = bias, Relu = true };
        Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, epilogue, 1, Gemm.BestKernel);

        Assert.Equal(0, SteadyState.AllocatedBytes(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, new GemmEpilogue { Bias = bias, Relu = true }, 1, Gemm.BestKernel);
                Gemm.Multiply(true, false, K, N, M, a, K, c, N, b, N, new GemmEpilogue { Accumulate = true }, 1, Gemm.BestKernel);
                Gemm.Multiply(false, true, M, K, N, c, N, b, N, a, K, GemmEpilogue.None, 1, Gemm.BestKernel);
            }
        }, rounds: 10));
    }

    [Fact]
    public void Multiply_WarmTwoThreads_AllocatesNothingOnTheCallingThread()
    {
        var random = new Random(9);
        const int M = 128, N = 256, K = 300;
        float[] a = RandomMatrix(random, M * K);
        float[] b = RandomMatrix(random, K * N);
        float[] c = new float[M * N];
        Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, GemmEpilogue.None, 2, Gemm.BestKernel);

        Assert.Equal(0, SteadyState.AllocatedBytes(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, GemmEpilogue.None, 2, Gemm.BestKernel);
            }
        }, rounds: 10));
    }

    [Fact]
    public void Multiply_BadArguments_ThrowNamingTheArgument()
    {
        float[] six = new float[6];
        var tooShort = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 3, 3, 3, six, 3, new float[9], 3, new float[9], 3, GemmEpilogue.None));
        Assert.Equal("a", tooShort.ParamName);
        Assert.Contains("needs 9", tooShort.Message);

        var stride = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Multiply(false, false, 2, 3, 3, new float[9], 2, new float[9], 3, six, 3, GemmEpilogue.None));
        Assert.Equal("lda", stride.ParamName);

        var bias = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 2, 3, 3, new float[9], 3, new float[9], 3, six, 3, new GemmEpilogue { Bias = new float[2] }));
        Assert.Equal("bias", bias.ParamName);
        Assert.Contains("n = 3", bias.Message);

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Multiply(false, false, -1, 3, 3, [], 3, new float[9], 3, six, 3, GemmEpilogue.None));
        Assert.Equal("m", negative.ParamName);
    }

    private static void CheckAgainstReference(GemmKernel kernel, bool transposeA, bool transposeB, int m, int n, int k, Random random)
    {
        float[] a = RandomMatrix(random, m * k);
        float[] b = RandomMatrix(random, k * n);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Run(kernel, transposeA, transposeB, m, n, k, a, b, c, GemmEpilogue.None);
        AssertClose(Reference(transposeA, transposeB, m, n, k, a, b, null, null, relu: false), c, k, $"{kernel} {m}×{n}×{k}");
    }

    private static void Run(GemmKernel kernel, bool transposeA, bool transposeB, int m, int n, int k, float[] a, float[] b, float[] c, in GemmEpilogue epilogue) =>
        Gemm.Multiply(transposeA, transposeB, m, n, k, a, Math.Max(1, transposeA ? m : k), b, Math.Max(1, transposeB ? k : n), c, n, epilogue, 1, kernel);

    private static float[] RandomMatrix(Random random, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static float[] Compact(float[] strided, int rows, int cols, int stride)
    {
        float[] dense = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(strided, i * stride, dense, i * cols, cols);
        }

        return dense;
    }

    /// <summary>The exact-ish value in double and the bound's Σ|a||b| + |C_old| + |bias|.</summary>
    private static (double[] Value, double[] Bound) Reference(bool transposeA, bool transposeB, int m, int n, int k,
        float[] a, float[] b, float[]? start, float[]? bias, bool relu)
    {
        double[] value = new double[m * n];
        double[] bound = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = a[transposeA ? p * m + i : i * k + p];
                    double y = b[transposeB ? j * k + p : p * n + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }

                if (start is not null)
                {
                    sum += start[i * n + j];
                    magnitude += Math.Abs(start[i * n + j]);
                }

                if (bias is not null)
                {
                    sum += bias[j];
                    magnitude += Math.Abs(bias[j]);
                }

                value[i * n + j] = relu ? Math.Max(sum, 0) : sum;
                bound[i * n + j] = magnitude;
            }
        }

        return (value, bound);
    }

    private static void AssertClose((double[] Value, double[] Bound) reference, float[] actual, int k, string what = "")
    {
        double unit = (k + 2) * Math.ScaleB(1.0, -23);
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - reference.Value[i]);
            if (!(error <= unit * reference.Bound[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, reference {reference.Value[i]:R}, error {error:E3} > bound {unit * reference.Bound[i]:E3}");
            }
        }
    }
}
