namespace LogitNet.Kernels;

/// <summary>Argument checks shared by the row kernels, so a wrong call fails loudly instead of reading past a row.</summary>
internal static class RowChecks
{
    /// <summary>Throws unless <paramref name="x"/> and the destination have the same length, a multiple of <paramref name="columns"/>.</summary>
    public static void RequireRows(ReadOnlySpan<float> x, int destinationLength, int columns)
    {
        if (destinationLength != x.Length)
        {
            throw new ArgumentException(
                $"Expected a destination of {x.Length} values, the length of the source; received {destinationLength}.", "y");
        }

        if (columns < 0 || (columns == 0 ? x.Length != 0 : x.Length % columns != 0))
        {
            throw new ArgumentException(
                $"Expected a whole number of rows of {columns} values; received {x.Length} values.", nameof(columns));
        }
    }

    /// <summary>Throws unless the elementwise destination has the source's length.</summary>
    public static void RequireSameLength(ReadOnlySpan<float> x, int destinationLength)
    {
        if (destinationLength != x.Length)
        {
            throw new ArgumentException(
                $"Expected a destination of {x.Length} values, the length of the source; received {destinationLength}.", "y");
        }
    }
}
