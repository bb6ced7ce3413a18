using System.Globalization;

namespace LogitNet.Kernels;

/// <summary>
/// The data caches of the CPU the process runs on, read once: the sizes the GEMM's blocking is
/// derived from (<see cref="Gemm"/>). Only speed depends on them, never a result.
/// </summary>
/// <remarks>
/// On Linux the sizes come from sysfs (<c>/sys/devices/system/cpu/cpu0/cache/index*/</c>: level, type,
/// size); elsewhere, or when sysfs cannot be read (a container hiding it), the defaults below, which
/// describe a modest laptop core, so that an unknown machine gets blocks that fit rather than spill.
/// </remarks>
internal sealed record CpuCaches(long L1Data, long L2, long L3)
{
    /// <summary>What an unknown CPU is assumed to have: 32 KB L1d, 512 KB L2, 8 MB L3.</summary>
    public static readonly CpuCaches Default = new(32 * 1024, 512 * 1024, 8 * 1024 * 1024);

    /// <summary>This machine's caches (read at first use).</summary>
    public static CpuCaches Current { get; } = Read("/sys/devices/system/cpu/cpu0/cache");

    /// <summary>
    /// Reads the data and unified caches listed under <paramref name="sysfsCacheFolder"/> (one
    /// <c>index*</c> folder per cache); a level that is missing or unreadable keeps its default.
    /// </summary>
    internal static CpuCaches Read(string sysfsCacheFolder)
    {
        long l1 = Default.L1Data, l2 = Default.L2, l3 = Default.L3;
        try
        {
            if (!Directory.Exists(sysfsCacheFolder))
            {
                return Default;
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
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Default;
        }

        return new CpuCaches(l1, l2, l3);
    }

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
