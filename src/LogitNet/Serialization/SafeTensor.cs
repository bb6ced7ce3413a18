namespace LogitNet.Serialization;

/// <summary>
/// One tensor of a safetensors file as LogitNet stores it: float32 values (<c>F32</c>: weights and
/// optimizer slots), or 64-bit integers (<c>I64</c>: step counts; <c>U64</c>: random-generator states).
/// </summary>
internal sealed class SafeTensor
{
    private SafeTensor(string dtype, int[] shape, Tensor? values, ulong[]? words)
    {
        DType = dtype;
        Shape = shape;
        Values = values;
        Words = words;
    }

    /// <summary>The format's dtype name: <c>F32</c>, <c>I64</c> or <c>U64</c>.</summary>
    public string DType { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The values of an <c>F32</c> tensor, else null.</summary>
    public Tensor? Values { get; }

    /// <summary>The bits of an <c>I64</c> or <c>U64</c> tensor (two's complement for I64), else null.</summary>
    public ulong[]? Words { get; }

    /// <summary>The size of one element in bytes.</summary>
    public int ElementSize => Values is null ? sizeof(ulong) : sizeof(float);

    /// <summary>The number of elements.</summary>
    public int Length => Values?.Length ?? Words!.Length;

    /// <summary>An <c>F32</c> tensor holding <paramref name="values"/> (not copied).</summary>
    public static SafeTensor Float32(Tensor values) => new("F32", values.Shape, values, null);

    /// <summary>A scalar <c>I64</c> tensor.</summary>
    public static SafeTensor Int64(long value) => new("I64", [], null, [unchecked((ulong)value)]);

    /// <summary>A one-axis <c>U64</c> tensor holding <paramref name="words"/> (not copied).</summary>
    public static SafeTensor UInt64(ulong[] words) => new("U64", [words.Length], null, words);

    /// <summary>The element size of a dtype LogitNet reads, or 0 for any other.</summary>
    public static int ElementSizeOf(string? dtype) => dtype switch
    {
        "F32" => sizeof(float),
        "I64" or "U64" => sizeof(ulong),
        _ => 0,
    };

    /// <summary>Wraps values read from a file, already in this machine's byte order: <paramref name="values"/> for F32, else <paramref name="words"/>.</summary>
    public static SafeTensor FromFile(string dtype, int[] shape, float[]? values, ulong[]? words) =>
        new(dtype, shape, values is null ? null : Tensor.Wrap(values, 0, shape), words);
}
