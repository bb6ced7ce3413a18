using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogitNet.Data;

namespace LogitNet.Serialization;

/// <summary>
/// Reads and writes tensors in the safetensors format (Hugging Face, 2022): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
/// then the raw little-endian data. Readable by <c>safetensors</c>, NumPy and PyTorch tooling.
/// LogitNet writes and reads <c>F32</c> (weights, optimizer slots) and <c>I64</c>/<c>U64</c>
/// (step counts, random-generator states); see <see cref="SafeTensor"/>.
/// </summary>
/// <remarks>
/// The reader trusts nothing: the header length, every shape and every byte range are checked
/// against the bytes actually present before anything is allocated for them, ranges must tile the
/// data exactly, and any fault is a <see cref="DataFormatException"/> naming the entry and offset.
/// </remarks>
internal static class SafeTensors
{
    /// <summary>The largest header accepted (the format's own readers use 100 MB; ours are a few KB).</summary>
    private const long MaxHeaderBytes = 1 << 20;

    public static void Write(Stream stream, IReadOnlyList<(string Name, SafeTensor Value)> tensors)
    {
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "logitnet");
            json.WriteEndObject();
            long offset = 0;
            foreach ((string name, SafeTensor value) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", value.DType);
                json.WriteStartArray("shape");
                foreach (int size in value.Shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)value.Length * value.ElementSize;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad the header with spaces to a multiple of 8 so the data starts aligned, as the format allows.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        foreach ((string _, SafeTensor value) in tensors)
        {
            if (value.Values is { } values)
            {
                WriteLittleEndian(stream, values.AsSpan());
            }
            else
            {
                WriteLittleEndian(stream, value.Words!);
            }
        }
    }

    /// <summary>Reads every tensor of a safetensors stream of known length.</summary>
    /// <param name="stream">The content, positioned at its start.</param>
    /// <param name="length">The content's length in bytes (from the container), used to bound every allocation.</param>
    /// <param name="file">The file name for messages.</param>
    /// <param name="entry">The entry name for messages.</param>
    public static Dictionary<string, SafeTensor> Read(Stream stream, long length, string file, string entry)
    {
        if (length < 8)
        {
            throw new DataFormatException($"A safetensors file needs at least its 8-byte header length; this one has {length} bytes.", file, entry, 0);
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(stream, lengthBytes, file, entry, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, length - 8))
        {
            throw new DataFormatException(
                $"The header claims {headerLength} bytes, but at most {Math.Min(MaxHeaderBytes, length - 8)} are possible here.", file, entry, 0);
        }

        byte[] header = new byte[headerLength];
        ReadExactly(stream, header, file, entry, 8);

        // The JSON reader checks the text of names and strings only when they are read, and then throws
        // InvalidOperationException; checking the whole header first keeps every fault a format error.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new DataFormatException("The header is not valid UTF-8 text.", file, entry, 8);
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = length - dataStart;
        List<(string Name, string DType, int[] Shape, long Begin, long End)> specs = ParseHeader(header, dataLength, file, entry);

        // The ranges must tile [0, dataLength) exactly: no gaps, no overlaps, nothing left over.
        specs.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long expected = 0;
        foreach ((string name, string _, int[] _, long begin, long end) in specs)
        {
            if (begin != expected)
            {
                throw new DataFormatException($"Tensor '{name}' starts at data byte {begin}, expected {expected}: ranges overlap or leave a gap.", file, entry, dataStart + begin);
            }

            expected = end;
        }

        if (expected != dataLength)
        {
            throw new DataFormatException($"The tensors cover {expected} data bytes but the data holds {dataLength}.", file, entry, dataStart + expected);
        }

        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach ((string name, string dtype, int[] shape, long begin, long end) in specs)
        {
            if (dtype == "F32")
            {
                var values = new float[(end - begin) / sizeof(float)];
                Span<byte> target = MemoryMarshal.AsBytes(values.AsSpan());
                ReadExactly(stream, target, file, entry, dataStart + begin);
                if (!BitConverter.IsLittleEndian)
                {
                    Span<int> words = MemoryMarshal.Cast<float, int>(values.AsSpan());
                    BinaryPrimitives.ReverseEndianness(words, words);
                }

                tensors[name] = SafeTensor.FromFile(dtype, shape, values, null);
            }
            else
            {
                var words = new ulong[(end - begin) / sizeof(ulong)];
                ReadExactly(stream, MemoryMarshal.AsBytes(words.AsSpan()), file, entry, dataStart + begin);
                if (!BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(words, words);
                }

                tensors[name] = SafeTensor.FromFile(dtype, shape, null, words);
            }
        }

        return tensors;
    }

