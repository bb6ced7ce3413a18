using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Data;

/// <summary>Element decoders shared by the NPY and IDX loaders: byte order, then conversion to float32.</summary>
internal static class ElementConverters
{
    /// <summary>
    /// The converter of float32 stored in this machine's byte order: a plain copy. The loaders
    /// recognise it (by reference) and read such data straight into the result, with no chunk buffer.
    /// </summary>
    public static readonly ElementConverter NativeFloat32 = (source, destination) => Convert<float>(source, destination, swap: false);

    /// <summary>A converter for a numeric element type stored in the given byte order.</summary>
    public static ElementConverter For<T>(bool bigEndian) where T : unmanaged, INumberBase<T>
    {
        bool swap = bigEndian == BitConverter.IsLittleEndian && Unsafe.SizeOf<T>() > 1;
        if (typeof(T) == typeof(float) && !swap)
        {
            return NativeFloat32;
        }

        return (source, destination) => Convert<T>(source, destination, swap);
    }

    // A file is usually loaded once per process, so the loop must be fast on its first run:
    // AggressiveOptimization skips the unoptimised first tier, which was measured at 1-4 s
    // (instead of 40 ms) for 47 million uint8 elements.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convert<T>(Span<byte> source, Span<float> destination, bool swap) where T : unmanaged, INumberBase<T>
    {
        if (swap) ReverseInPlace(source, Unsafe.SizeOf<T>());
        if (typeof(T) == typeof(float))
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        ReadOnlySpan<T> values = MemoryMarshal.Cast<byte, T>(source);
        destination = destination[..values.Length];
        if (typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(short) || typeof(T) == typeof(ushort)
            || typeof(T) == typeof(int) || typeof(T) == typeof(double))
        {
            // Vectorised; each of these conversions is one correctly rounded step (exact for the
            // small integers), so it equals the scalar cast. 64-bit and unsigned 32-bit integers
            // stay scalar: a vector path through double could round twice.
            System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(values, destination);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            // Integers convert exactly below 2^24 in magnitude and round to nearest above; float64 rounds to nearest.
            destination[i] = float.CreateTruncating(values[i]);
        }
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
