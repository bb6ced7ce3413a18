using System.CommandLine;
using LogitNet.Data;

namespace LogitNet.Cli.Training;

/// <summary>The <c>--delimiter</c> option, and the hint given when a CSV file seems to use another one.</summary>
internal static class CsvDelimiter
{
    /// <summary>Delimiters common enough to suggest, in the order a tie is broken.</summary>
    private static readonly char[] s_candidates = [',', ';', '\t', '|'];

    public static Option<string> Create() => new("--delimiter")
    {
        Description = "The field separator of .csv files: ',' (default), ';', '\\t' (or tab), '|', ...",
        DefaultValueFactory = _ => ",",
    };

    /// <summary>The character the option names; <c>\t</c> and <c>tab</c> mean a tab.</summary>
    public static char Parse(string text)
    {
        string value = text is "\\t" or "tab" ? "\t" : text;
        if (value.Length != 1 || value[0] is '"' or '\r' or '\n')
        {
            throw new UsageException($"--delimiter '{text}': expected one character other than a quote or a line break, such as ';' or '\\t'");
        }

        return value[0];
    }

    /// <summary>How the option spells <paramref name="delimiter"/> on a command line.</summary>
    public static string Spell(char delimiter) => delimiter == '\t' ? "'\\t'" : $"'{delimiter}'";

    /// <summary>
    /// The candidate delimiter, other than <paramref name="current"/>, that occurs most often on the first
    /// non-blank line of <paramref name="path"/>, or null when none occurs.
    /// </summary>
    public static char? Guess(string path, char current)
    {
        string? first = FirstLine(path);
        if (first is null)
        {
            return null;
        }

        char? best = null;
        int bestCount = 0;
        foreach (char candidate in s_candidates)
        {
            int count = candidate == current ? 0 : first.Count(c => c == candidate);
            if (count > bestCount)
            {
                (best, bestCount) = (candidate, count);
            }
        }

        return best;
    }

    /// <summary>The error for a file read as a single column: which delimiter its lines seem to use.</summary>
    public static UsageException OneColumn(string path, char current, string consequence, Exception? innerException = null)
    {
        string advice = Guess(path, current) is char guess
            ? $"its lines contain {Spell(guess)}: pass --delimiter {Spell(guess)}"
            : "check the file's field separator and pass it with --delimiter";
        return new UsageException($"{path} was read as one column with {Spell(current)} as the delimiter, so {consequence}; {advice}", innerException);
    }

    /// <summary>
    /// Runs <paramref name="read"/>, a read of the CSV <paramref name="path"/> with <paramref name="current"/> as the
    /// delimiter. When the library refuses the file and its first line holds no <paramref name="current"/> but another
    /// common delimiter, the file was read with the wrong one: the error names --delimiter and what to pass (exit 2),
    /// where the library's own names line 2 (decimal commas, 5,1;3,5, split into fields there) or its parameter
    /// (<c>delimiter: ';'</c>), which a command line does not have.
    /// </summary>
    public static T Read<T>(string path, char current, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (DataFormatException e) when (SeemsWrong(path, current))
        {
            throw OneColumn(path, current, "its rows could not be read as numbers", e);
        }
    }

    /// <summary>Whether the first line of <paramref name="path"/> holds no <paramref name="current"/> but another common delimiter.</summary>
    public static bool SeemsWrong(string path, char current) =>
        FirstLine(path) is string first && !first.Contains(current) && Guess(path, current) is not null;

    /// <summary>The first non-blank line of <paramref name="path"/> (within its first 64 KB), or null.</summary>
    private static string? FirstLine(string path)
    {
        using var reader = new StreamReader(path);
        // One line, at most 64 KB of it: the guess must not read a huge file.
        var buffer = new char[1 << 16];
        int length = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, length).Split('\n').Select(line => line.Trim('\r')).FirstOrDefault(line => line.Trim().Length > 0);
    }
}
