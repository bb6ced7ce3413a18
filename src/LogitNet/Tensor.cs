using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LogitNet;

/// <summary>
/// A float32 array of rank 0 to 4, contiguous and row-major (the last axis varies fastest).
/// </summary>
/// <remarks>
/// <para>
/// A tensor is a view on a buffer: <see cref="Reshape"/> and <see cref="Slice"/> return tensors
/// that share the same memory, so a batch of rows costs no copy. Writes through one view are seen
/// by the others. <see cref="FromArray(float[], int[])"/> and <see cref="ToArray"/> copy, so a tensor never
/// aliases an array the caller still holds.
/// </para>
/// <para>The shape is fixed for the tensor's life; the values are mutable. Not thread-safe for writes.</para>
/// <para>
/// On Linux the factories (<see cref="Zeros"/>, <see cref="FromArray(float[], int[])"/>, <see cref="FromLabels"/>,
/// <see cref="Clone"/> and those built on them) and the loaders ask for transparent huge pages for a tensor of 4 MiB or
/// more, as numpy does for its arrays: a training set gathered row by row in shuffled order then misses the TLB once per
/// 2 MiB instead of once per row, and its first fill does not fault at every 4 KiB.
/// </para>
/// <example>
/// <code>
/// Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
/// float v = x[1, 2];                  // 6
/// Tensor firstRow = x.Slice(0, 1);    // shape [1, 3], shares x's memory
/// Tensor flat = x.Reshape(-1);        // shape [6]
/// </code>
/// </example>
/// </remarks>
public sealed class Tensor
{
    /// <summary>The largest rank a tensor may have.</summary>
    public const int MaxRank = 4;

    private readonly float[] _buffer;
    private readonly int _offset;
    private readonly int[] _shape;
    private readonly int _length;

    private Tensor(float[] buffer, int offset, int[] shape, int length)
    {
        _buffer = buffer;
        _offset = offset;
        _shape = shape;
        _length = length;
    }

    /// <summary>Wraps <paramref name="buffer"/> without copying, for the library's own results.</summary>
    internal static Tensor Wrap(float[] buffer, int offset, int[] shape)
    {
        int[] checkedShape = CheckShape(shape, nameof(shape), out int length);
        if ((uint)offset > (uint)buffer.Length || buffer.Length - offset < length)
        {
            throw new ArgumentException($"A buffer of {buffer.Length} values from offset {offset} cannot hold shape {ShapeText.Format(shape)}.", nameof(buffer));
        }

        return new Tensor(buffer, offset, checkedShape, length);
    }

    /// <summary>A new tensor of the given shape whose values the caller will overwrite.</summary>
    internal static Tensor Uninitialized(ReadOnlySpan<int> shape)
    {
        int[] checkedShape = CheckShape(shape.ToArray(), nameof(shape), out int length);
        // Not advised huge pages: these are the library's transient results (Predict's outputs, Ops), and the advice takes
        // the process's memory-map lock, which concurrent calls on a shared model would queue on.
        return new Tensor(GC.AllocateUninitializedArray<float>(length), 0, checkedShape, length);
    }

    /// <summary>
    /// A new tensor of zeros whose first element starts a 64-byte cache line, in a pinned buffer so
    /// that it stays there. For parameters, their gradients and optimizer state, which two threads
    /// update in halves cut on a multiple of 16 elements: then no cache line holds elements of
    /// both halves, and none travels between the cores. On Linux a tensor of 2 MiB or more starts a
    /// 2 MiB page and asks for huge pages (<see cref="Data.LargeArrays.ZerosOnHugePages"/>; not within
    /// 2 MiB of the largest array, nor where the advice is unavailable).
    /// </summary>
    internal static unsafe Tensor ZerosAligned(ReadOnlySpan<int> shape)
    {
        const int lineFloats = CacheLineBytes / sizeof(float);
        int[] checkedShape = CheckShape(shape.ToArray(), nameof(shape), out int length);
        if (Data.LargeArrays.HugePagesPay(length))
        {
            float[] large = Data.LargeArrays.ZerosOnHugePages(length, out int start);
            return new Tensor(large, start, checkedShape, length);
        }

        float[] buffer = GC.AllocateArray<float>(length + lineFloats - 1, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        int offset = (int)((CacheLineBytes - address % CacheLineBytes) % CacheLineBytes) / sizeof(float);
        return new Tensor(buffer, offset, checkedShape, length);
    }

    /// <summary>The cache line size that <see cref="ZerosAligned"/> aligns to (x64 and Arm64 alike).</summary>
    internal const int CacheLineBytes = 64;

    /// <summary>The size of each axis, outermost first. A copy: changing it does not change the tensor.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of axes (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements: the product of the shape (1 for a scalar).</summary>
    public int Length => _length;

    /// <summary>The shape without a copy, for the library's own use.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>The backing buffer, shared with every view of it.</summary>
    internal float[] Buffer => _buffer;

    /// <summary>Where this tensor's first element sits in <see cref="Buffer"/>.</summary>
    internal int Offset => _offset;

    /// <summary>Creates a tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    /// <param name="data">The values in row-major order; its length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The size of each axis, 0 to 4 axes; one axis may be -1 to infer it from the length.</param>
    /// <returns>A new tensor that owns its copy of the values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or <paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape is invalid or does not match the length of <paramref name="data"/>.</exception>
    /// <example><c>Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2)</c> is the 2×2 matrix [[1, 2], [3, 4]].</example>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] resolved = ResolveShape(shape, data.Length, nameof(shape));
        return new Tensor(Data.LargeArrays.CopyOf(data), 0, resolved, data.Length);
    }

