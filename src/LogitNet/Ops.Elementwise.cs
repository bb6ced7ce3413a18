using System.Numerics.Tensors;

namespace LogitNet;

public static partial class Ops
{
    /// <summary>Adds two tensors elementwise; <paramref name="b"/> may be broadcast over the leading axes of <paramref name="a"/>.</summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand: the shape of <paramref name="a"/>, or a trailing part of it (a bias <c>[n]</c> onto <c>[m, n]</c>).</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>: effectively <c>result[i] = a[i] + b[i mod b.Length]</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shape of <paramref name="b"/> is not a trailing part of the shape of <paramref name="a"/>.</exception>
    /// <example><c>Ops.Add(Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2), Tensor.FromArray([10f, 20f], 2))</c> is [[11, 22], [13, 24]].</example>
    public static Tensor Add(Tensor a, Tensor b) => Broadcast(a, b, nameof(a), nameof(b), TensorPrimitives.Add);

    /// <summary>Subtracts <paramref name="b"/> from <paramref name="a"/> elementwise, broadcasting <paramref name="b"/> over leading axes.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend: the shape of <paramref name="a"/>, or a trailing part of it.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>: effectively <c>result[i] = a[i] - b[i mod b.Length]</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shape of <paramref name="b"/> is not a trailing part of the shape of <paramref name="a"/>.</exception>
    /// <example><c>Ops.Subtract(Tensor.FromArray([5f, 7f], 2), Tensor.FromArray([1f, 2f], 2))</c> is [4, 5].</example>
    public static Tensor Subtract(Tensor a, Tensor b) => Broadcast(a, b, nameof(a), nameof(b), TensorPrimitives.Subtract);

    /// <summary>Multiplies two tensors elementwise, broadcasting <paramref name="b"/> over the leading axes of <paramref name="a"/>.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor: the shape of <paramref name="a"/>, or a trailing part of it.</param>
    /// <returns>A new tensor of the shape of <paramref name="a"/>: effectively <c>result[i] = a[i] * b[i mod b.Length]</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shape of <paramref name="b"/> is not a trailing part of the shape of <paramref name="a"/>.</exception>
    /// <example><c>Ops.Multiply(Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2), Tensor.FromArray([0f, 10f], 2))</c> is [[0, 20], [0, 40]].</example>
    public static Tensor Multiply(Tensor a, Tensor b) => Broadcast(a, b, nameof(a), nameof(b), TensorPrimitives.Multiply);

