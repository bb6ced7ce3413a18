using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace LogitNet.Data;

public static partial class Idx
{
    /// <summary>
    /// Writes <paramref name="tensor"/> as an IDX file of unsigned bytes (type 0x08, as MNIST's images
    /// and labels), gzip-compressed when <paramref name="path"/> ends in <c>.gz</c>.
    /// </summary>
    /// <param name="path">The file to create or overwrite; a name ending in <c>.gz</c> (any case) gets gzip content.</param>
    /// <param name="tensor">The values, each a whole number from 0 to 255, with 1 to 4 axes: <c>[n, 28, 28]</c> images, <c>[n]</c> labels.</param>
    /// <remarks>
    /// Every value is checked before the file is opened, so a tensor that does not fit leaves no file
    /// behind. Features scaled to [0, 1] are not bytes: multiply by 255 and round them first.
    /// <see cref="Read(string, long)"/> gives back the same shape and values.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty; or <paramref name="tensor"/> is a scalar, or holds a value
    /// that is not a whole number from 0 to 255 (the message gives its index).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <example>
    /// <code>
    /// Dataset digits = Datasets.Digits();                                  // pixels 0-16, labels 0-9
    /// Idx.Write("digits-images-idx3-ubyte.gz", digits.Features.Reshape(-1, 8, 8));
    /// Idx.Write("digits-labels-idx1-ubyte.gz", digits.Labels);
    /// Dataset again = Idx.ReadDataset("digits-images-idx3-ubyte.gz", "digits-labels-idx1-ubyte.gz", normalize: false);
    /// </code>
    /// </example>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] content = Encode(tensor, nameof(tensor));
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
            gzip.Write(content);
        }
        else
        {
            file.Write(content);
        }
    }

    /// <summary>Writes <paramref name="tensor"/> to a stream as plain (uncompressed) IDX content of unsigned bytes (type 0x08).</summary>
    /// <param name="stream">The destination; left open. Wrap it in a <see cref="GZipStream"/> for compressed content.</param>
    /// <param name="tensor">The values, each a whole number from 0 to 255, with 1 to 4 axes.</param>
    /// <remarks>Every value is checked before anything is written to <paramref name="stream"/>.</remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> is a scalar, or holds a value that is not a whole number from 0 to 255.</exception>
    /// <example><c>Idx.Write(memoryStream, Tensor.FromArray([3f, 1f, 4f], 3));</c> writes 00 00 08 01, 00 00 00 03, then 03 01 04.</example>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Encode(tensor, nameof(tensor)));
    }

    /// <summary>The whole file: magic, big-endian sizes, one byte per value; every value checked first.</summary>
    private static byte[] Encode(Tensor tensor, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(tensor, argumentName);
        ReadOnlySpan<int> shape = tensor.ShapeSpan;
        if (shape.Length == 0)
        {
            throw new ArgumentException(
                "Expected a tensor with 1 to 4 axes, the first counting the samples (images [n, 28, 28], labels [n]); received a scalar. Reshape it to [1].",
                argumentName);
        }

        int header = 4 + 4 * shape.Length;
        byte[] content = GC.AllocateUninitializedArray<byte>(header + tensor.Length);
        content[0] = 0;
        content[1] = 0;
        content[2] = 0x08;
        content[3] = (byte)shape.Length;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4 + 4 * axis), shape[axis]);
        }

        ReadOnlySpan<float> values = tensor.AsSpan();
        Span<byte> bytes = content.AsSpan(header);
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            // Written so that NaN fails too: every comparison with NaN is false.
            if (!(value >= 0 && value <= 255) || value != MathF.Floor(value))
            {
                throw new ArgumentException(
                    $"Idx.Write stores unsigned bytes: expected whole numbers from 0 to 255; received {value.ToString(CultureInfo.InvariantCulture)} " +
                    $"at {IndexText(i, shape)} of a tensor of shape {ShapeText.Format(shape)}. " +
                    "Scale and round the values first (pixels in [0, 1]: multiply by 255 and round), or save floats with Npy.Write.",
                    argumentName);
            }

            bytes[i] = (byte)value;
        }

        return content;
    }

    /// <summary>The multi-axis index of flat position <paramref name="flat"/>, e.g. <c>[1, 0, 3]</c>.</summary>
    private static string IndexText(int flat, ReadOnlySpan<int> shape)
    {
        Span<int> index = stackalloc int[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }

        return ShapeText.Format(index);
    }
}
