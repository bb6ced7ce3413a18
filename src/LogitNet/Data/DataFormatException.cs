namespace LogitNet.Data;

/// <summary>
/// A data file (CSV, NumPy <c>.npy</c>, IDX, an embedded dataset) or a saved model (<c>Sequential.Load</c>) is damaged, truncated, or not
/// in the format its loader expects. The message says what was found, what was expected and
/// where; the properties carry the same location for code that wants it.
/// </summary>
/// <remarks>
/// Every loader in <see cref="LogitNet.Data"/> reports a bad file with this exception and no other:
/// a truncated or hostile file never surfaces as <see cref="EndOfStreamException"/>,
/// <see cref="OverflowException"/> or <see cref="InvalidDataException"/>, and a size the file cannot
/// back is refused before anything is allocated for it. Errors of the
/// environment (a missing file, a denied permission, a failing disk) are not format errors and
/// propagate as the usual <see cref="IOException"/> family.
/// <example>
/// <code>
/// try { Tensor x = Npy.Read("features.npy"); }
/// catch (DataFormatException e)
/// {
///     Console.Error.WriteLine($"{e.FilePath} at byte {e.Offset}: {e.Message}");
/// }
/// </code>
/// </example>
/// </remarks>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception with a message and the location of the fault.</summary>
    /// <param name="message">What was found, what was expected, and how to fix it.</param>
    /// <param name="filePath">The file (or stream or resource name) being read, if known.</param>
    /// <param name="entry">The part of the file at fault, e.g. <c>header 'shape'</c> or <c>data</c>, if known.</param>
    /// <param name="offset">The byte offset of the fault from the start of the (decompressed) content, if known.</param>
    /// <param name="line">The 1-based line of a text file, if known.</param>
    /// <param name="column">The 1-based column (field) of a text file, if known.</param>
    /// <param name="innerException">The lower-level error that revealed the fault, if any.</param>
    public DataFormatException(string message, string? filePath = null, string? entry = null, long? offset = null,
        int? line = null, int? column = null, Exception? innerException = null)
        : base(Compose(message, filePath, entry, offset, line, column), innerException)
    {
        FilePath = filePath;
        Entry = entry;
        Offset = offset;
        Line = line;
        Column = column;
    }

    /// <summary>The file, stream or embedded resource being read, or null when the caller gave no name.</summary>
    public string? FilePath { get; }

    /// <summary>The part of the file at fault (a header key, a dimension, <c>data</c>), or null.</summary>
    public string? Entry { get; }

    /// <summary>The byte offset of the fault from the start of the content (after decompression for gzip files), or null.</summary>
    public long? Offset { get; }

    /// <summary>The 1-based line number for text formats, or null.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column (field) number for text formats, or null.</summary>
    public int? Column { get; }

    private static string Compose(string message, string? filePath, string? entry, long? offset, int? line, int? column)
    {
        var where = new List<string>(5);
        if (filePath is not null) where.Add(filePath);
        if (line is not null) where.Add($"line {line}");
        if (column is not null) where.Add($"column {column}");
        if (entry is not null) where.Add(entry);
        if (offset is not null) where.Add($"byte {offset}");
        return where.Count == 0 ? message : $"{string.Join(", ", where)}: {message}";
    }
}