    /// <summary>Multiplies every element by a scalar.</summary>
    /// <param name="x">The tensor.</param>
    /// <param name="factor">The scalar factor.</param>
    /// <returns>A new tensor: effectively <c>result[i] = x[i] * factor</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <example><c>Ops.Scale(Tensor.FromArray([1f, -2f], 2), 0.5f)</c> is [0.5, -1].</example>
    public static Tensor Scale(Tensor x, float factor)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor result = Tensor.Uninitialized(x.ShapeSpan);
        TensorPrimitives.Multiply(x.AsSpan(), factor, result.AsSpan());
        return result;
    }

    /// <summary>The rectified linear unit, elementwise: <c>max(x, 0)</c>.</summary>
    /// <param name="x">The tensor.</param>
    /// <returns>A new tensor: effectively <c>result[i] = x[i] &gt; 0 ? x[i] : 0</c>; NaN stays NaN.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <example><c>Ops.Relu(Tensor.FromArray([-1f, 0f, 2f], 3))</c> is [0, 0, 2].</example>
    public static Tensor Relu(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor result = Tensor.Uninitialized(x.ShapeSpan);
        // TensorPrimitives.Max returns NaN when either operand is NaN, so a NaN input is never hidden as 0.
        TensorPrimitives.Max(x.AsSpan(), 0f, result.AsSpan());
        return result;
    }

    /// <summary>
    /// The backward pass of <see cref="Relu"/>: passes the gradient through where the input was
    /// positive and blocks it elsewhere (the derivative at 0 is taken as 0, as in Keras and PyTorch).
    /// </summary>
    /// <param name="outputGradient">The gradient of the loss with respect to the ReLU's output.</param>
    /// <param name="input">The ReLU's input, of the same shape.</param>
    /// <returns>A new tensor: effectively <c>result[i] = input[i] &gt; 0 ? outputGradient[i] : 0</c>, and NaN where <c>input[i]</c> is NaN.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <example><c>Ops.ReluBackward(Tensor.FromArray([5f, 5f], 2), Tensor.FromArray([-1f, 3f], 2))</c> is [0, 5].</example>
    public static Tensor ReluBackward(Tensor outputGradient, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        ArgumentNullException.ThrowIfNull(input);
        Tensor.RequireSameShape(outputGradient, input, nameof(outputGradient), nameof(input));
        Tensor result = Tensor.Uninitialized(input.ShapeSpan);
        ReadOnlySpan<float> gradient = outputGradient.AsSpan();
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> destination = result.AsSpan();
        for (int i = 0; i < destination.Length; i++)
        {
            float xi = x[i];
            destination[i] = xi > 0 ? gradient[i] : float.IsNaN(xi) ? float.NaN : 0f;
        }

        return result;
    }

    /// <summary>The sum of all elements, accumulated in double precision and rounded once.</summary>
    /// <param name="x">The tensor.</param>
    /// <returns>A scalar tensor (shape <c>[]</c>); 0 for an empty tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <example><c>Ops.Sum(Tensor.FromArray([1f, 2f, 3f], 3)).ToScalar()</c> is 6.</example>
    public static Tensor Sum(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double total = 0;
        foreach (float v in x.AsSpan())
        {
            total += v;
        }

        return Tensor.Scalar((float)total);
    }

    /// <summary>Sums over one axis, accumulating in double precision; the axis is removed from the shape.</summary>
    /// <param name="x">The tensor, rank 1 or more.</param>
    /// <param name="axis">The axis to sum over; negative counts from the end (-1 is the last axis).</param>
    /// <returns>A new tensor whose shape is that of <paramref name="x"/> without <paramref name="axis"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is not an axis of <paramref name="x"/>.</exception>
    /// <example>For <c>x = [[1, 2], [3, 4]]</c>, <c>Ops.Sum(x, axis: 0)</c> is [4, 6] (the bias gradient of a batch) and <c>Ops.Sum(x, axis: -1)</c> is [3, 7].</example>
    public static Tensor Sum(Tensor x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        ReadOnlySpan<int> shape = x.ShapeSpan;
        int resolved = axis < 0 ? axis + shape.Length : axis;
        if ((uint)resolved >= (uint)shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis,
                $"A tensor of shape {ShapeText.Format(shape)} has axes 0 to {shape.Length - 1} (or -{shape.Length} to -1).");
        }

        int outer = 1, inner = 1;
        for (int i = 0; i < resolved; i++)
        {
            outer *= shape[i];
        }

        for (int i = resolved + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        int count = shape[resolved];
        int[] resultShape = [.. shape[..resolved], .. shape[(resolved + 1)..]];
        Tensor result = Tensor.Uninitialized(resultShape);
        ReadOnlySpan<float> source = x.AsSpan();
        Span<float> destination = result.AsSpan();
        double[] accumulator = new double[inner];
        for (int o = 0; o < outer; o++)
        {
            Array.Clear(accumulator);
            ReadOnlySpan<float> block = source.Slice(o * count * inner, count * inner);
            for (int c = 0; c < count; c++)
            {
                ReadOnlySpan<float> row = block.Slice(c * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    accumulator[i] += row[i];
                }
            }

            Span<float> target = destination.Slice(o * inner, inner);
            for (int i = 0; i < inner; i++)
            {
                target[i] = (float)accumulator[i];
            }
        }

        return result;
    }

    private delegate void BinarySpanOperation(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);

    private static Tensor Broadcast(Tensor a, Tensor b, string aName, string bName, BinarySpanOperation operation)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        ReadOnlySpan<int> aShape = a.ShapeSpan;
        ReadOnlySpan<int> bShape = b.ShapeSpan;
        if (bShape.Length > aShape.Length || !aShape[(aShape.Length - bShape.Length)..].SequenceEqual(bShape))
        {
            throw new ArgumentException(
                $"Expected {bName} to have the shape of {aName}, {ShapeText.Format(aShape)}, or a trailing part of it (to broadcast over the leading axes); received {ShapeText.Format(bShape)}.",
                bName);
        }

        Tensor result = Tensor.Uninitialized(aShape);
        ReadOnlySpan<float> x = a.AsSpan();
        ReadOnlySpan<float> y = b.AsSpan();
        Span<float> destination = result.AsSpan();
        int block = y.Length;
        if (block == 0)
        {
            return result;
        }

        for (int start = 0; start < x.Length; start += block)
        {
            operation(x.Slice(start, block), y, destination.Slice(start, block));
        }

        return result;
    }
}
