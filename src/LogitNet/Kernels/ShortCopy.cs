using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

/// <summary>
/// Copies of a few hundred floats, inline: an im2col window row, an embedding's row. <c>Span.CopyTo</c> calls the
/// runtime's general memmove, whose call and size dispatch cost about as much as such a copy when it is done
/// hundreds of times per sample.
/// </summary>
internal static class ShortCopy
{
    /// <summary>Copies <paramref name="source"/> to the start of <paramref name="destination"/> (which must not overlap it).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        ref float from = ref MemoryMarshal.GetReference(source);
        ref float to = ref MemoryMarshal.GetReference(destination);
        int length = source.Length, width = Vector<float>.Count, i = 0;
        for (; i <= length - width; i += width)
        {
            Vector.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
        }
    }
}
