namespace LogitNet;

/// <summary>Formats shapes the same way in every message: <c>[2, 3]</c>.</summary>
internal static class ShapeText
{
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>The number of values in one sample of a built layer's shape (sizes already checked to fit an int).</summary>
    public static int Product(ReadOnlySpan<int> shape)
    {
        int product = 1;
        foreach (int size in shape)
        {
            product = checked(product * size);
        }

        return product;
    }
}
