namespace LogitNet;

public static partial class Ops
{
    /// <summary>The index of the largest value along the last axis: the predicted class of each row.</summary>
    /// <param name="x">Scores (logits or probabilities), classes on the last axis; rank 1 or more.</param>
    /// <returns>
    /// A new tensor of the leading shape of <paramref name="x"/> (<c>[n]</c> for <c>[n, k]</c>) holding
    /// the class ids as floats, the form sparse labels take. Ties go to the first largest value, as
    /// numpy's <c>argmax</c>; a row holding NaN gives NaN (NaN in, NaN out).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is a scalar or its last axis is empty.</exception>
    /// <example><c>Ops.ArgMax(Tensor.FromArray([0.1f, 0.7f, 0.2f, 3f, -1f, 3f], 2, 3))</c> is [1, 0].</example>
    public static Tensor ArgMax(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0 || x.ShapeSpan[^1] == 0)
        {
            throw new ArgumentException($"Expected scores with classes on a non-empty last axis; received shape {ShapeText.Format(x.ShapeSpan)}.", nameof(x));
        }

        int classes = x.ShapeSpan[^1];
        Tensor result = Tensor.Zeros(x.ShapeSpan[..^1].ToArray());
        ReadOnlySpan<float> values = x.AsSpan();
        Span<float> ids = result.AsSpan();
        for (int row = 0; row < ids.Length; row++)
        {
            int best = Metrics.MeanMetric.ArgMax(values.Slice(row * classes, classes));
            ids[row] = best < 0 ? float.NaN : best;
        }

        return result;
    }

    /// <summary>One-hot rows from class ids: 1 at each id's position on a new last axis, 0 elsewhere.</summary>
    /// <param name="labels">Class ids (integers stored as floats), any shape of rank 0 to 3.</param>
    /// <param name="classes">The number of classes, the new last axis's size; positive.</param>
    /// <returns>A new tensor of shape <c>[...labels' shape, classes]</c>, the targets <c>CategoricalCrossentropy</c> takes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, or a label is not an integer in 0..classes-1 (the message gives its index).</exception>
    /// <example><c>Ops.OneHot(Tensor.FromLabels([2, 0]), 3)</c> is [[0, 0, 1], [1, 0, 0]].</example>
    public static Tensor OneHot(Tensor labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        Tensor result = Tensor.Zeros([.. labels.ShapeSpan, classes]);
        ReadOnlySpan<float> ids = labels.AsSpan();
        Span<float> rows = result.AsSpan();
        for (int i = 0; i < ids.Length; i++)
        {
            float id = ids[i];
            if (!(id >= 0 && id < classes && id == MathF.Round(id)))
            {
                throw new ArgumentOutOfRangeException(nameof(labels), id,
                    $"labels (flat index {i}) holds {id}; expected a class id in 0..{classes - 1}.");
            }

            rows[(i * classes) + (int)id] = 1f;
        }

        return result;
    }
}