    private static List<(string, string, int[], long, long)> ParseHeader(byte[] header, long dataLength, string file, string entry)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"The header is not valid JSON: {e.Message}", file, entry, 8 + (e.BytePositionInLine ?? 0), innerException: e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException("The header must be a JSON object of tensors.", file, entry, 8);
            }

            var specs = new List<(string, string, int[], long, long)>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                string where = $"{entry}: tensor '{property.Name}'";
                JsonElement spec = property.Value;
                if (spec.ValueKind != JsonValueKind.Object
                    || !spec.TryGetProperty("dtype", out JsonElement dtype)
                    || !spec.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
                    || !spec.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                {
                    throw new DataFormatException("Expected {\"dtype\", \"shape\", \"data_offsets\": [begin, end]}.", file, where, 8);
                }

                string? dtypeName = dtype.ValueKind == JsonValueKind.String ? dtype.GetString() : null;
                int elementSize = SafeTensor.ElementSizeOf(dtypeName);
                if (elementSize == 0)
                {
                    throw new DataFormatException($"Only F32, I64 and U64 tensors are supported; this one is {dtype}.", file, where, 8);
                }

                if (shapeElement.GetArrayLength() > Tensor.MaxRank)
                {
                    throw new DataFormatException($"Expected at most {Tensor.MaxRank} axes; the shape has {shapeElement.GetArrayLength()}.", file, where, 8);
                }

                long count = 1;
                var shape = new int[shapeElement.GetArrayLength()];
                int axis = 0;
                foreach (JsonElement size in shapeElement.EnumerateArray())
                {
                    if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out int value) || value < 0)
                    {
                        throw new DataFormatException($"Axis {axis} of the shape is {size}, not a size.", file, where, 8);
                    }

                    // Compared by division, so a product of large axes cannot overflow before it is refused;
                    // a zero axis leaves the count at 0. The count must also fit an array.
                    shape[axis++] = value;
                    if (value > 0 && count > Math.Min(dataLength / elementSize, Array.MaxLength) / value)
                    {
                        throw new DataFormatException($"The shape claims more than the {dataLength} data bytes present.", file, where, 8);
                    }

                    count *= value;
                }

                JsonElement beginElement = offsets[0], endElement = offsets[1];
                if (!beginElement.TryGetInt64(out long begin) || !endElement.TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
                {
                    throw new DataFormatException($"The byte range [{beginElement}, {endElement}] does not lie inside the {dataLength} data bytes.", file, where, 8);
                }

                if (end - begin != count * elementSize)
                {
                    throw new DataFormatException($"The byte range holds {end - begin} bytes but shape {ShapeText.Format(shape)} of {dtypeName} needs {count * elementSize}.", file, where, 8);
                }

                specs.Add((property.Name, dtypeName!, shape, begin, end));
            }

            return specs;
        }
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> word = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(word, value);
            stream.Write(word);
        }
    }

    private static void WriteLittleEndian(Stream stream, ulong[] words)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(words.AsSpan()));
            return;
        }

        Span<byte> word = stackalloc byte[8];
        foreach (ulong value in words)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, value);
            stream.Write(word);
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> target, string file, string entry, long offset)
    {
        int read = 0;
        while (read < target.Length)
        {
            int n = stream.Read(target[read..]);
            if (n == 0)
            {
                throw new DataFormatException($"The content ends after {offset + read} bytes; {target.Length - read} more were expected.", file, entry, offset + read);
            }

            read += n;
        }
    }
}
