using System.Buffers.Binary;

namespace LogitNet.Data;

/// <summary>
/// Reads and writes IDX files, the format of the original MNIST distribution (<c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>), plain or gzip-compressed (detected by the magic bytes 1F 8B,
/// whatever the file's name; written when the name ends in <c>.gz</c>).
/// </summary>
/// <remarks>
/// <para>
/// An IDX file is a 4-byte magic (two zero bytes, an element-type code, the number of axes), one
/// big-endian 32-bit size per axis, then the elements, big-endian, row-major. Element types:
/// 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. LogitNet tensors
/// have at most 4 axes, so files with more are refused.
/// </para>
/// <para>
/// Damaged or hostile files raise <see cref="DataFormatException"/> with the byte offset: a size
/// that the file's length cannot back is refused before any allocation, and a gzip file is
/// decompressed in bounded chunks, never past the size its header claims nor past
/// <c>maxElements</c>.
/// </para>
/// <example>
/// <code>
/// // The four files from the MNIST distribution, as downloaded (.gz is fine):
/// Dataset train = Idx.ReadDataset("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
/// // train.Features: [60000, 784] in [0, 1]; train.Labels: [60000]; train.ClassCount: 10
/// Tensor images = Idx.Read("t10k-images-idx3-ubyte.gz");   // [10000, 28, 28], values 0-255
/// </code>
/// </example>
/// </remarks>
public static partial class Idx
{
    /// <summary>The default cap on the elements one file may hold: 2^28 (1 GiB as float32).</summary>
    public const long DefaultMaxElements = 1L << 28;

    /// <summary>Reads an IDX file into a float32 tensor with the file's shape and values (no scaling).</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <param name="maxElements">Refuse files that hold more elements than this (at most <see cref="Array.MaxLength"/>).</param>
    /// <returns>A tensor of the file's shape, e.g. <c>[10000, 28, 28]</c> for MNIST test images.</returns>
    /// <exception cref="DataFormatException">The file is not a valid IDX file (the message gives the byte offset).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example><c>Tensor labels = Idx.Read("t10k-labels-idx1-ubyte.gz");  // [10000], values 0-9</c></example>
    public static Tensor Read(string path, long maxElements = DefaultMaxElements)
    {
        using DataSource source = DataSource.OpenFile(path);
        return ReadCore(source, maxElements, out _);
    }

    /// <summary>Reads IDX content from a stream into a float32 tensor with the file's shape and values.</summary>
    /// <param name="stream">The content, plain or gzip-compressed; read to its end, left open.</param>
    /// <param name="sourceName">A name for error messages, e.g. the file name, or null.</param>
    /// <param name="maxElements">Refuse content that holds more elements than this.</param>
    /// <returns>A tensor of the content's shape.</returns>
    /// <exception cref="DataFormatException">The content is not valid IDX.</exception>
    /// <example><c>using var s = File.OpenRead("labels.idx"); Tensor y = Idx.Read(s, "labels.idx");</c></example>
    public static Tensor Read(Stream stream, string? sourceName = null, long maxElements = DefaultMaxElements)
    {
        using DataSource source = DataSource.Open(stream, sourceName, leaveOpen: true);
        return ReadCore(source, maxElements, out _);
    }

    /// <summary>
    /// Reads an images file and a labels file into a dataset, one flattened image per row; uint8
    /// pixels are divided by 255 when <paramref name="normalize"/> is true.
    /// </summary>
    /// <param name="imagesPath">The images, shape <c>[n, ...]</c> (MNIST: <c>[n, 28, 28]</c> uint8).</param>
    /// <param name="labelsPath">The labels, shape <c>[n]</c>, whole numbers from 0.</param>
    /// <param name="normalize">Divide uint8 values by 255 to [0, 1]; other element types are kept as stored.</param>
    /// <param name="classCount">The number of classes, or null for the largest label plus one.</param>
    /// <param name="maxElements">Refuse files that hold more elements than this.</param>
    /// <returns>A dataset with features <c>[n, pixels]</c> (reshape with <c>Features.Reshape(-1, 28, 28)</c> for images) and labels <c>[n]</c>.</returns>
    /// <exception cref="DataFormatException">A file is invalid, the counts disagree, or a label is not a class id.</exception>
    /// <exception cref="IOException">A file cannot be opened or read.</exception>
    /// <example><c>Dataset test = Idx.ReadDataset("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", classCount: 10);</c></example>
    public static Dataset ReadDataset(string imagesPath, string labelsPath, bool normalize = true, int? classCount = null,
        long maxElements = DefaultMaxElements)
    {
        using DataSource images = DataSource.OpenFile(imagesPath);
        using DataSource labels = DataSource.OpenFile(labelsPath);
        return ReadDataset(images, labels, normalize, classCount, maxElements);
    }

