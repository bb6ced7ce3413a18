namespace LogitNet;

/// <summary>Formats shapes the same way in every message: <c>[2, 3]</c>.</summary>
internal static class ShapeText
{
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