    /// <summary>Creates a 2-D tensor holding a copy of a rectangular array, rows first.</summary>
    /// <param name="data">The values, <c>[rows, columns]</c>: one sample per row, as <c>Fit</c> takes them.</param>
    /// <returns>A new tensor of shape <c>[rows, columns]</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <example>
    /// <code>
    /// Tensor x = Tensor.FromArray(new float[,] { { 200f, 13.9f }, { 200f, 17f }, { 120f, 14f } });   // shape [3, 2]
    /// </code>
    /// </example>
    public static Tensor FromArray(float[,] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int rows = data.GetLength(0), columns = data.GetLength(1);
        float[] values = Data.LargeArrays.AllocateUninitialized(data.Length);
        // A rectangular array is stored row-major, so one block copy keeps the order.
        System.Buffer.BlockCopy(data, 0, values, 0, values.Length * sizeof(float));
        return new Tensor(values, 0, [rows, columns], values.Length);
    }

    /// <summary>
    /// Creates the label tensor for sparse losses and metrics from integer class ids (or 0/1 targets):
    /// shape <c>[n]</c>, each id stored as a float, as LogitNet keeps sparse labels.
    /// </summary>
    /// <param name="labels">The class ids, one per sample.</param>
    /// <returns>A new tensor of shape <c>[n]</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is beyond ±2^24, where a float32 no longer holds every integer.</exception>
    /// <example><c>Tensor y = Tensor.FromLabels([0, 2, 1]);</c> is <c>[0, 2, 1]</c> for <c>SparseCategoricalCrossentropy</c>.</example>
    public static Tensor FromLabels(int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        float[] values = Data.LargeArrays.AllocateUninitialized(labels.Length);
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if (label is > 1 << 24 or < -(1 << 24))
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label,
                    $"labels[{i}] is {label}; class ids up to 2^24 (16,777,216) are stored exactly in float32, larger ones are not.");
            }

            values[i] = label;
        }

        return new Tensor(values, 0, [labels.Length], values.Length);
    }

    /// <summary>
    /// The values as integers: class ids from <see cref="Ops.ArgMax"/>, <c>PredictClasses</c> or a label tensor.
    /// </summary>
    /// <returns>A new array, one integer per element, in row-major order.</returns>
    /// <exception cref="InvalidOperationException">An element is not an integer in the range of <see cref="int"/> (NaN included); the message gives its index.</exception>
    public int[] ToLabels()
    {
        ReadOnlySpan<float> values = AsSpan();
        var labels = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v == MathF.Round(v) && v >= int.MinValue && v < 2147483648f))
            {
                throw new InvalidOperationException($"Element {i} is {v}, not an integer class id; ToLabels converts class ids only.");
            }

            labels[i] = (int)v;
        }

        return labels;
    }

    /// <summary>Creates a tensor of zeros.</summary>
    /// <param name="shape">The size of each axis, 0 to 4 axes, each non-negative.</param>
    /// <returns>A new tensor filled with 0.</returns>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public static Tensor Zeros(params int[] shape)
    {
        int[] checkedShape = CheckShape(shape, nameof(shape), out int length);
        return new Tensor(Data.LargeArrays.AllocateZeroed(length), 0, checkedShape, length);
    }

    /// <summary>Creates a tensor of ones.</summary>
    /// <param name="shape">The size of each axis, 0 to 4 axes, each non-negative.</param>
    /// <returns>A new tensor filled with 1.</returns>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    /// <summary>Creates a tensor with every element set to <paramref name="value"/>.</summary>
    /// <param name="value">The fill value.</param>
    /// <param name="shape">The size of each axis, 0 to 4 axes, each non-negative.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public static Tensor Full(float value, params int[] shape)
    {
        Tensor result = Zeros(shape);
        result.AsSpan().Fill(value);
        return result;
    }

    /// <summary>Creates a rank-0 tensor holding one value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>A scalar tensor (shape <c>[]</c>).</returns>
    public static Tensor Scalar(float value) => new([value], 0, [], 1);

    /// <summary>
    /// Creates a tensor of values drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>),
    /// the same values for the same seed on every run and platform.
    /// </summary>
    /// <param name="shape">The size of each axis, 0 to 4 axes.</param>
    /// <param name="low">The inclusive lower bound.</param>
    /// <param name="high">The exclusive upper bound; must be greater than <paramref name="low"/>.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are not finite or <paramref name="high"/> is not above <paramref name="low"/>.</exception>
    /// <example><c>Tensor.RandomUniform([2, 3], -1f, 1f, seed: 42)</c></example>
    public static Tensor RandomUniform(int[] shape, float low, float high, long seed)
    {
        if (!float.IsFinite(low) || !float.IsFinite(high) || !(high > low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high,
                $"Expected finite bounds with high > low; received low = {low}, high = {high}.");
        }

        Tensor result = Zeros(shape);
        new RandomSource(seed).FillUniform(result.AsSpan(), low, high);
        return result;
    }

    /// <summary>
    /// Creates a tensor of values drawn from a normal distribution, the same values for the same
    /// seed on every run.
    /// </summary>
    /// <param name="shape">The size of each axis, 0 to 4 axes.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="standardDeviation">The standard deviation; must be non-negative and finite.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite or the standard deviation is negative or not finite.</exception>
    /// <example><c>Tensor.RandomNormal([100, 2], 0f, 1f, seed: 7)</c></example>
    public static Tensor RandomNormal(int[] shape, float mean, float standardDeviation, long seed)
    {
        if (!float.IsFinite(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "Expected a finite mean.");
        }

        if (!float.IsFinite(standardDeviation) || standardDeviation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation,
                "Expected a finite, non-negative standard deviation.");
        }

        Tensor result = Zeros(shape);
        new RandomSource(seed).FillNormal(result.AsSpan(), mean, standardDeviation);
        return result;
    }

    /// <summary>The elements of this tensor, in row-major order, without a copy.</summary>
    /// <returns>A span over this tensor's part of the shared buffer.</returns>
    public Span<float> AsSpan() => _buffer.AsSpan(_offset, _length);

    /// <summary>Copies the elements, in row-major order, into a new array.</summary>
    /// <returns>A new array of <see cref="Length"/> values.</returns>
    public float[] ToArray() => AsSpan().ToArray();

    /// <summary>The value of a tensor with exactly one element (a scalar, or shape <c>[1]</c>, <c>[1, 1]</c>, ...).</summary>
    /// <returns>The single value.</returns>
    /// <exception cref="InvalidOperationException">The tensor holds more or fewer than one element.</exception>
    public float ToScalar()
    {
        if (_length != 1)
        {
            throw new InvalidOperationException(
                $"ToScalar needs a tensor with exactly one element; this one has shape {ShapeText.Format(_shape)} ({_length} elements). Index it, or reduce it first.");
        }

        return _buffer[_offset];
    }

    /// <summary>Gets or sets an element of a rank-1 tensor.</summary>
    /// <param name="i0">The index on axis 0.</param>
    /// <exception cref="ArgumentException">The tensor's rank is not 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside its axis.</exception>
    public float this[int i0]
    {
        get => _buffer[IndexOf(i0)];
        set => _buffer[IndexOf(i0)] = value;
    }

    /// <summary>Gets or sets an element of a rank-2 tensor.</summary>
    /// <param name="i0">The index on axis 0 (the row).</param>
    /// <param name="i1">The index on axis 1 (the column).</param>
    /// <exception cref="ArgumentException">The tensor's rank is not 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    public float this[int i0, int i1]
    {
        get => _buffer[IndexOf(i0, i1)];
        set => _buffer[IndexOf(i0, i1)] = value;
    }

    /// <summary>Gets or sets an element of a rank-3 tensor.</summary>
    /// <param name="i0">The index on axis 0.</param>
    /// <param name="i1">The index on axis 1.</param>
    /// <param name="i2">The index on axis 2.</param>
    /// <exception cref="ArgumentException">The tensor's rank is not 3.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    public float this[int i0, int i1, int i2]
    {
        get => _buffer[IndexOf(i0, i1, i2)];
        set => _buffer[IndexOf(i0, i1, i2)] = value;
    }

    /// <summary>Gets or sets an element of a rank-4 tensor.</summary>
    /// <param name="i0">The index on axis 0.</param>
    /// <param name="i1">The index on axis 1.</param>
    /// <param name="i2">The index on axis 2.</param>
    /// <param name="i3">The index on axis 3.</param>
    /// <exception cref="ArgumentException">The tensor's rank is not 4.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    public float this[int i0, int i1, int i2, int i3]
    {
        get => _buffer[IndexOf(i0, i1, i2, i3)];
        set => _buffer[IndexOf(i0, i1, i2, i3)] = value;
    }

    /// <summary>
    /// Returns a view of the same elements with another shape (no copy). One axis may be -1: its
    /// size is inferred from the element count.
    /// </summary>
    /// <param name="shape">The new shape; its product must equal <see cref="Length"/>.</param>
    /// <returns>A tensor sharing this tensor's memory.</returns>
    /// <exception cref="ArgumentException">The new shape is invalid or holds a different number of elements.</exception>
    /// <example><c>Tensor.Zeros(2, 3).Reshape(3, -1)</c> has shape [3, 2].</example>
    public Tensor Reshape(params int[] shape)
    {
        int[] resolved = ResolveShape(shape, _length, nameof(shape), _shape);
        return new Tensor(_buffer, _offset, resolved, _length);
    }

    /// <summary>
    /// Returns the rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1
    /// along axis 0, as a view (no copy): the way to take a batch.
    /// </summary>
    /// <param name="start">The first row.</param>
    /// <param name="count">The number of rows; may be 0.</param>
    /// <returns>A tensor of shape <c>[count, ...]</c> sharing this tensor's memory.</returns>
    /// <exception cref="InvalidOperationException">The tensor is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside axis 0.</exception>
    /// <example><c>x.Slice(32, 32)</c> is the second batch of 32 rows of <c>x</c>.</example>
    public Tensor Slice(int start, int count)
    {
        if (_shape.Length == 0)
        {
            throw new InvalidOperationException("Slice takes rows along axis 0; a scalar has no axes.");
        }

        int rows = _shape[0];
        if (start < 0 || start > rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"Expected a start row in [0, {rows}] for a tensor of shape {ShapeText.Format(_shape)}.");
        }

        if (count < 0 || count > rows - start)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"Rows {start} to {start + count - 1} do not fit axis 0 of a tensor of shape {ShapeText.Format(_shape)}; at most {rows - start} rows remain from row {start}.");
        }

        int rowLength = rows == 0 ? 0 : _length / rows;
        int[] shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(_buffer, _offset + start * rowLength, shape, count * rowLength);
    }

    /// <summary>Copies this tensor into a new tensor that owns its memory.</summary>
    /// <returns>A tensor with the same shape and values and a buffer of its own.</returns>
    public Tensor Clone() => new(Data.LargeArrays.CopyOf(AsSpan()), 0, (int[])_shape.Clone(), _length);

    /// <summary>A short description: the shape and the first few values.</summary>
    /// <returns>For example <c>Tensor[2, 3] {1, 2, 3, 4, 5, 6}</c>.</returns>
    public override string ToString()
    {
        const int Shown = 8;
        ReadOnlySpan<float> values = AsSpan();
        IEnumerable<string> head = values[..Math.Min(Shown, values.Length)].ToArray()
            .Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        string more = values.Length > Shown ? ", ..." : "";
        return $"Tensor{ShapeText.Format(_shape)} {{{string.Join(", ", head)}{more}}}";
    }

    /// <summary>Throws unless <paramref name="other"/> has exactly this tensor's shape.</summary>
    internal static void RequireSameShape(Tensor first, Tensor other, string firstName, string otherName)
    {
        if (!first.ShapeSpan.SequenceEqual(other.ShapeSpan))
        {
            throw new ArgumentException(
                $"Expected {otherName} to have the shape of {firstName}, {ShapeText.Format(first.ShapeSpan)}; received {ShapeText.Format(other.ShapeSpan)}.",
                otherName);
        }
    }

    private int IndexOf(int i0)
    {
        RequireRank(1);
        return _offset + CheckIndex(i0, 0);
    }

    private int IndexOf(int i0, int i1)
    {
        RequireRank(2);
        return _offset + CheckIndex(i0, 0) * _shape[1] + CheckIndex(i1, 1);
    }

    private int IndexOf(int i0, int i1, int i2)
    {
        RequireRank(3);
        return _offset + (CheckIndex(i0, 0) * _shape[1] + CheckIndex(i1, 1)) * _shape[2] + CheckIndex(i2, 2);
    }

    private int IndexOf(int i0, int i1, int i2, int i3)
    {
        RequireRank(4);
        return _offset + ((CheckIndex(i0, 0) * _shape[1] + CheckIndex(i1, 1)) * _shape[2] + CheckIndex(i2, 2)) * _shape[3]
            + CheckIndex(i3, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RequireRank(int indexCount)
    {
        if (_shape.Length != indexCount)
        {
            throw new ArgumentException(
                $"A tensor of shape {ShapeText.Format(_shape)} takes {_shape.Length} indices; received {indexCount}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CheckIndex(int index, int axis)
    {
        if ((uint)index >= (uint)_shape[axis])
        {
            throw new ArgumentOutOfRangeException($"i{axis}", index,
                $"Index {index} is outside axis {axis} of size {_shape[axis]} (tensor shape {ShapeText.Format(_shape)}).");
        }

        return index;
    }

    private static int[] CheckShape(int[] shape, string argumentName, out int length)
    {
        ArgumentNullException.ThrowIfNull(shape, argumentName);
        if (shape.Length > MaxRank)
        {
            throw new ArgumentException(
                $"Tensors have at most {MaxRank} axes; received shape {ShapeText.Format(shape)} with {shape.Length}.", argumentName);
        }

        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (shape[axis] < 0)
            {
                throw new ArgumentException(
                    $"Axis {axis} of shape {ShapeText.Format(shape)} is negative; sizes must be 0 or more.", argumentName);
            }
        }

        // A zero anywhere makes the tensor empty, however large the other axes.
        long product = Array.IndexOf(shape, 0) >= 0 ? 0 : 1;
        for (int axis = 0; axis < shape.Length && product > 0; axis++)
        {
            product *= shape[axis];
            if (product > Array.MaxLength)
            {
                throw new ArgumentException(
                    $"Shape {ShapeText.Format(shape)} holds more than {Array.MaxLength} elements, the most one array can hold.", argumentName);
            }
        }

        length = (int)product;
        return (int[])shape.Clone();
    }

    private static int[] ResolveShape(int[] shape, int length, string argumentName, int[]? currentShape = null)
    {
        ArgumentNullException.ThrowIfNull(shape, argumentName);
        int inferredAxis = Array.IndexOf(shape, -1);
        if (inferredAxis >= 0)
        {
            if (Array.IndexOf(shape, -1, inferredAxis + 1) >= 0)
            {
                throw new ArgumentException(
                    $"At most one axis may be -1 (inferred); received shape {ShapeText.Format(shape)}.", argumentName);
            }

            long known = 1;
            for (int axis = 0; axis < shape.Length; axis++)
            {
                if (axis != inferredAxis)
                {
                    known *= Math.Max(shape[axis], 0);
                }
            }

            if (known == 0 || length % known != 0)
            {
                throw new ArgumentException(
                    $"Cannot infer axis {inferredAxis} of shape {ShapeText.Format(shape)} for {length} elements{From(currentShape)}: {length} is not a multiple of {known}.",
                    argumentName);
            }

            shape = (int[])shape.Clone();
            shape[inferredAxis] = (int)(length / known);
        }

        int[] result = CheckShape(shape, argumentName, out int product);
        if (product != length)
        {
            throw new ArgumentException(
                $"Shape {ShapeText.Format(shape)} holds {product} elements, but there are {length}{From(currentShape)}. The product of the shape must equal the number of elements.",
                argumentName);
        }

        return result;
    }

    private static string From(int[]? currentShape) =>
        currentShape is null ? "" : $" (from shape {ShapeText.Format(currentShape)})";
}
