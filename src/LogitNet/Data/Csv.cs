using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LogitNet.Data;

/// <summary>
/// Reads numeric tables from CSV (or any delimiter-separated) text: a whole table into a tensor,
/// or a table with a label column into a <see cref="Dataset"/>.
/// </summary>
/// <remarks>
/// <para>
/// Numbers are read in the invariant culture (<c>-1.5e3</c>, <c>.</c> as the decimal point,
/// <c>NaN</c> and <c>Infinity</c> accepted, and numpy's <c>nan</c>, <c>inf</c> and <c>-inf</c>, in any
/// case) whatever the machine's locale. Fields may be quoted (RFC 4180: <c>"..."</c>, <c>""</c> for a
/// quote inside). Line ends may be \n, \r\n or \r; blank lines are skipped; a UTF-8 byte-order mark
/// is ignored. Missing values are not imputed: an empty field is an error, as is a row with a different
/// number of fields than the first.
/// </para>
/// <para>
/// Errors are <see cref="DataFormatException"/>s naming the file, the line and the column.
/// </para>
/// <example>
/// <code>
/// // iris.csv: sepal_length,sepal_width,petal_length,petal_width,species
/// Dataset iris = Csv.ReadDataset("iris.csv", labelColumn: "species");
/// // iris.Features [150, 4]; iris.ClassNames ["setosa", "versicolor", "virginica"]
/// Tensor table = Csv.Read("measurements.csv", hasHeader: true);   // [rows, columns]
/// </code>
/// </example>
/// </remarks>
public static class Csv
{
    /// <summary>The default cap on the numbers one file may hold: 2^28 (1 GiB as float32).</summary>
    public const long DefaultMaxElements = 1L << 28;

    /// <summary>Reads a table of numbers into a tensor of shape <c>[rows, columns]</c>.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="hasHeader">True when the first line holds column names (it is then skipped).</param>
    /// <param name="delimiter">The field separator: ',' (default), ';', '\t', ...</param>
    /// <param name="maxElements">Refuse files with more numbers than this.</param>
    /// <returns>A tensor with one row per data line.</returns>
    /// <exception cref="DataFormatException">A field is not a number, a row is ragged, or the file has no data rows; the message names line and column.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example><c>Tensor x = Csv.Read("x.csv", hasHeader: true);</c></example>
    public static Tensor Read(string path, bool hasHeader = false, char delimiter = ',', long maxElements = DefaultMaxElements)
    {
        using StreamReader reader = OpenFile(path);
        return ReadTable(reader, path, hasHeader, delimiter, maxElements);
    }

