using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Kernels;

/// <summary>
/// A float buffer that grows on demand and never moves while it is in use: pinned, its first element on a cache line
/// (<see cref="Tensor.ZerosAligned"/>), for kernels that write it through raw pointers, from the pool's threads too.
/// A job grows it in its <c>Set</c>, before any thread runs; once it is large enough a warm call allocates nothing.
/// </summary>
internal sealed unsafe class PinnedBuffer
{
    private Tensor? _storage;
    private float* _start;

    /// <summary>
    /// The buffer's first element, with room for at least <paramref name="floats"/> floats. A larger buffer replaces a
    /// smaller one without its contents: every user writes what it reads in the same call.
    /// </summary>
    public float* AtLeast(long floats)
    {
        if (_storage is null || _storage.Length < floats)
        {
            _storage = Tensor.ZerosAligned([checked((int)Math.Max(1, floats))]);
            _start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(_storage.AsSpan()));
        }

        return _start;
    }
}
