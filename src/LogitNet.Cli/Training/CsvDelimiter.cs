using System.CommandLine;

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
        string? first;
        using (var reader = new StreamReader(path))
        {
            // One line, at most 64 KB of it: the guess must not read a huge file.
            var buffer = new char[1 << 16];
            int length = reader.ReadBlock(buffer, 0, buffer.Length);
            first = new string(buffer, 0, length).Split('\n').Select(line => line.Trim('\r')).FirstOrDefault(line => line.Trim().Length > 0);
        }

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
    public static UsageException OneColumn(string path, char current, string consequence)
    {
        string advice = Guess(path, current) is char guess
            ? $"its lines contain {Spell(guess)}: pass --delimiter {Spell(guess)}"
            : "check the file's field separator and pass it with --delimiter";
        return new UsageException($"{path} was read as one column with {Spell(current)} as the delimiter, so {consequence}; {advice}");
    }
}
