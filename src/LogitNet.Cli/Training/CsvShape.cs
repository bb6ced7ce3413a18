using System.Globalization;

namespace LogitNet.Cli.Training;

internal static class CsvShape
{
    /// <summary>A first line with a field that is not a number is a header (column names).</summary>
    public static bool HasHeader(string path, char delimiter = ',')
    {
        string? first = File.ReadLines(path).FirstOrDefault(line => line.Trim().Length > 0);
        if (first is null)
        {
            return false;
        }

        return first.Split(delimiter).Any(field =>
            !double.TryParse(field.Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _));
    }
}
