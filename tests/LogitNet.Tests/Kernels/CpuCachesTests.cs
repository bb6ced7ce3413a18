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

    private void WriteIndex(string name, int level, string type, string size)
    {
        string folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "level"), level + "\n");
        File.WriteAllText(Path.Combine(folder, "type"), type + "\n");
        File.WriteAllText(Path.Combine(folder, "size"), size + "\n");
    }
}
