using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Data;

/// <summary>Element decoders shared by the NPY and IDX loaders: byte order, then conversion to float32.</summary>
internal static class ElementConverters
{
    /// <summary>A converter for a numeric element type stored in the given byte order.</summary>
    public static ElementConverter For<T>(bool bigEndian) where T : unmanaged, INumberBase<T>
    {
        bool swap = bigEndian == BitConverter.IsLittleEndian && Unsafe.SizeOf<T>() > 1;
        return (source, destination) =>
        {
            if (swap) ReverseInPlace(source, Unsafe.SizeOf<T>());
            if (typeof(T) == typeof(float))
            {
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                return;
            }

            ReadOnlySpan<T> values = MemoryMarshal.Cast<byte, T>(source);
            for (int i = 0; i < values.Length; i++)
            {
                // Integers convert exactly below 2^24 and round to nearest above; float64 rounds to nearest.
                destination[i] = float.CreateTruncating(values[i]);
            }
        };
    }

    private static void ReverseInPlace(Span<byte> bytes, int size)
    {
        switch (size)
        {
            case 2:
                Span<ushort> u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                Span<uint> u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                Span<ulong> u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(size), size, "Expected an element size of 2, 4 or 8 bytes.");
        }
    }
}
