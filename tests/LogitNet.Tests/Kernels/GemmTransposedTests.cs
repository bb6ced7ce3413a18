using System.Runtime.InteropServices;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// A product with few columns may run as its transpose (lanes along C's rows; Gemm.Transposed.cs).
/// That must give the usual tiles' bits exactly (the same FMA chain per K block, the blocks added in
/// order, then bias and ReLU), for every epilogue, layout and thread count, on adversarial values.
/// </summary>
/// <remarks>Sets <see cref="Gemm.Panels"/> (process-wide) to force the usual tiles for the expected bits.</remarks>
[Collection(ProcessWideSettingsCollection.Name)]
public sealed class GemmTransposedTests : IDisposable
{
    // Shapes the transposed way takes on 256-bit vectors: layer widths 25, 15 and 10 (the S and
    // M models' layers), 24 and 40 (six- and five-column tiles), 7 and 13 (a remainder tile), one K block
    // and several (784 = 4 × 196), k = 1, row counts that end inside a 16-row panel; and the same kinds on
    // 512-bit vectors, which take it from four 32-row panels and k = 48 for widths with many idle lanes
    // (10, 9 and 7 of a 16-lane tile; 20, 40 and 42 of 32- and 64-lane tiles), row counts ending inside a panel.
    // Of those, an untransposed A of 17 to 25 columns is transposed inside the 512-bit tiles, 16 rows and four p at a
    // time (Gemm.TransposedFused.cs): on one thread full panels only (144, 400; two or three threads cut 400 rows into
    // chunks that end inside a panel), a partial last one (150, 537), K blocks that end in one to three p (k = 250: one
    // block ending in 2; 257: blocks of 129 and 128; 1000: blocks of 250; 783: three of 196 and one of 195).
    // Fused_ReadsItsOperandsThroughTheirStrides covers strides wider than the rows.
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (512, 25, 784), (37, 25, 784), (33, 10, 64), (100, 10, 300), (64, 24, 257), (41, 40, 512), (50, 7, 400), (35, 13, 1000), (500, 15, 25), (64, 10, 1),
        (300, 10, 64), (200, 40, 100), (300, 42, 64), (150, 9, 257), (130, 7, 1000), (139, 20, 48),
        (144, 20, 250), (150, 25, 784), (400, 24, 1000), (537, 20, 257), (300, 23, 783),
    ];

    public void Dispose() => Gemm.Panels = PanelSource.Auto;

    public static TheoryData<int, bool, bool> KernelsAndTransposes() => GemmTests.KernelsAndTransposes();

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void Transposed_GivesTheUsualTilesBits(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        int checkedShapes = 0, fusedShapes = 0;
        var random = new Random(4242 + kernelId * 4 + (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
        foreach ((int m, int n, int k) in s_shapes)
        {
            if (!Gemm.ComputesTransposed(kernel, m, n, k, transposeA))
            {
                continue;
            }

            checkedShapes++;
            fusedShapes += Gemm.FusesTransposition(kernel, n, transposeA) ? 1 : 0;
            int lda = transposeA ? m : k, ldb = transposeB ? k : n;

            // Twice: with infinities and NaN sprinkled in (deep products are then mostly NaN, whose payload
            // and sign still count), and with only finite specials (signed zeros, subnormals), where every
            // output is a number that depends on the order of the additions.
            foreach (bool nonFinite in new[] { true, false })
            {
                float[] a = Adversarial(random, m * k, nonFinite), b = Adversarial(random, k * n, nonFinite);
                float[] bias = Adversarial(random, n, nonFinite), start = Adversarial(random, m * n, nonFinite);
                for (int variant = 0; variant < 8; variant++)
                {
                    bool relu = (variant & 1) != 0, withBias = (variant & 2) != 0, accumulate = (variant & 4) != 0;
                    var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };
                    Gemm.Panels = PanelSource.Packed;
                    float[] expected = (float[])start.Clone();
                    Gemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, expected, n, epilogue, 1, kernel);
                    Gemm.Panels = PanelSource.Auto;
                    foreach (int threads in new[] { 1, 2, 3 })
                    {
                        float[] actual = (float[])start.Clone();
                        Gemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, actual, n, epilogue, threads, kernel);
                        Assert.True(SameBits(actual, expected),
                            $"{kernel} ta={transposeA} tb={transposeB} m={m} n={n} k={k} relu={relu} bias={withBias} accumulate={accumulate} "
                            + $"nonFinite={nonFinite} threads={threads}: first difference at {FirstDifference(actual, expected)}");
                    }
                }
            }
        }

        // The path exists for 256- and 512-bit vectors (where it was measured): those kernels must have met it here.
        if (kernel is GemmKernel.Vector256 or GemmKernel.Vector512)
        {
            Assert.True(checkedShapes >= 3, $"{kernel}: only {checkedShapes} of the shapes took the transposed way");
        }

        // An untransposed A on 512-bit vectors: the fused tiles must have been met too.
        if (kernel is GemmKernel.Vector512 && !transposeA && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Assert.True(fusedShapes >= 4, $"{kernel}: only {fusedShapes} of the shapes took the fused transposed tiles");
        }
    }

    /// <summary>
    /// The fused tiles read A, B and C through their strides, which a view of a wider matrix makes larger than the rows
    /// (a row slice of activations, a layer's weights inside a larger buffer): strides wider than the rows here, every
    /// epilogue, both B layouts, one to three threads, K blocks ending in one, two and three p, partial panels.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fused_ReadsItsOperandsThroughTheirStrides(bool transposeB)
    {
        if (!Gemm.FusesTransposition(GemmKernel.Vector512, 21, transposeA: false) || Gemm.BestKernel < GemmKernel.Vector512)
        {
            return; // Only CPUs that run AVX-512 have the fused tiles (the bits elsewhere are checked above).
        }

        var random = new Random(transposeB ? 77 : 76);
        foreach ((int m, int n, int k) in new[] { (133, 21, 255), (517, 18, 259), (300, 23, 783) })
        {
            Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector512, m, n, k) && Gemm.FusesTransposition(GemmKernel.Vector512, n, transposeA: false),
                $"{m}x{n}x{k} should take the fused transposed tiles");
            int lda = k + 5, ldb = (transposeB ? k : n) + 3, ldc = n + 7;
            float[] a = Adversarial(random, m * lda, nonFinite: false), b = Adversarial(random, (transposeB ? n : k) * ldb, nonFinite: false);
            float[] bias = Adversarial(random, n, nonFinite: false), start = Adversarial(random, m * ldc, nonFinite: false);
            for (int variant = 0; variant < 8; variant++)
            {
                bool relu = (variant & 1) != 0, withBias = (variant & 2) != 0, accumulate = (variant & 4) != 0;
                var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };
                Gemm.Panels = PanelSource.Packed;
                float[] expected = (float[])start.Clone();
                Gemm.Multiply(false, transposeB, m, n, k, a, lda, b, ldb, expected, ldc, epilogue, 1, GemmKernel.Vector512);
                Gemm.Panels = PanelSource.Auto;
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    float[] actual = (float[])start.Clone();
                    Gemm.Multiply(false, transposeB, m, n, k, a, lda, b, ldb, actual, ldc, epilogue, threads, GemmKernel.Vector512);
                    Assert.True(SameBits(actual, expected),
                        $"tb={transposeB} m={m} n={n} k={k} relu={relu} bias={withBias} accumulate={accumulate} threads={threads}: "
                        + $"first difference at {FirstDifference(actual, expected)}");
                }
            }
        }
    }

    /// <summary>The layer widths it is meant for take it; wide, already full-lane or short products do not.</summary>
    [Fact]
    public void TheChoice_FollowsTheIdleLanes()
    {
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector256, 1000, 25, 784)); // 7 of 32 lanes idle
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector256, 512, 10, 64)); // 6 of 16 idle
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector256, 1000, 32, 784)); // every lane used
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector256, 1000, 128, 784)); // too wide
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector256, 500, 15, 25)); // 1 of 16 idle, but an edge tile
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector256, 12, 25, 784)); // too few rows to fill the panels
        // The fused tiles use AVX-512 instructions directly, so they exist only where the CPU has them (and the
        // runtime lets them run: not under DOTNET_EnableAVX512=0); without, 25 columns keep the usual tiles.
        bool fusedTiles = System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        Assert.Equal(fusedTiles, Gemm.ComputesTransposed(GemmKernel.Vector512, 1000, 25, 784)); // 7 of 32 lanes idle; A transposed in the tiles
        Assert.Equal(fusedTiles, Gemm.FusesTransposition(GemmKernel.Vector512, 25, transposeA: false));
        Assert.False(Gemm.FusesTransposition(GemmKernel.Vector512, 25, transposeA: true)); // stored transposed: nothing to transpose
        Assert.False(Gemm.FusesTransposition(GemmKernel.Vector512, 16, transposeA: false)); // the one-vector tile leaves few lanes idle
        Assert.False(Gemm.FusesTransposition(GemmKernel.Vector512, 10, transposeA: false)); // and ten columns run faster on packed panels
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 500, 25, 256)); // the fused tile's per-panel work outweighs 7 idle lanes
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector512, 500, 20, 256)); // but 12 of 32 idle still do
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 1000, 15, 64)); // the one-vector tile: 1 of 16 idle
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector512, 1000, 20, 784)); // 12 of 32 idle
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector512, 500, 40, 784)); // 24 of 64 idle
        Assert.True(Gemm.ComputesTransposed(GemmKernel.Vector512, 500, 10, 64)); // the one-vector tile, 6 of 16 idle
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 500, 15, 25)); // masked edges, and too shallow for the transposed store
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 784, 25, 32)); // too shallow
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 64, 25, 784)); // two 32-row panels: too few
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector512, 1000, 64, 784)); // every lane used
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector128, 1000, 25, 784)); // never measured
        Assert.False(Gemm.ComputesTransposed(GemmKernel.Vector256, 1000, 25, 100_000)); // B's tiles would outgrow the usual B block
    }

    /// <summary>The packed column tiles and row panels end exactly where B and A do: a read past them would fault.</summary>
    [Theory]
    [InlineData((int)GemmKernel.Vector256, false, false, 37, 25, 784)]
    [InlineData((int)GemmKernel.Vector256, true, false, 45, 10, 64)]
    [InlineData((int)GemmKernel.Vector256, false, true, 50, 7, 400)]
    [InlineData((int)GemmKernel.Vector256, true, true, 41, 40, 512)]
    [InlineData((int)GemmKernel.Vector512, false, false, 150, 20, 784)]
    [InlineData((int)GemmKernel.Vector512, false, false, 144, 20, 250)]
    [InlineData((int)GemmKernel.Vector512, false, true, 400, 24, 1000)]
    [InlineData((int)GemmKernel.Vector512, true, false, 139, 10, 64)]
    [InlineData((int)GemmKernel.Vector512, false, true, 130, 7, 400)]
    [InlineData((int)GemmKernel.Vector512, true, true, 141, 40, 512)]
    public void Transposed_ReadsNothingPastTheOperands(int kernelId, bool transposeA, bool transposeB, int m, int n, int k)
    {
        var kernel = (GemmKernel)kernelId;
        if (!OperatingSystem.IsLinux() || Gemm.BestKernel < kernel)
        {
            return; // The guard page needs mmap; the kernel needs its vectors (the bits are checked above).
        }

        Assert.True(Gemm.ComputesTransposed(kernel, m, n, k), $"{m}x{n}x{k} should take the transposed way");

        var random = new Random(m * 31 + n * 7 + k);
        float[] a = Adversarial(random, m * k, nonFinite: false), b = Adversarial(random, k * n, nonFinite: false);
        float[] expected = new float[m * n], actual = new float[m * n];
        int lda = transposeA ? m : k, ldb = transposeB ? k : n;
        Gemm.Panels = PanelSource.Packed;
        Gemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, expected, n, GemmEpilogue.None, 1, kernel);
        Gemm.Panels = PanelSource.Auto;

        using var guardedA = new GemmPanelSourceTests.GuardedBuffer(a);
        using var guardedB = new GemmPanelSourceTests.GuardedBuffer(b);
        Gemm.Multiply(transposeA, transposeB, m, n, k, guardedA.Span, lda, guardedB.Span, ldb, actual, n, GemmEpilogue.None, 1, kernel);
        Assert.True(SameBits(actual, expected), "the guarded transposed product differs from the usual one");
    }

    /// <summary>
    /// Mostly uniform values, with signed zeros, subnormals and tiny magnitudes sprinkled in, and with
    /// <paramref name="nonFinite"/> huge magnitudes, infinities and NaN too.
    /// </summary>
    private static float[] Adversarial(Random random, int count, bool nonFinite = true)
    {
        float[] special = nonFinite
            ? [0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, 3e38f, -3e38f, 1e-30f, float.PositiveInfinity, float.NegativeInfinity, float.NaN]
            : [0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, 1e-30f];
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.Next(50) == 0 ? special[random.Next(special.Length)] : (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    /// <summary>Bit for bit, so signed zeros and NaN payloads count (float equality would call them equal).</summary>
    private static bool SameBits(float[] actual, float[] expected) =>
        MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan()));

    private static string FirstDifference(float[] actual, float[] expected)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            {
                return $"[{i}]: {actual[i]:R} against {expected[i]:R}";
            }
        }

        return "none";
    }
}
