using System.Buffers.Binary;

namespace LogitNet.Serialization;

/// <summary>
/// CRC-32 as zip (and gzip, PNG, Ethernet) computes it: reflected polynomial 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF. The check value of the ASCII text "123456789" is 0xCBF43926.
/// </summary>
/// <remarks>
/// Slicing by 8 (Intel, "A Systematic Approach to Building High Performance Software-based CRC
/// Generators", 2006): eight 256-entry tables let each step fold eight bytes with eight lookups, about
/// 1–2 GB/s here, so verifying a model's weights costs little beside reading them. Kept in the library
/// rather than taken from the System.IO.Hashing package: forty lines against a new dependency.
/// Integer arithmetic only, so the value is the same on every machine.
/// </remarks>
internal static class Crc32
{
    /// <summary>The running value before any byte.</summary>
    public const uint Initial = 0xFFFFFFFF;

    private static readonly uint[] s_tables = BuildTables();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    /// <summary>The final CRC from a running value.</summary>
    public static uint Finish(uint running) => ~running;

    /// <summary>Folds <paramref name="data"/> into a running value (start from <see cref="Initial"/>).</summary>
    public static uint Append(uint running, ReadOnlySpan<byte> data)
    {
        uint crc = running;
        ReadOnlySpan<uint> t = s_tables;
        while (data.Length >= 8)
        {
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7 * 256 + (byte)low] ^ t[6 * 256 + (byte)(low >> 8)] ^ t[5 * 256 + (byte)(low >> 16)] ^ t[4 * 256 + (int)(low >> 24)]
                ^ t[3 * 256 + (byte)high] ^ t[2 * 256 + (byte)(high >> 8)] ^ t[256 + (byte)(high >> 16)] ^ t[(int)(high >> 24)];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = t[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            tables[i] = c;
        }

        // Table k maps a byte to its CRC followed by k zero bytes.
        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[(k - 1) * 256 + i];
                tables[k * 256 + i] = tables[(byte)previous] ^ (previous >> 8);
            }
        }

        return tables;
    }
}
