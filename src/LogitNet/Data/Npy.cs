using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LogitNet.Data;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files, so arrays move between numpy and LogitNet without
/// conversion scripts.
/// </summary>
/// <remarks>
/// <para>
/// Reading accepts format versions 1.0, 2.0 and 3.0; element types float32, float64, int8, uint8,
/// int16, uint16, int32, uint32, int64 and uint64 in either byte order (<c>'&lt;f4'</c>,
/// <c>'&gt;i8'</c>, <c>'|u1'</c>, ...); C (row-major) order; up to 4 axes. Every type is converted
/// to float32: float64 rounds to nearest, integers are exact up to 2^24 in magnitude. Fortran-order
/// and structured arrays are refused with a message saying how to re-save them. The header is
/// parsed, never evaluated, and may not exceed 65,536 bytes; a size the file cannot back is
/// refused before any allocation. Gzip-compressed content (<c>.npy.gz</c>) is detected by its
/// magic bytes and read in bounded chunks.
/// </para>
/// <para>Writing produces version 1.0 files of little-endian float32 (<c>'&lt;f4'</c>), readable by <c>np.load</c>.</para>
/// <example>
/// <code>
/// // Python: np.save("x.npy", x.astype(np.float32)); np.save("y.npy", y)
/// Tensor x = Npy.Read("x.npy");                 // e.g. [60000, 784]
/// Tensor y = Npy.Read("y.npy");                 // int64 labels become float class ids
/// Npy.Write("logits.npy", model.Predict(x));    // Python: np.load("logits.npy")
/// </code>
/// </example>
/// </remarks>
public static class Npy
{
    /// <summary>The default cap on the elements one file may hold: 2^28 (1 GiB as float32).</summary>
    public const long DefaultMaxElements = 1L << 28;

    /// <summary>Reads a <c>.npy</c> file into a float32 tensor of the same shape.</summary>
    /// <param name="path">The file (plain, or gzip-compressed).</param>
    /// <param name="maxElements">Refuse arrays with more elements than this (at most <see cref="Array.MaxLength"/>).</param>
    /// <returns>A tensor with the array's shape and its values converted to float32.</returns>
    /// <exception cref="DataFormatException">The file is not a valid or supported <c>.npy</c> file; the message gives the byte offset and the fix.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example><c>Tensor x = Npy.Read("features.npy");</c></example>
    public static Tensor Read(string path, long maxElements = DefaultMaxElements)
    {
        using DataSource source = DataSource.OpenFile(path);
        Tensor result = ReadCore(source, maxElements);
        source.ExpectEnd("The file holds more than one array (np.save called repeatedly on one file?); read it with Npy.Read(Stream) once per array.");
        return result;
    }

    /// <summary>
    /// Reads one array from a stream, leaving the stream just after it, so a stream holding several
    /// arrays written one after the other can be read by repeated calls.
    /// </summary>
    /// <param name="stream">The content; left open. If it is gzip-compressed, the whole stream is one array.</param>
    /// <param name="sourceName">A name for error messages, e.g. the file name, or null.</param>
    /// <param name="maxElements">Refuse arrays with more elements than this.</param>
    /// <returns>A float32 tensor with the array's shape.</returns>
    /// <exception cref="DataFormatException">The content is not a valid or supported array.</exception>
    /// <example><c>using var s = File.OpenRead("pair.npy"); Tensor a = Npy.Read(s), b = Npy.Read(s);</c></example>
    public static Tensor Read(Stream stream, string? sourceName = null, long maxElements = DefaultMaxElements)
    {
        // Plain content is read exactly to the array's last byte, so the stream is left at the next array.
        using DataSource source = DataSource.Open(stream, sourceName, leaveOpen: true);
        return ReadCore(source, maxElements);
    }

