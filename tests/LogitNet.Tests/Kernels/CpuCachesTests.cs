using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>The cache sizes the GEMM's blocking follows, and the blocking derived from them.</summary>
public sealed class CpuCachesTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "logitnet-caches-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("48K", 48L * 1024)]
    [InlineData("2048K", 2048L * 1024)]
    [InlineData("32M", 32L * 1024 * 1024)]
    [InlineData("1G", 1024L * 1024 * 1024)]
    [InlineData("65536", 65536L)]
    public void ParseSize_ReadsSysfsNotation(string text, long expected) => Assert.Equal(expected, CpuCaches.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-4K")]
    [InlineData("0K")]
    [InlineData("12Q")]
    [InlineData(null)]
    public void ParseSize_RefusesWhatIsNotASize(string? text) => Assert.Null(CpuCaches.ParseSize(text));

    [Fact]
    public void Read_TakesTheDataAndUnifiedCachesByLevel()
    {
        WriteIndex("index0", 1, "Data", "48K");
        WriteIndex("index1", 1, "Instruction", "32K");
        WriteIndex("index2", 2, "Unified", "1024K");
        WriteIndex("index3", 3, "Unified", "32768K");
        Assert.Equal(new CpuCaches(48 * 1024, 1024 * 1024, 32L * 1024 * 1024), CpuCaches.Read(_folder));
    }

    [Fact]
    public void Read_KeepsTheDefaultForALevelItCannotRead()
    {
        WriteIndex("index0", 1, "Data", "64K");
        WriteIndex("index2", 2, "Unified", "garbage");
        Assert.Equal(CpuCaches.Default with { L1Data = 64 * 1024 }, CpuCaches.Read(_folder));
    }

    [Fact]
    public void Read_WithoutSysfs_GivesTheDefault() =>
        Assert.Equal(CpuCaches.Default, CpuCaches.Read(Path.Combine(_folder, "missing")));

    [Fact]
    public void FromCpuid_ReadsAmdsOlderLeaves_WhereTheDeterministicOnesAreEmpty()
    {
        // Recorded on this project's Zen 5 EPYC VM (2026-12-04), which has no sysfs cache folder and whose
        // hypervisor leaves leaves 4 and 0x8000001D empty; its L3 field gives the whole package's 508 MB.
        var leaves = new Dictionary<uint, (int, int, int, int)>
        {
            [0x0] = (0x0000000d, 0x68747541, 0x444d4163, 0x69746e65),
            [0x80000000] = (unchecked((int)0x80000021), 0x68747541, 0x444d4163, 0x69746e65),
            [0x80000005] = (unchecked((int)0xff60ff40), unchecked((int)0xff60ff40), 0x300c0140, 0x20080140),
            [0x80000006] = (0x40802040, 0x60804040, 0x04006140, 0x0fe09140),
        };
        Assert.Equal(new CpuCaches(48 * 1024, 1024 * 1024, 1016L * 512 * 1024), CpuCaches.FromCpuid(Recorded(leaves)));

        // The blocking stays within its bounds for that L3.
        Assert.Equal((384, 4096, 512L * 1024), Gemm.BlockingFor(CpuCaches.FromCpuid(Recorded(leaves))!));
    }

    [Fact]
    public void FromCpuid_ReadsTheDeterministicLeaf_ByLevelAndType()
    {
        // An Intel core's leaf 4: 48 KB L1d (12 ways × 64 sets × 64 B), 32 KB L1i, 1.25 MB L2 (10 × 2048 × 64),
        // 30 MB L3 (12 × 40960 × 64); EAX = type | level << 5 | self-initializing; EBX = (ways - 1) << 22 |
        // (partitions - 1) << 12 | (line - 1); ECX = sets - 1.
        var leaves = new Dictionary<uint, (int, int, int, int)>
        {
            [0x0] = (0x20, 0, 0, 0),
            [0x80000000] = (unchecked((int)0x80000008), 0, 0, 0),
            [0x80000006] = (0, 0, 0x01007040, 0), // the older L2 field says 256 KB: leaf 4 wins
        };
        var subleaves = new[]
        {
            (0x121, (11 << 22) | 63, 63),
            (0x122, (7 << 22) | 63, 63),
            (0x143, (9 << 22) | 63, 2047),
            (0x163, (11 << 22) | 63, 40959),
        };
        Assert.Equal(new CpuCaches(48 * 1024, 1280 * 1024, 30L * 1024 * 1024), CpuCaches.FromCpuid(Recorded(leaves, 4, subleaves)));
    }

    [Fact]
    public void FromCpuid_ReadsAmdsDeterministicLeaf_AndFillsWhatItLeavesOut()
    {
        // AMD's 0x8000001D in Intel's leaf-4 layout, with every field of the size in play: a 32 KB L1d of
        // 8 ways × 2 partitions × 32-byte lines × 64 sets, a 2 MB L2 of 16 × 1 × 128 B × 1024, and no L3 there,
        // which the older 0x80000006 then gives (64 × 512 KB = 32 MB); its L2 field (256 KB) must not win.
        var leaves = new Dictionary<uint, (int, int, int, int)>
        {
            [0x0] = (0x10, 0, 0, 0),
            [0x80000000] = (unchecked((int)0x80000021), 0, 0, 0),
            [0x80000005] = (0, 0, 0x40000000, 0),
            [0x80000006] = (0, 0, 0x01000000, 64 << 18),
        };
        var subleaves = new[]
        {
            (0x21, (7 << 22) | (1 << 12) | 31, 63),
            (0x43, (15 << 22) | 127, 1023),
        };
        Assert.Equal(new CpuCaches(32 * 1024, 2 * 1024 * 1024, 32L * 1024 * 1024), CpuCaches.FromCpuid(Recorded(leaves, 0x8000001D, subleaves)));
    }

    [Fact]
    public void FromCpuid_TakesNoZeroSizes_FromTheOlderLeaves()
    {
        // A CPU without the deterministic leaves whose 0x80000005 is all zeros (Intel's) and whose 0x80000006 gives
        // only a 1 MB L2: L1 and L3 keep the defaults rather than becoming zero.
        var leaves = new Dictionary<uint, (int, int, int, int)>
        {
            [0x0] = (0x2, 0, 0, 0),
            [0x80000000] = (unchecked((int)0x80000008), 0, 0, 0),
            [0x80000006] = (0, 0, 0x04006040, 0),
        };
        Assert.Equal(CpuCaches.Default with { L2 = 1024 * 1024 }, CpuCaches.FromCpuid(Recorded(leaves)));
    }

    [Fact]
    public void FromCpuid_ReportsNothing_WhenTheCpuDoesNot() =>
        Assert.Null(CpuCaches.FromCpuid(Recorded(new Dictionary<uint, (int, int, int, int)> { [0x0] = (0x1, 0, 0, 0) })));

    [Fact]
    public void Current_IsPlausible()
    {
        CpuCaches caches = CpuCaches.Current;
        Assert.InRange(caches.L1Data, 4 * 1024, 4 * 1024 * 1024);
        Assert.InRange(caches.L2, 64 * 1024, 256L * 1024 * 1024);
        Assert.InRange(caches.L3, 64 * 1024, 4L * 1024 * 1024 * 1024);
    }

    [Fact]
    public void Blocking_FollowsTheCaches()
    {
        // Zen 4/5 (1 MB L2, 32 MB L3): the constants the GEMM was tuned with.
        Assert.Equal((384, 4096, 512L * 1024), Gemm.BlockingFor(new CpuCaches(48 * 1024, 1024 * 1024, 32L * 1024 * 1024)));

        // A 512 KB L2: half the A block.
        Assert.Equal((192, 4096, 256L * 1024), Gemm.BlockingFor(new CpuCaches(32 * 1024, 512 * 1024, 32L * 1024 * 1024)));

        // Tiny and huge caches are clamped to blocks the loops handle well.
        Assert.Equal((48, 512, 32L * 1024), Gemm.BlockingFor(new CpuCaches(16 * 1024, 64 * 1024, 1024 * 1024)));
        Assert.Equal((768, 4096, 8L * 1024 * 1024), Gemm.BlockingFor(new CpuCaches(64 * 1024, 16L * 1024 * 1024, 1024L * 1024 * 1024)));

        (int mc, int nc, _) = Gemm.BlockingFor(CpuCaches.Current);
        Assert.Equal(0, mc % 24);
        Assert.Equal(0, nc % 64);
    }

    /// <summary>A CPUID that answers from recorded leaves (sub-leaf 0) and zeros for the rest, as a CPU does for leaves it lacks.</summary>
    private static CpuCaches.CpuidQuery Recorded(Dictionary<uint, (int, int, int, int)> leaves) =>
        (leaf, subleaf) => subleaf == 0 && leaves.TryGetValue((uint)leaf, out var values) ? values : (0, 0, 0, 0);

    /// <summary>As the other overload, with a deterministic cache leaf answering (EAX, EBX, ECX) per sub-leaf and zeros after the last.</summary>
    private static CpuCaches.CpuidQuery Recorded(Dictionary<uint, (int, int, int, int)> leaves, uint cacheLeaf, (int Eax, int Ebx, int Ecx)[] subleaves) =>
        (leaf, subleaf) => (uint)leaf != cacheLeaf
            ? Recorded(leaves)(leaf, subleaf)
            : subleaf < subleaves.Length ? (subleaves[subleaf].Eax, subleaves[subleaf].Ebx, subleaves[subleaf].Ecx, 0) : (0, 0, 0, 0);

    private void WriteIndex(string name, int level, string type, string size)
    {
        string folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "level"), level + "\n");
        File.WriteAllText(Path.Combine(folder, "type"), type + "\n");
        File.WriteAllText(Path.Combine(folder, "size"), size + "\n");
    }
}
