using System.Globalization;

namespace LogitNet.Cli.Training;

internal static class CsvShape
{
    /// <summary>
    /// Whether the first line is a header (column names), read from the first two non-blank lines:
    /// <list type="bullet">
    /// <item>a field that is text (not a number, not empty, not a missing-value mark such as NA) above a number in the
    /// next line is a column name: a header;</item>
    /// <item>a first line of exactly 0, 1, 2, …, n − 1 (n ≥ 3) is the header pandas writes for unnamed columns;</item>
    /// <item>a file of one line is a header when it holds text.</item>
    /// </list>
    /// Anything else is data, so a first row with a missing value is read (and refused, naming line 1) rather than
    /// skipped, and a text label column does not make the first sample a header. (The rule was "any field that is not a
    /// number": it dropped a first row with a missing value and kept pandas' numeric header as a sample.)
    /// </summary>
    public static bool HasHeader(string path, char delimiter = ',')
    {
        string[] lines = File.ReadLines(path).Where(line => line.Trim().Length > 0).Take(2).ToArray();
        if (lines.Length == 0)
        {
            return false;
        }

        string[] first = Fields(lines[0], delimiter);
        if (first.Length >= 3 && first.Select((field, i) => field == i.ToString(CultureInfo.InvariantCulture)).All(same => same))
        {
            return true;
        }

        if (lines.Length == 1)
        {
            return first.Any(field => KindOf(field) == Kind.Text);
        }

        string[] second = Fields(lines[1], delimiter);
        for (int i = 0; i < Math.Min(first.Length, second.Length); i++)
        {
            if (KindOf(first[i]) == Kind.Text && KindOf(second[i]) == Kind.Number)
            {
                return true;
            }
        }

        return false;
    }

    private enum Kind
    {
        Number,
        Missing,
        Text,
    }

    private static string[] Fields(string line, char delimiter) =>
        line.Split(delimiter).Select(field => field.Trim().Trim('"').Trim()).ToArray();

    private static Kind KindOf(string field) =>
        field.Length == 0 || field is "NA" or "N/A" or "na" or "n/a" or "NaN" or "nan" or "null" or "NULL" or "None" or "?" or "-"
            ? Kind.Missing
            : IsNumber(field) ? Kind.Number : Kind.Text;

    /// <summary>
    /// A number as <c>Csv</c> reads it: invariant-culture numbers (with <c>Infinity</c>), and numpy's <c>inf</c>, <c>+inf</c>,
    /// <c>-inf</c> in any case, which <c>np.savetxt</c> writes; so a first row holding <c>inf</c> is data, not a header.
    /// </summary>
    private static bool IsNumber(string field)
    {
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return true;
        }

        string unsigned = field is ['+' or '-', .. var rest] ? rest : field;
        return unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase);
    }
}
