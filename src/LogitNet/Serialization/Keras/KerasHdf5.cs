using LogitNet.Data;
using PureHDF;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// Guarded access to the HDF5 inside a Keras file through PureHDF: every read checks the sizes the
/// file claims against what the caller expects before anything is allocated, and any fault the
/// HDF5 reader meets in a damaged or hostile file becomes a <see cref="DataFormatException"/>
/// naming the object.
/// </summary>
internal static class KerasHdf5
{
    /// <summary>The first bytes of every HDF5 file without a user block (Keras writes none).</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The longest string attribute read (a Keras config is tens of KB; 85 KB for a MobileNet).</summary>
    public const int MaxStringBytes = 64 << 20;

    public static bool HasSignature(ReadOnlySpan<byte> head) => head.Length >= 8 && head[..8].SequenceEqual(Signature);

    /// <summary>Opens HDF5 bytes held in memory (the file itself, or the entry of a zip).</summary>
    public static IH5Group Open(byte[] bytes, string file, string? entry) =>
        Guard(() => (IH5Group)H5File.Open(new MemoryStream(bytes, writable: false), leaveOpen: false), file, entry, "the HDF5 superblock");

    /// <summary>Runs a PureHDF call, turning whatever a damaged file makes it throw into a format error.</summary>
    public static T Guard<T>(Func<T> read, string file, string? entry, string what)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not (DataFormatException or NotSupportedException or OutOfMemoryException or StackOverflowException))
        {
            throw new DataFormatException($"The HDF5 data is damaged or not what a Keras file holds ({what}): {e.Message}", file, entry, innerException: e);
        }
        catch (OutOfMemoryException e)
        {
            throw new DataFormatException($"The HDF5 data claims more memory than it can hold ({what}).", file, entry, innerException: e);
        }
    }

    /// <summary>The child object at <paramref name="name"/>, or null when the link is absent.</summary>
    public static IH5Object? Child(IH5Group group, string name, string file, string? entry) =>
        Guard(() => group.LinkExists(name) ? group.Get(name) : null, file, entry, $"link '{name}'");

    /// <summary>The names and objects directly under a group.</summary>
    public static List<IH5Object> Children(IH5Group group, string file, string? entry) =>
        Guard(() => group.Children().ToList(), file, entry, $"children of '{group.Name}'");

    public static bool HasAttribute(IH5Object obj, string name, string file, string? entry) =>
        Guard(() => obj.AttributeExists(name), file, entry, $"attribute '{name}'");

    /// <summary>A string attribute (fixed- or variable-length, bytes or UTF-8), or null when absent.</summary>
    public static string? StringAttribute(IH5Object obj, string name, string file, string? entry)
    {
        if (!HasAttribute(obj, name, file, entry))
        {
            return null;
        }

        return Guard(() =>
        {
            IH5Attribute attribute = obj.Attribute(name);
            CheckStringType(attribute.Type, name);
            if (attribute.Space.Dimensions.Length != 0 && Count(attribute.Space.Dimensions) != 1)
            {
                throw new DataFormatException($"Attribute '{name}' holds {Count(attribute.Space.Dimensions)} values; expected one string.");
            }

            string? value = attribute.Space.Dimensions.Length == 0 ? attribute.Read<string>() : attribute.Read<string[]>()[0];
            return value is null ? throw new DataFormatException($"Attribute '{name}' holds a string that cannot be read.")
                : value.Length > MaxStringBytes ? throw new DataFormatException($"Attribute '{name}' is {value.Length} characters long; at most {MaxStringBytes} are read.") : value;
        }, file, entry, $"attribute '{name}'");
    }

    /// <summary>A list-of-strings attribute (Keras's <c>layer_names</c> and <c>weight_names</c>), or null when absent.</summary>
    public static string[]? StringsAttribute(IH5Object obj, string name, long maxCount, string file, string? entry)
    {
        if (!HasAttribute(obj, name, file, entry))
        {
            return null;
        }

        return Guard(() =>
        {
            IH5Attribute attribute = obj.Attribute(name);
            ulong count = Count(attribute.Space.Dimensions);
            if (count == 0 || attribute.Space.Type == H5DataspaceType.Null)
            {
                // Keras writes an empty float array for a layer without weights.
                return [];
            }

            CheckStringType(attribute.Type, name);
            if (attribute.Space.Dimensions.Length > 1 || count > (ulong)maxCount)
            {
                throw new DataFormatException($"Attribute '{name}' holds {count} strings; at most {maxCount} are expected here.");
            }

            string[] values = attribute.Space.Dimensions.Length == 0 ? [attribute.Read<string>()] : attribute.Read<string[]>();
            return values.All(v => v is not null) ? values : throw new DataFormatException($"Attribute '{name}' holds a string that cannot be read.");
        }, file, entry, $"attribute '{name}'");
    }

    /// <summary>
    /// Reads a floating-point dataset whose shape must be <paramref name="shape"/> (a scalar when it is
    /// empty) into <paramref name="target"/>; the shape and type are checked before any data is read.
    /// </summary>
    public static void ReadFloats(IH5Dataset dataset, int[] shape, Span<float> target, string what, string file, string? entry)
    {
        ulong[] dims = Guard(() => dataset.Space.Dimensions, file, entry, what);
        (H5DataTypeClass typeClass, int size) = Guard(() => (dataset.Type.Class, dataset.Type.Size), file, entry, what);
        bool sameShape = dims.Length == shape.Length && dims.Select((d, i) => d == (ulong)shape[i]).All(same => same);
        if (!sameShape)
        {
            // The loader decides whether the file or the caller's LoadOptions.InputShape is at fault.
            throw new KerasShapeMisfitException(new DataFormatException(
                $"{what} has shape {FormatDims(dims)}; the architecture needs {ShapeText.Format(shape)}.", file, entry));
        }

        if (typeClass != H5DataTypeClass.FloatingPoint || size is not (2 or 4 or 8))
        {
            throw new DataFormatException($"{what} holds {typeClass} values of {size} bytes; expected float32 (or float16/float64).", file, entry);
        }

        Span<float> destination = target;
        float[] values = Guard(() => size switch
        {
            4 => dataset.Read<float[]>(),
            8 => Array.ConvertAll(dataset.Read<double[]>(), v => (float)v),
            _ => Array.ConvertAll(dataset.Read<Half[]>(), v => (float)v),
        }, file, entry, what);
        if (values.Length != destination.Length)
        {
            throw new DataFormatException($"{what} holds {values.Length} values; expected {destination.Length}.", file, entry);
        }

        values.CopyTo(destination);
    }

    public static ulong Count(ulong[] dims)
    {
        ulong count = 1;
        foreach (ulong d in dims)
        {
            count = d != 0 && count > ulong.MaxValue / d ? ulong.MaxValue : count * d;
        }

        return count;
    }

    public static string FormatDims(ulong[] dims) => $"[{string.Join(", ", dims)}]";

    private static void CheckStringType(IH5DataType type, string name)
    {
        // h5py writes Python str as variable-length strings and bytes as fixed-length ones; PureHDF
        // reads both as string, and refuses a variable-length sequence of anything else itself.
        if (type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
        {
            throw new DataFormatException($"Attribute '{name}' holds {type.Class} values; expected text.");
        }
    }
}