    /// <summary>Reads a table of numbers from a stream (UTF-8) into a tensor of shape <c>[rows, columns]</c>.</summary>
    /// <param name="stream">The text; left open.</param>
    /// <param name="sourceName">A name for error messages, or null.</param>
    /// <param name="hasHeader">True when the first line holds column names.</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="maxElements">Refuse content with more numbers than this.</param>
    /// <returns>A tensor with one row per data line.</returns>
    /// <exception cref="DataFormatException">The content is not a well-formed numeric table.</exception>
    /// <example><c>Tensor x = Csv.Read(stream, "upload.csv", hasHeader: true);</c></example>
    public static Tensor Read(Stream stream, string? sourceName = null, bool hasHeader = false, char delimiter = ',', long maxElements = DefaultMaxElements)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        return ReadTable(reader, sourceName, hasHeader, delimiter, maxElements);
    }

    /// <summary>
    /// Reads a table whose first line names the columns, taking the column named
    /// <paramref name="labelColumn"/> as the labels and every other column as a feature.
    /// </summary>
    /// <param name="path">The CSV file, with a header line.</param>
    /// <param name="labelColumn">The name of the label column, as in the header.</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="maxElements">Refuse files with more numbers than this.</param>
    /// <returns>A dataset; see <see cref="ReadDataset(string, int, bool, char, long)"/> for how labels become class ids.</returns>
    /// <exception cref="DataFormatException">The column is missing, a feature is not a number, or a row is ragged.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example><c>Dataset iris = Csv.ReadDataset("iris.csv", labelColumn: "species");</c></example>
    public static Dataset ReadDataset(string path, string labelColumn, char delimiter = ',', long maxElements = DefaultMaxElements)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelColumn);
        using StreamReader reader = OpenFile(path);
        return ReadDataset(reader, path, hasHeader: true, labelColumn, 0, delimiter, maxElements);
    }

    /// <summary>
    /// Reads a table, taking column <paramref name="labelColumn"/> as the labels and every other
    /// column as a feature.
    /// </summary>
    /// <remarks>
    /// Labels that are all whole numbers from 0 to 65535 are the class ids themselves (class count =
    /// largest + 1). Any other labels (<c>setosa</c>, <c>-1</c>/<c>1</c>, <c>yes</c>/<c>no</c>) are
    /// sorted (numerically when all are numbers, else ordinally) and numbered from 0, and
    /// <see cref="Dataset.ClassNames"/> keeps the original text.
    /// </remarks>
    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumn">The label column's 0-based index; negative counts from the end (-1 = last).</param>
    /// <param name="hasHeader">True when the first line holds column names (it is then skipped).</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="maxElements">Refuse files with more numbers than this.</param>
    /// <returns>A dataset with features <c>[rows, columns - 1]</c> and labels <c>[rows]</c>.</returns>
    /// <exception cref="DataFormatException">The column does not exist, a feature is not a number, or a row is ragged.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example><c>Dataset d = Csv.ReadDataset("digits.csv", labelColumn: -1);</c> reads scikit-learn's digits.csv (label last).</example>
    public static Dataset ReadDataset(string path, int labelColumn, bool hasHeader = false, char delimiter = ',', long maxElements = DefaultMaxElements)
    {
        using StreamReader reader = OpenFile(path);
        return ReadDataset(reader, path, hasHeader, null, labelColumn, delimiter, maxElements);
    }

    private static StreamReader OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return new StreamReader(file, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    internal static Tensor ReadTable(TextReader reader, string? name, bool hasHeader, char delimiter, long maxElements)
    {
        Table table = Parse(reader, name, hasHeader, null, null, delimiter, maxElements);
        return table.Features();
    }

    internal static Dataset ReadDataset(TextReader reader, string? name, bool hasHeader, string? labelName, int labelIndex, char delimiter, long maxElements)
    {
        Table table = Parse(reader, name, hasHeader, labelName, labelIndex, delimiter, maxElements);
        Labels labels = table.Labels!;
        string[] distinct = labels.Names.ToArray();
        double[] numeric = new double[distinct.Length];
        bool allNumbers = true, allIds = true;
        for (int i = 0; i < distinct.Length; i++)
        {
            allNumbers &= double.TryParse(distinct[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numeric[i]) && double.IsFinite(numeric[i]);
            allIds &= allNumbers && numeric[i] >= 0 && numeric[i] <= 65535 && numeric[i] == Math.Floor(numeric[i]);
        }

        int[] idOfCode = new int[distinct.Length];
        string[]? classNames = null;
        int classCount;
        if (allIds)
        {
            for (int i = 0; i < distinct.Length; i++) idOfCode[i] = (int)numeric[i];
            classCount = distinct.Length == 0 ? 1 : idOfCode.Max() + 1;
        }
        else
        {
            int[] order = Enumerable.Range(0, distinct.Length).ToArray();
            if (allNumbers)
            {
                // Equal values in the order first seen (codes count up from the first row), so a class takes its first spelling.
                Array.Sort(order, (a, b) => numeric[a] != numeric[b] ? numeric[a].CompareTo(numeric[b]) : a.CompareTo(b));
            }
            else
            {
                Array.Sort(order, (a, b) => string.CompareOrdinal(distinct[a], distinct[b]));
            }

            // Numeric labels are classes by value, as class ids are: "1" and "1.0" are one class (named as first written).
            var names = new List<string>();
            for (int rank = 0; rank < order.Length; rank++)
            {
                if (!(allNumbers && rank > 0 && numeric[order[rank]] == numeric[order[rank - 1]]))
                {
                    names.Add(distinct[order[rank]]);
                }

                idOfCode[order[rank]] = names.Count - 1;
            }

            classNames = names.ToArray();
            classCount = names.Count;
        }

        float[] ids = new float[table.Rows];
        for (int row = 0; row < ids.Length; row++) ids[row] = idOfCode[labels.Codes[row]];
        Tensor features = table.Features();
        return new Dataset(features, Tensor.Wrap(ids, 0, [table.Rows]), classCount, classNames);
    }

    private sealed class Labels
    {
        public readonly List<int> Codes = new();
        public readonly List<string> Names = new();
        public readonly Dictionary<string, int> CodeOfName = new(StringComparer.Ordinal);
    }

    private sealed record Table(int Rows, int Columns, List<float> Values, Labels? Labels)
    {
        /// <summary>The parsed values as a rows × columns tensor, copied once into an array on huge pages when large (<see cref="LargeArrays"/>).</summary>
        public Tensor Features() => Tensor.Wrap(LargeArrays.CopyOf(CollectionsMarshal.AsSpan(Values)), 0, [Rows, Columns]);
    }

    private static Table Parse(TextReader reader, string? name, bool hasHeader, string? labelName, int? labelIndex, char delimiter, long maxElements)
    {
        if (delimiter is '"' or '\r' or '\n')
        {
            throw new ArgumentOutOfRangeException(nameof(delimiter), delimiter, "Expected a delimiter other than a quote or a line break, e.g. ',' ';' or '\\t'.");
        }

        if (maxElements < 0 || maxElements > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, $"Expected 0 to {Array.MaxLength} elements.");
        }

        var tokens = new CsvTokenizer(reader, delimiter, name);

        // A first line wider than the limit allows cannot be read (a label column aside), so it is refused
        // as it is split: a line of 50 MB of delimiters must not become 50 million fields first.
        int maxWidth = (int)Math.Min(maxElements + 1, Array.MaxLength);
        tokens.LimitFields(maxWidth, line =>
            $"line {line} has more than {maxWidth:N0} fields, so the file holds more than {maxElements:N0} numbers, the limit; pass a larger maxElements (or check the delimiter).");
        if (!tokens.ReadRecord())
        {
            throw new DataFormatException("the file is empty; expected a table of numbers.", name, line: 1);
        }

        int width = tokens.FieldCount;
        int widthLine = tokens.RecordLine;
        int label = -1;
        bool firstIsData = !hasHeader;
        if (labelName is not null)
        {
            for (int i = 0; i < width; i++)
            {
                if (tokens.Field(i).Trim().SequenceEqual(labelName))
                {
                    if (label >= 0)
                    {
                        throw tokens.Error($"the header names two columns '{labelName}' (columns {label + 1} and {i + 1}); rename one, or pass the label column's index instead.", tokens.RecordLine, i + 1);
                    }

                    label = i;
                }
            }

            if (label < 0)
            {
                string names = string.Join(", ", Enumerable.Range(0, Math.Min(width, 20)).Select(i => $"'{tokens.Field(i).Trim()}'")) + (width > 20 ? ", ..." : "");
                throw tokens.Error($"no column is named '{labelName}'; the header has {names}. Check the spelling, or pass the label column's index.", tokens.RecordLine, null);
            }
        }
        else if (labelIndex is int index)
        {
            label = index < 0 ? width + index : index;
            if (label < 0 || label >= width)
            {
                throw tokens.Error($"the label column {index} does not exist: line {tokens.RecordLine} has {width} columns (indexes 0 to {width - 1}, or -1 to -{width} from the end).", tokens.RecordLine, null);
            }
        }

        // Every later row must have the first one's width: a longer one is refused as soon as it passes it.
        tokens.LimitFields(width, line =>
            $"the row has more than {width} fields; expected {width}, as on line {widthLine}. Check for an extra '{delimiter}', or an unquoted '{delimiter}' inside a value.");
        int columns = label >= 0 ? width - 1 : width;
        var values = new List<float>();
        Labels? labels = label >= 0 ? new Labels() : null;
        var lookup = labels?.CodeOfName.GetAlternateLookup<ReadOnlySpan<char>>();
        int rows = 0;
        while (firstIsData || tokens.ReadRecord())
        {
            firstIsData = false;
            if (tokens.FieldCount != width)
            {
                throw tokens.Error(
                    $"the row has {tokens.FieldCount} fields; expected {width}, as on line {widthLine}. Check for a missing or extra '{delimiter}', or an unquoted '{delimiter}' inside a value.",
                    tokens.RecordLine, Math.Min(tokens.FieldCount, width) + 1);
            }

            if (values.Count + (long)columns > maxElements)
            {
                throw tokens.Error($"the file holds more than {maxElements:N0} numbers, the limit; pass a larger maxElements.", tokens.RecordLine, null);
            }

            for (int i = 0; i < width; i++)
            {
                ReadOnlySpan<char> field = tokens.Field(i);
                if (i == label)
                {
                    ReadOnlySpan<char> text = field.Trim();
                    if (text.IsEmpty)
                    {
                        throw tokens.Error("the label is empty; every row needs a label. Fill it in or drop the row.", tokens.RecordLine, i + 1);
                    }

                    if (!lookup!.Value.TryGetValue(text, out int code))
                    {
                        code = labels!.Names.Count;
                        string s = text.ToString();
                        labels.Names.Add(s);
                        labels.CodeOfName.Add(s, code);
                    }

                    labels!.Codes.Add(code);
                    continue;
                }

                if (!TryParseNumber(field, out float value))
                {
                    throw tokens.Error(BadNumber(field, rows == 0 && !hasHeader, delimiter), tokens.RecordLine, i + 1);
                }

                values.Add(value);
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new DataFormatException("the file has a header but no data rows; expected at least one row of numbers.", name, line: widthLine + 1);
        }

        return new Table(rows, columns, values, labels);
    }

    /// <summary>
    /// A field as a number: what <see cref="float.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out float)"/>
    /// reads in the invariant culture (which takes <c>NaN</c> and <c>Infinity</c> in any case), and also <c>inf</c>,
    /// <c>+inf</c> and <c>-inf</c> in any case: numpy's <c>np.savetxt</c> writes infinities so (and NaN as <c>nan</c>, already read).
    /// </summary>
    internal static bool TryParseNumber(ReadOnlySpan<char> field, out float value)
    {
        if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // Only the exact spellings (surrounding white space allowed, as for any number): nothing looser.
        ReadOnlySpan<char> text = field.Trim();
        bool negative = text.StartsWith('-');
        if (negative || text.StartsWith('+'))
        {
            text = text[1..];
        }

        if (text.Equals("inf", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? float.NegativeInfinity : float.PositiveInfinity;
            return true;
        }

        return false;
    }

    private static string BadNumber(ReadOnlySpan<char> field, bool firstRow, char delimiter)
    {
        if (field.IsWhiteSpace())
        {
            return "the value is empty; LogitNet does not guess missing values. Fill them in (or drop the rows) before loading.";
        }

        string shown = field.Length <= 40 ? field.ToString() : field[..40].ToString() + "...";
        string message = $"could not read '{shown}' as a number; expected an invariant-culture number such as -1.5 or 2e-3 ('.' as the decimal point).";
        if (firstRow) message += " If the first line holds column names, pass hasHeader: true.";
        if (delimiter == ',' && field.Contains(';')) message += " The file may use ';' as its delimiter: pass delimiter: ';'.";
        return message;
    }
}
