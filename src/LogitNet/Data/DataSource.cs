using System.Buffers;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet.Data;

/// <summary>Turns <paramref name="source"/> (raw bytes of one chunk, which it may overwrite) into floats.</summary>
internal delegate void ElementConverter(Span<byte> source, Span<float> destination);

/// <summary>
/// The binary loaders' view of a file: transparent gzip, a byte position for error messages,
/// and reads that never trust a header's sizes further than the content can back them.
/// </summary>
/// <remarks>
/// Two rules keep hostile files harmless. When the content length is known (an uncompressed,
/// seekable stream), a claimed payload is compared with the bytes that remain before anything is
/// allocated. When it is not (gzip, pipes), the destination starts small (1 MiB, or 16 times the
/// compressed size of a gzip file, so real data needs one allocation) and grows geometrically as
/// data actually arrives, so memory stays within a small multiple of what the file really holds,
/// and the loaders' element cap bounds even that.
/// </remarks>
internal sealed class DataSource : IDisposable
{
    /// <summary>The read chunk: a multiple of every element size, large enough to amortise calls.</summary>
    internal const int ChunkBytes = 1 << 20;

    /// <summary>The first allocation, in elements, when the content length is unknown.</summary>
    private const int InitialUnknownElements = 1 << 18;

    /// <summary>
    /// For gzip content of known compressed size, the first allocation may reach this many times the
    /// compressed size: ample for real data (MNIST's images compress about 5:1), so they are read
    /// with one allocation, while a small hostile file still cannot claim much before data arrives.
    /// </summary>
    private const int CompressedSizeFactor = 16;

    private readonly Stream _stream;
    private readonly Stream? _owned;
    private readonly long? _length;
    private readonly long? _compressedLength;

    private DataSource(Stream stream, Stream? owned, long? length, long? compressedLength, string? name, bool gzip = false)
    {
        IsGzip = gzip;
        _stream = stream;
        _owned = owned;
        _length = length;
        _compressedLength = compressedLength;
        Name = name;
    }

    /// <summary>Whether the content is decompressed from gzip (positions are then in the decompressed bytes).</summary>
    public bool IsGzip { get; }

    /// <summary>The file or resource name for messages, or null.</summary>
    public string? Name { get; }

    /// <summary>Bytes of content consumed so far (decompressed bytes for gzip).</summary>
    public long Position { get; private set; }

    /// <summary>Bytes of content left, when known (uncompressed seekable streams).</summary>
    public long? Remaining => _length - Position;

    /// <summary>Opens <paramref name="stream"/>, decompressing it when it starts with the gzip magic (1F 8B).</summary>
    public static DataSource Open(Stream stream, string? name, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("Expected a readable stream.", nameof(stream));
        }

        long? length = stream.CanSeek ? stream.Length - stream.Position : null;
        byte[] magic = new byte[2];
        int got = 0;
        while (got < magic.Length)
        {
            int n = stream.Read(magic, got, magic.Length - got);
            if (n == 0) break;
            got += n;
        }

