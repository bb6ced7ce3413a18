using System.Runtime.InteropServices;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// Reading operands in place (a transposed A's rows, B's rows under masked loads) instead of
/// packing them must not change a bit of the result, and must not touch memory past the operands:
/// the in-place panels end exactly where the matrices do.
/// </summary>
/// <remarks>
/// <see cref="Gemm.Panels"/> is process-wide; only this class sets it, and every setting gives the
/// same bits, so GEMM tests running alongside are unaffected.
/// </remarks>
[Collection(ProcessWideSettingsCollection.Name)]
public sealed class GemmPanelSourceTests : IDisposable
{
    public void Dispose() => Gemm.Panels = PanelSource.Auto;

    public static TheoryData<int, bool, bool> KernelsAndTransposes() => GemmTests.KernelsAndTransposes();

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void InPlaceAndPacked_AreBitwiseEqual(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(1000 + kernelId * 4 + (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
        int[] ks = [1, 7, 32, 255, 256, 257, 784];
        foreach (int k in ks)
        {
            for (int trial = 0; trial < 5; trial++)
            {
                // Above the few-rows path; widths that end inside a vector, inside the second
                // vector of a tile, and past one tile; heights that end inside a 12- or 8-row tile.
                int m = 5 + random.Next(60), n = 1 + random.Next(80);
                bool relu = random.Next(2) == 0, accumulate = random.Next(3) == 0, withBias = random.Next(2) == 0;
                float[] a = Random(random, m * k), b = Random(random, k * n), bias = Random(random, n), start = Random(random, m * n);
                var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };

                float[][] results = new float[3][];
                PanelSource[] sources = [PanelSource.Packed, PanelSource.InPlace, PanelSource.Auto];
                for (int s = 0; s < sources.Length; s++)
                {
                    Gemm.Panels = sources[s];
                    results[s] = (float[])start.Clone();
                    Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n,
                        results[s], n, epilogue, 1, kernel);
                }

                Gemm.Panels = PanelSource.Auto;
                string shape = $"{kernel} ta={transposeA} tb={transposeB} m={m} n={n} k={k} relu={relu} bias={withBias} accumulate={accumulate}";
                Assert.True(results[1].AsSpan().SequenceEqual(results[0]), $"{shape}: in place differs from packed");
                Assert.True(results[2].AsSpan().SequenceEqual(results[0]), $"{shape}: auto differs from packed");
            }
        }
    }