    internal static Dataset ReadDataset(DataSource imagesSource, DataSource labelsSource, bool normalize, int? classCount, long maxElements)
    {
        if (classCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Expected at least one class, or null to infer the count from the labels.");
        }

        Tensor images = ReadCore(imagesSource, maxElements, out byte imageType);
        Tensor labels = ReadCore(labelsSource, maxElements, out _);
        RequireSampleAxis(imagesSource, images);
        int count = images.ShapeSpan[0];
        if (labels.Rank != 1 || labels.Length != count)
        {
            throw labelsSource.Error(
                $"expected labels of shape [{count}], one per image of {imagesSource.Name ?? "the images"} {ShapeText.Format(images.ShapeSpan)}; found {ShapeText.Format(labels.ShapeSpan)}. Check that the two files belong together.",
                "header", 3);
        }

        ReadOnlySpan<float> ids = labels.AsSpan();
        float largest = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            float id = ids[i];
            if (!(id >= 0 && id < (classCount ?? 65536)) || id != MathF.Floor(id))
            {
                string expected = classCount is int k ? $"0 to {k - 1}" : "whole numbers from 0 to 65535";
                throw labelsSource.Error($"label {i} is {id}; expected a class id, {expected}.", "data");
            }

            largest = Math.Max(largest, id);
        }

        return new Dataset(AsFeatures(images, imageType, normalize), labels, classCount ?? (int)largest + 1);
    }

    internal static Tensor ReadCore(DataSource source, long maxElements, out byte elementType)
    {
        if (maxElements < 0 || maxElements > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, $"Expected 0 to {Array.MaxLength} elements.");
        }

        Span<byte> magic = stackalloc byte[4];
        source.ReadExactly(magic, "magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw source.Error(
                $"the file does not start like an IDX file: expected the bytes 00 00 then a type code and an axis count; found {magic[0]:X2} {magic[1]:X2}. " +
                "IDX files are the MNIST distribution's format; for .npy files use Npy.Read, for CSV use Csv.Read.", "magic number", 0);
        }

        elementType = magic[2];
        (int itemSize, ElementConverter convert) = elementType switch
        {
            0x08 => (1, ElementConverters.For<byte>(bigEndian: true)),
            0x09 => (1, ElementConverters.For<sbyte>(bigEndian: true)),
            0x0B => (2, ElementConverters.For<short>(bigEndian: true)),
            0x0C => (4, ElementConverters.For<int>(bigEndian: true)),
            0x0D => (4, ElementConverters.For<float>(bigEndian: true)),
            0x0E => (8, ElementConverters.For<double>(bigEndian: true)),
            _ => throw source.Error(
                $"unknown element type code 0x{magic[2]:X2}; expected 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float32) or 0x0E (float64).",
                "magic number", 2),
        };

        int rank = magic[3];
        if (rank > Tensor.MaxRank)
        {
            throw source.Error($"the file has {rank} axes; LogitNet tensors hold at most {Tensor.MaxRank}. Reshape the data before saving it.", "magic number", 3);
        }

        long[] shape = new long[rank];
        Span<byte> size = stackalloc byte[4];
        for (int axis = 0; axis < rank; axis++)
        {
            long at = source.Position;
            source.ReadExactly(size, $"size of axis {axis}");
            uint dimension = BinaryPrimitives.ReadUInt32BigEndian(size);
            if (dimension > int.MaxValue)
            {
                throw source.Error($"axis {axis} claims {dimension} elements; at most {int.MaxValue} are possible. The header is damaged.", $"size of axis {axis}", at);
            }

            shape[axis] = dimension;
        }

        int elements = source.CheckShape(shape, maxElements, "header", 4);
        float[] data = source.ReadElements(elements, itemSize, convert, "data");
        source.ExpectEnd("An IDX file holds exactly the elements its header declares; the header's sizes may be damaged.");
        return Tensor.Wrap(data, 0, Array.ConvertAll(shape, d => (int)d));
    }
}