    /// <summary>Writes <paramref name="tensor"/> as a version 1.0 <c>.npy</c> file of little-endian float32.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="tensor">The values and shape to write.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <example><c>Npy.Write("probs.npy", Ops.Softmax(logits));</c> then in Python <c>np.load("probs.npy")</c>.</example>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        Write(file, tensor);
    }

    /// <summary>Writes <paramref name="tensor"/> to a stream as a version 1.0 <c>.npy</c> array of little-endian float32.</summary>
    /// <param name="stream">The destination; left open.</param>
    /// <param name="tensor">The values and shape to write.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <example><c>Npy.Write(memoryStream, Tensor.FromArray([1f, 2f], 2));</c></example>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        string shape = tensor.Rank switch
        {
            0 => "()",
            1 => $"({tensor.ShapeSpan[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape) + ")",
        };
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // numpy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
        int unpadded = NpyHeader.Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', padding) + "\n";

        Span<byte> prefix = stackalloc byte[10];
        NpyHeader.Magic.CopyTo(prefix);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));

        ReadOnlySpan<float> values = tensor.AsSpan();
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        byte[] chunk = new byte[4096];
        for (int i = 0; i < values.Length; i += chunk.Length / 4)
        {
            int n = Math.Min(chunk.Length / 4, values.Length - i);
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * j), values[i + j]);
            stream.Write(chunk, 0, 4 * n);
        }
    }

    internal static Tensor ReadCore(DataSource source, long maxElements)
    {
        if (maxElements < 0 || maxElements > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, $"Expected 0 to {Array.MaxLength} elements.");
        }

        (NpyHeader header, long headerStart) = NpyHeader.Read(source);
        int rank = header.Shape.Length;
        if (rank > Tensor.MaxRank)
        {
            throw source.Error($"the array has {rank} axes (shape {FormatShape(header.Shape)}); LogitNet tensors hold at most {Tensor.MaxRank}. Reshape it in numpy first, e.g. a.reshape(len(a), -1).", "header 'shape'", headerStart);
        }

        if (header.FortranOrder && rank > 1)
        {
            throw source.Error("the array is stored in Fortran (column-major) order; LogitNet reads C (row-major) order. Re-save it with np.save(path, np.ascontiguousarray(a)).", "header 'fortran_order'", headerStart);
        }

        (int itemSize, ElementConverter convert) = Decoder(header.Descr, source, headerStart);
        int elements = source.CheckShape(header.Shape, maxElements, "header 'shape'", headerStart);
        int[] shape = Array.ConvertAll(header.Shape, d => (int)d);
        float[] data = source.ReadElements(elements, itemSize, convert, "data");
        return Tensor.Wrap(data, 0, shape);
    }

    private static (int ItemSize, ElementConverter Convert) Decoder(string descr, DataSource source, long headerStart)
    {
        char order = descr.Length > 0 && descr[0] is '<' or '>' or '|' or '=' ? descr[0] : '=';
        string type = order == '=' && !descr.StartsWith('=') ? descr : descr[1..];
        bool bigEndian = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        (int size, ElementConverter? convert) = type switch
        {
            "f4" => (4, ElementConverters.For<float>(bigEndian)),
            "f8" => (8, ElementConverters.For<double>(bigEndian)),
            "i1" => (1, ElementConverters.For<sbyte>(bigEndian)),
            "u1" => (1, ElementConverters.For<byte>(bigEndian)),
            "i2" => (2, ElementConverters.For<short>(bigEndian)),
            "u2" => (2, ElementConverters.For<ushort>(bigEndian)),
            "i4" => (4, ElementConverters.For<int>(bigEndian)),
            "u4" => (4, ElementConverters.For<uint>(bigEndian)),
            "i8" => (8, ElementConverters.For<long>(bigEndian)),
            "u8" => (8, ElementConverters.For<ulong>(bigEndian)),
            _ => (0, null),
        };
        if (convert is null)
        {
            string shown = descr.Length <= 20 ? descr : descr[..20] + "...";
            throw source.Error(
                $"the dtype '{shown}' is not supported; LogitNet reads float32, float64 and 8- to 64-bit integers ('<f4', '<f8', '|u1', '<i4', '<i8', ...). Convert it in numpy, e.g. a.astype(np.float32).",
                "header 'descr'", headerStart);
        }

        if (order == '|' && size > 1)
        {
            throw source.Error($"the dtype '{descr}' has no byte order ('|') but {size}-byte elements; expected '<' or '>'. The header is damaged.", "header 'descr'", headerStart);
        }

        return (size, convert);
    }

    private static string FormatShape(long[] shape) =>
        "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + (shape.Length == 1 ? ",)" : ")");
}