    /// <summary>
    /// A column of full 6-row tiles in one kernel call (<see cref="Gemm.TileColumns"/>) against one call per
    /// tile: the same chains and epilogue, so the same bits, on every kernel, layout and panel source, with
    /// heights that leave a partial tile below the full ones and K that spans several blocks.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void TileColumns_DoNotChangeTheBits(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(3000 + kernelId * 4 + (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
        try
        {
            foreach (int k in new[] { 3, 196, 257, 784 })
            {
                foreach (PanelSource source in new[] { PanelSource.Packed, PanelSource.InPlace, PanelSource.Auto })
                {
                    int m = 12 + random.Next(200), n = 1 + random.Next(160);
                    Gemm.Panels = source;
                    (float[][] results, _, string shape) = BothWays(random, setting => Gemm.TileColumns = setting,
                        kernel, transposeA, transposeB, m, n, k, ldc: n, threads: 1, accumulate: random.Next(3) == 0);
                    shape = $"{source} {shape}";
                    Assert.True(MemoryMarshal.AsBytes(results[1].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(results[0].AsSpan())), $"{shape}: a column of tiles differs from tile by tile");
                }
            }
        }
        finally
        {
            Gemm.TileColumns = true;
            Gemm.Panels = PanelSource.Auto;
        }
    }

    /// <summary>
    /// Tiles row band by row band (C's rows a multiple of 4 KB apart and a short K, <see cref="Gemm.TilesByRowsMaxKc"/>)
    /// against column by column: the same tiles in another order, so the same bits, on every kernel, layout and panel
    /// source, on one thread and two, with edge tiles on both sides (C written into a wider matrix, 1024 floats a row,
    /// whose other columns must stay untouched), NaN and infinity in the operands, and every epilogue.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void TilesByRows_DoNotChangeTheBits(int kernelId, bool transposeA, bool transposeB)
    {
        var kernel = (GemmKernel)kernelId;
        var random = new Random(5000 + kernelId * 4 + (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
        const int Ldc = 1024;
        int saved = Gemm.TilesByRowsMaxKc;
        try
        {
            foreach (int k in new[] { 1, 10, 16 })
            {
                foreach (PanelSource source in new[] { PanelSource.Packed, PanelSource.InPlace, PanelSource.Auto })
                {
                    int m = 13 + random.Next(120), n = 1000 + random.Next(Ldc - 1000 + 1);
                    Gemm.Panels = source;
                    // Accumulating every other case: a tile computed twice shows only when C is added to.
                    (float[][] results, float[] start, string shape) = BothWays(random, setting => Gemm.TilesByRowsMaxKc = setting ? 16 : 0,
                        kernel, transposeA, transposeB, m, n, k, Ldc, threads: 1 + random.Next(2), accumulate: source != PanelSource.InPlace);
                    shape = $"{source} {shape}";
                    Assert.True(MemoryMarshal.AsBytes(results[1].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(results[0].AsSpan())), $"{shape}: row bands differ from columns");
                    for (int row = 0; row < m; row++)
                    {
                        Assert.True(results[1].AsSpan(row * Ldc + n, Ldc - n).SequenceEqual(start.AsSpan(row * Ldc + n, Ldc - n)), $"{shape}: row {row} written past column {n}");
                    }
                }
            }
        }
        finally
        {
            Gemm.TilesByRowsMaxKc = saved;
            Gemm.Panels = PanelSource.Auto;
        }
    }

    /// <summary>
    /// The A block height (MC) follows the CPU's L2; any height must give the same bits, since it
    /// only regroups the same tiles.
    /// </summary>
    [Fact]
    public void BlockHeight_DoesNotChangeTheBits()
    {
        var random = new Random(77);
        // 140 columns (9 tiles): A is packed, so MC (McMax) varies the blocks; narrower products read A in place in L1-sized blocks.
        const int M = 1000, N = 140, K = 300;
        float[] a = Random(random, M * K), b = Random(random, K * N), bias = Random(random, N);
        var epilogue = new GemmEpilogue { Bias = bias, Relu = true };
        int saved = Gemm.McMax;
        try
        {
            float[] expected = new float[M * N];
            Gemm.Multiply(false, false, M, N, K, a, K, b, N, expected, N, epilogue, 1, Gemm.BestKernel);
            foreach (int mc in new[] { 48, 192, 768 })
            {
                Gemm.McMax = mc;
                foreach (bool transposeA in new[] { false, true })
                {
                    float[] aStored = transposeA ? Transposed(a, M, K) : a;
                    float[] c = new float[M * N];
                    Gemm.Multiply(transposeA, false, M, N, K, aStored, transposeA ? M : K, b, N, c, N, epilogue, 1, Gemm.BestKernel);
                    Assert.True(c.AsSpan().SequenceEqual(expected), $"MC = {mc}, transposeA = {transposeA}: the bits changed");
                }
            }
        }
        finally
        {
            Gemm.McMax = saved;
        }
    }

    private static float[] Transposed(float[] x, int rows, int cols)
    {
        float[] t = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                t[c * rows + r] = x[r * cols + c];
            }
        }

        return t;
    }

    /// <summary>
    /// Two-thread products must finish and give the one-thread bits even while the panel source
    /// changes mid-product: each chunk may then read its operands differently, which must not
    /// matter. (A tried design in which the two threads shared packed B deadlocked here when they
    /// disagreed about sharing it.)
    /// </summary>
    [Fact]
    public async Task TwoThreadProducts_FinishWhileThePanelSourceChanges()
    {
        var random = new Random(5);
        const int M = 96, N = 300, K = 400;
        float[] a = Random(random, M * K), b = Random(random, K * N);
        float[] expected = new float[M * N];
        Gemm.Multiply(false, false, M, N, K, a, K, b, N, expected, N, GemmEpilogue.None, 1, Gemm.BestKernel);

        using var stop = new CancellationTokenSource();
        Task flipper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Gemm.Panels = Gemm.Panels == PanelSource.Packed ? PanelSource.InPlace : PanelSource.Packed;
            }
        });
        Task<bool> products = Task.Run(() =>
        {
            float[] c = new float[M * N];
            bool same = true;
            for (int i = 0; i < 200; i++)
            {
                Gemm.Multiply(false, false, M, N, K, a, K, b, N, c, N, GemmEpilogue.None, 2, Gemm.BestKernel);
                same &= c.AsSpan().SequenceEqual(expected);
            }

            return same;
        });

        bool finished = await Task.WhenAny(products, Task.Delay(TimeSpan.FromSeconds(60))) == products;
        await stop.CancelAsync();
        await flipper;
        Assert.True(finished, "two-thread products stopped making progress while the panel source changed");
        Assert.True(await products, "a two-thread product differed from the one-thread result");
    }

    /// <summary>
    /// Each operand is placed so that its last element is the last float before an unreadable
    /// page: a read past it (a padding row of A, a padding column of B's last row) would crash.
    /// </summary>
    [Theory]
    [InlineData(true, false, 37, 25, 32)]
    [InlineData(true, false, 29, 9, 64)]
    [InlineData(false, false, 32, 25, 784)]
    [InlineData(false, false, 40, 41, 300)]
    [InlineData(true, false, 13, 16, 5)]
    [InlineData(false, false, 36, 64, 196)]
    [InlineData(false, false, 61, 40, 257)]
    [InlineData(false, false, 36, 10, 15)]
    [InlineData(false, false, 100, 13, 25)]
    [InlineData(false, false, 41, 64, 196)]
    public void InPlace_ReadsNothingPastTheOperands(bool transposeA, bool transposeB, int m, int n, int k)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The guard page is made with mmap/mprotect; the arithmetic is covered above on every OS.
        }

        var random = new Random(m * 31 + n * 7 + k);
        float[] a = Random(random, m * k), b = Random(random, k * n);
        float[] expected = new float[m * n], actual = new float[m * n];
        int lda = transposeA ? m : k, ldb = transposeB ? k : n;
        Gemm.Panels = PanelSource.Packed;
        Gemm.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, expected, n, GemmEpilogue.None, 1, Gemm.BestKernel);

        using var guardedA = new GuardedBuffer(a);
        using var guardedB = new GuardedBuffer(b);
        foreach (int threads in new[] { 1, 2 })
        {
            // Two threads cut C into chunks, each with its own last, partial tile.
            Gemm.Panels = PanelSource.InPlace;
            Gemm.Multiply(transposeA, transposeB, m, n, k, guardedA.Span, lda, guardedB.Span, ldb, actual, n, GemmEpilogue.None, threads, Gemm.BestKernel);
            Gemm.Panels = PanelSource.Auto;
            Assert.True(actual.AsSpan().SequenceEqual(expected), $"{threads} thread(s): the guarded in-place product differs from the packed one");
        }
    }

    /// <summary>
    /// One product computed with a process-wide setting off (results[0]) and on (results[1]), from the same start of C:
    /// A with a NaN, B with an infinity, C <paramref name="ldc"/> floats a row, an epilogue drawn at random (bias, ReLU)
    /// and accumulating as asked. Returns both results, the start, and the case in words for a failure's message.
    /// </summary>
    private static (float[][] Results, float[] Start, string Shape) BothWays(Random random, Action<bool> setting, GemmKernel kernel,
        bool transposeA, bool transposeB, int m, int n, int k, int ldc, int threads, bool accumulate)
    {
        bool relu = random.Next(2) == 0, withBias = random.Next(2) == 0;
        float[] a = Random(random, m * k), b = Random(random, k * n), bias = Random(random, n), start = Random(random, m * ldc);
        a[random.Next(a.Length)] = float.NaN;
        b[random.Next(b.Length)] = float.NegativeInfinity;
        var epilogue = new GemmEpilogue { Bias = withBias ? bias : default, Relu = relu, Accumulate = accumulate };
        float[][] results = new float[2][];
        for (int on = 0; on < 2; on++)
        {
            setting(on == 1);
            results[on] = (float[])start.Clone();
            Gemm.Multiply(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, results[on], ldc, epilogue, threads, kernel);
        }

        return (results, start, $"{kernel} ta={transposeA} tb={transposeB} m={m} n={n} k={k} threads={threads} relu={relu} bias={withBias} accumulate={accumulate}");
    }

    private static float[] Random(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    /// <summary>A copy of some floats that ends exactly at an inaccessible page (Linux).</summary>
    internal sealed unsafe class GuardedBuffer : IDisposable
    {
        private const int ProtNone = 0, ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        private readonly nint _mapping;
        private readonly nuint _length;
        private readonly float* _start;
        private readonly int _count;

        public GuardedBuffer(float[] values)
        {
            nuint page = (nuint)Environment.SystemPageSize;
            nuint bytes = (nuint)values.Length * sizeof(float);
            nuint dataPages = (bytes + page - 1) / page;
            _length = (dataPages + 1) * page;
            _mapping = Mmap(0, _length, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            Assert.True(_mapping != -1, "mmap failed");
            Assert.Equal(0, Mprotect(_mapping + (nint)(dataPages * page), page, ProtNone));
            _start = (float*)(_mapping + (nint)(dataPages * page - bytes));
            _count = values.Length;
            values.AsSpan().CopyTo(new Span<float>(_start, _count));
        }

        public ReadOnlySpan<float> Span => new(_start, _count);

        public void Dispose() => Munmap(_mapping, _length);

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        private static extern int Mprotect(nint address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        private static extern int Munmap(nint address, nuint length);
    }
}