        var rest = new PrefixStream(magic, got, stream, leaveOpen);
        if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            return OpenGzip(rest, length, name);
        }

        return new DataSource(rest, rest, length, null, name);
    }

    // Apart, so that compiling Open does not load System.IO.Compression for the plain files that
    // never use it (measured as part of a first load's start-up cost).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DataSource OpenGzip(Stream compressed, long? compressedLength, string? name)
    {
        var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false);
        return new DataSource(gzip, gzip, null, compressedLength, name, gzip: true);
    }

    /// <summary>Opens a file for reading with a large buffer and a sequential-scan hint.</summary>
    public static DataSource OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Open(file, path, leaveOpen: false);
    }

    /// <summary>A format error at <paramref name="offset"/> (default: the current position) of this source.</summary>
    public DataFormatException Error(string message, string? entry, long? offset = null, Exception? inner = null) =>
        new(message, Name, entry, offset ?? Position, innerException: inner);

    /// <summary>Reads up to <paramref name="buffer"/>'s length; fewer only at the end of the content.</summary>
    public int ReadAtMost(Span<byte> buffer, string entry)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = _stream.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw Error($"the gzip compression is damaged ({e.Message}). Re-download or re-create the file.", entry, Position + total, e);
        }

        Position += total;
        return total;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length, or reports a truncated file.</summary>
    public void ReadExactly(Span<byte> buffer, string entry)
    {
        int got = ReadAtMost(buffer, entry);
        if (got < buffer.Length)
        {
            throw Error($"the file ends {buffer.Length - got} bytes short of the end of the {entry}; expected {buffer.Length} bytes there. The file is truncated.", entry);
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="itemSize"/> bytes each and converts
    /// them to float, allocating no more than the content can back.
    /// </summary>
    /// <remarks>
    /// Float32 in this machine's byte order (<see cref="ElementConverters.NativeFloat32"/>) is read
    /// straight into the result's bytes: no chunk buffer, no second copy. Other types go through a
    /// pooled chunk and are converted from there.
    /// </remarks>
    public float[] ReadElements(int count, int itemSize, ElementConverter convert, string entry)
    {
        long bytes = (long)count * itemSize;
        if (Remaining is long remaining && remaining < bytes)
        {
            throw Error($"the header promises {count} elements of {itemSize} bytes ({bytes} bytes of data), but only {remaining} bytes follow. The file is truncated or its header is damaged.", entry);
        }

        long firstAllocation = Remaining is not null ? count
            : Math.Max(InitialUnknownElements, (_compressedLength ?? 0) * CompressedSizeFactor / itemSize);
        float[] result = LargeArrays.AllocateUninitialized((int)Math.Min(count, firstAllocation));
        return ReferenceEquals(convert, ElementConverters.NativeFloat32)
            ? ReadInPlace(result, count, entry)
            : ReadConverted(result, count, itemSize, convert, entry);
    }

    private float[] ReadInPlace(float[] result, int count, string entry)
    {
        int done = 0;
        while (done < count)
        {
            if (done == result.Length)
            {
                result = Grow(result, count, done, done + 1);
            }

            // Up to the capacity: when the length is unknown, memory grows only once real data has filled it.
            int want = Math.Min(count - done, result.Length - done);
            Span<byte> target = MemoryMarshal.AsBytes(result.AsSpan(done, want));
            int got = ReadAtMost(target, entry);
            if (got < target.Length)
            {
                throw Truncated(done + got / sizeof(float), count, (long)(count - done) * sizeof(float) - got, entry);
            }

            done += want;
        }

        return result;
    }

    private float[] ReadConverted(float[] result, int count, int itemSize, ElementConverter convert, string entry)
    {
        long bytes = (long)count * itemSize;
        byte[] chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkBytes, Math.Max(bytes, 1)));
        try
        {
            int done = 0;
            while (done < count)
            {
                int want = (int)Math.Min((long)(count - done) * itemSize, chunk.Length - chunk.Length % itemSize);
                int got = ReadAtMost(chunk.AsSpan(0, want), entry);
                if (got < want)
                {
                    throw Truncated(done + got / itemSize, count, bytes - ((long)done * itemSize + got), entry);
                }

                int n = want / itemSize;
                if (done + n > result.Length)
                {
                    result = Grow(result, count, done, done + n);
                }

                convert(chunk.AsSpan(0, want), result.AsSpan(done, n));
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return result;
    }

    /// <summary>A larger array holding the first <paramref name="done"/> elements: twice the size, at least <paramref name="needed"/>, at most <paramref name="count"/>.</summary>
    private static float[] Grow(float[] result, int count, int done, int needed)
    {
        float[] larger = LargeArrays.AllocateUninitialized((int)Math.Min(count, Math.Max(2L * result.Length, needed)));
        result.AsSpan(0, done).CopyTo(larger);
        return larger;
    }

    private DataFormatException Truncated(int elementsRead, int count, long missingBytes, string entry) =>
        Error($"the data ends after {elementsRead} of {count} elements, {missingBytes} bytes short; the file is truncated.", entry);

    /// <summary>
    /// Checks a shape read from a header and returns its element count. Refuses a count above
    /// <paramref name="maxElements"/>, and shapes whose axes other than the zero ones multiply past
    /// <see cref="Array.MaxLength"/>: an empty array of [0, 65536, 65536] holds nothing, but one sample
    /// of it (65536 × 65536) is more than an array can hold, so no reshape or row of it could work.
    /// </summary>
    public int CheckShape(ReadOnlySpan<long> shape, long maxElements, string entry, long offset)
    {
        // Each axis is at most int.MaxValue (the readers check) and the running product stays at most
        // Array.MaxLength, so the next product is below 2^62 and a long cannot overflow.
        long product = 1;
        bool empty = false;
        foreach (long dimension in shape)
        {
            if (dimension == 0)
            {
                empty = true;
                continue;
            }

            product *= dimension;
            if (product > Array.MaxLength)
            {
                throw Error($"the shape {Show(shape)} is larger than any array can be (its non-zero axes multiply past {Array.MaxLength:N0} elements). The header is damaged.", entry, offset);
            }
        }

        if (empty)
        {
            product = 0;
        }

        if (product > maxElements)
        {
            throw Error($"the shape {Show(shape)} holds {product:N0} elements; the limit is {maxElements:N0}. The header is damaged, or pass a larger maxElements.", entry, offset);
        }

        return (int)product;

        // Formatted only for a message: a load that succeeds should not pay for it.
        static string Show(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
    }

    /// <summary>Reports bytes left after the data; <paramref name="hint"/> says what to do about them.</summary>
    public void ExpectEnd(string hint)
    {
        if (Remaining is long remaining)
        {
            if (remaining > 0)
            {
                throw Error($"found {remaining} bytes after the end of the data, where the file should end. {hint}", "trailer");
            }

            return;
        }

        Span<byte> probe = stackalloc byte[1];
        if (ReadAtMost(probe, "trailer") > 0)
        {
            throw Error($"found more bytes after the end of the data, where the file should end. {hint}", "trailer", Position - 1);
        }
    }

    public void Dispose() => _owned?.Dispose();
}
