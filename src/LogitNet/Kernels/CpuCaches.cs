using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>
/// The data caches of the CPU the process runs on, read once: the sizes the GEMM's blocking is
/// derived from (<see cref="Gemm"/>). Only speed depends on them, never a result.
/// </summary>
/// <remarks>
/// On Linux the sizes come from sysfs (<c>/sys/devices/system/cpu/cpu0/cache/index*/</c>: level, type,
/// size). Where sysfs is hidden (containers and some virtual machines: this project's Zen 5 VM has no
/// cache folder) or on another system, an x86 CPU is asked with CPUID: the deterministic cache leaves
/// (4 on Intel, 0x8000001D on AMD), or AMD's older 0x80000005/0x80000006. Otherwise (Arm without sysfs)
/// the defaults below, which describe a modest laptop core, so that an unknown machine gets blocks that
/// fit rather than spill.
/// </remarks>
internal sealed record CpuCaches(long L1Data, long L2, long L3)
{
    /// <summary>What an unknown CPU is assumed to have: 32 KB L1d, 512 KB L2, 8 MB L3.</summary>
    public static readonly CpuCaches Default = new(32 * 1024, 512 * 1024, 8 * 1024 * 1024);

    private const string SysfsFolder = "/sys/devices/system/cpu/cpu0/cache";

    /// <summary>This machine's caches (read at first use): sysfs, else CPUID, else <see cref="Default"/>.</summary>
    public static CpuCaches Current { get; } =
        ReadSysfs(SysfsFolder) ?? (X86Base.IsSupported ? FromCpuid(static (leaf, subleaf) => X86Base.CpuId(leaf, subleaf)) : null) ?? Default;

    /// <summary>
    /// Reads the data and unified caches listed under <paramref name="sysfsCacheFolder"/> (one
    /// <c>index*</c> folder per cache); a level that is missing or unreadable keeps its default.
    /// </summary>
    internal static CpuCaches Read(string sysfsCacheFolder) => ReadSysfs(sysfsCacheFolder) ?? Default;

    /// <summary>As <see cref="Read"/>, but null when no level at all could be read.</summary>
    private static CpuCaches? ReadSysfs(string sysfsCacheFolder)
    {
        long? l1 = null, l2 = null, l3 = null;
        try
        {
            if (!Directory.Exists(sysfsCacheFolder))
            {
                return null;
            }

            foreach (string index in Directory.EnumerateDirectories(sysfsCacheFolder, "index*"))
            {
                string? type = ReadLine(Path.Combine(index, "type"));
                if (type is not ("Data" or "Unified")
                    || !int.TryParse(ReadLine(Path.Combine(index, "level")), NumberStyles.None, CultureInfo.InvariantCulture, out int level)
                    || ParseSize(ReadLine(Path.Combine(index, "size"))) is not long size)
                {
                    continue;
                }

                Record(level, size, ref l1, ref l2, ref l3);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Combine(l1, l2, l3);
    }

    /// <summary>One CPUID query: EAX, EBX, ECX and EDX for a leaf and sub-leaf (a test passes recorded values).</summary>
    internal delegate (int Eax, int Ebx, int Ecx, int Edx) CpuidQuery(int leaf, int subleaf);

    /// <summary>
    /// The caches an x86 CPU reports through CPUID; null when it reports none. The deterministic leaves
    /// list every cache with its level and type (size = ways × partitions × line size × sets); a level they
    /// leave out (all of them, on AMD CPUs without those leaves or under hypervisors that leave them empty)
    /// comes from the older leaves: L1d in KB
    /// (0x80000005 ECX[31:24]), L2 in KB (0x80000006 ECX[31:16], also on Intel) and L3 in 512 KB units
    /// (0x80000006 EDX[31:18]). Some hypervisors report the whole package's L3 there; the blocking's own
    /// bounds (<see cref="Gemm.BlockingFor"/>) keep that harmless.
    /// </summary>
    internal static CpuCaches? FromCpuid(CpuidQuery cpuid)
    {
        uint maxBasic = (uint)cpuid(0, 0).Eax;
        uint maxExtended = (uint)cpuid(unchecked((int)0x80000000), 0).Eax;
        long? l1 = null, l2 = null, l3 = null;
        foreach (uint leaf in new[] { 4u, 0x8000001Du })
        {
            if ((leaf < 0x80000000 ? maxBasic : maxExtended) < leaf)
            {
                continue;
            }

            for (int subleaf = 0; subleaf < 16; subleaf++)
            {
                (int eax, int ebx, int ecx, _) = cpuid((int)leaf, subleaf);
                int type = eax & 0x1F; // 0: no more caches; 1: data; 2: instruction; 3: unified
                if (type == 0)
                {
                    break;
                }

                if (type == 2)
                {
                    continue;
                }

                long size = (long)(((uint)ebx >> 22) + 1) * ((((uint)ebx >> 12) & 0x3FF) + 1) * (((uint)ebx & 0xFFF) + 1) * ((long)(uint)ecx + 1);
                Record((eax >> 5) & 7, size, ref l1, ref l2, ref l3);
            }

            if (l1 is not null || l2 is not null || l3 is not null)
            {
                break;
            }
        }

        // The older leaves fill only what the deterministic ones left out.
        if (l1 is null && maxExtended >= 0x80000005)
        {
            l1 = Positive(((long)(uint)cpuid(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024);
        }

        if ((l2 is null || l3 is null) && maxExtended >= 0x80000006)
        {
            (_, _, int ecx, int edx) = cpuid(unchecked((int)0x80000006), 0);
            l2 ??= Positive(((long)(uint)ecx >> 16) * 1024);
            l3 ??= Positive(((long)(uint)edx >> 18) * 512 * 1024);
        }

        return Combine(l1, l2, l3);
    }

    /// <summary>Keeps a data or unified cache's size under its level (1 to 3; others are ignored).</summary>
    private static void Record(int level, long size, ref long? l1, ref long? l2, ref long? l3)
    {
        switch (level)
        {
            case 1:
                l1 = size;
                break;
            case 2:
                l2 = size;
                break;
            case 3:
                l3 = size;
                break;
        }
    }

    private static long? Positive(long size) => size > 0 ? size : null;

    /// <summary>The levels found, the default for those not found; null when none was.</summary>
    private static CpuCaches? Combine(long? l1, long? l2, long? l3) =>
        l1 is null && l2 is null && l3 is null
            ? null
            : new CpuCaches(l1 ?? Default.L1Data, l2 ?? Default.L2, l3 ?? Default.L3);

    /// <summary>Parses sysfs's size notation ("48K", "2048K", "32M", "1G", or bytes); null if it is not one.</summary>
    internal static long? ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        long unit = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1024,
            'M' => 1024 * 1024,
            'G' => 1024 * 1024 * 1024,
            _ => 1,
        };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0
            ? value * unit
            : null;
    }

    private static string? ReadLine(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
