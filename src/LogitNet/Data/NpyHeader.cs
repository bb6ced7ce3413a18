using System.Globalization;

namespace LogitNet.Data;

/// <summary>
/// The parsed header of a <c>.npy</c> file. The header is a Python dict literal; it is parsed
/// here by a small tokenizer that accepts only strings, whole numbers, True/False, tuples and
/// the dict itself, never by evaluating anything.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>Parses <paramref name="text"/>; errors name the header offset of the fault.</summary>
    public static NpyHeader Parse(string text, Func<string, int, DataFormatException> error)
    {
        var parser = new Parser(text, error);
        return parser.ParseDict();
    }

    private sealed class Parser(string text, Func<string, int, DataFormatException> error)
    {
        private readonly string _text = text;
        private int _at;

        public NpyHeader ParseDict()
        {
            string? descr = null;
            bool? fortran = null;
            long[]? shape = null;
            Expect('{', "the header must be a dict literal starting with '{'");
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _at++; break; }
                int keyAt = _at;
                string key = ParseString("a quoted key ('descr', 'fortran_order' or 'shape')");
                Expect(':', $"expected ':' after the key '{key}'");
                SkipSpace();
                int valueAt = _at;
                switch (key)
                {
                    case "descr" when descr is null:
                        if (Peek() == '[')
                        {
                            throw error("the array has a structured dtype (a list of fields); LogitNet reads plain numeric arrays. Save one field at a time, e.g. np.save(path, a['x']).", valueAt);
                        }

                        descr = ParseString("a quoted dtype such as '<f4'");
                        break;
                    case "fortran_order" when fortran is null:
                        fortran = ParseBool();
                        break;
                    case "shape" when shape is null:
                        shape = ParseShape();
                        break;
                    case "descr" or "fortran_order" or "shape":
                        throw error($"the key '{key}' appears twice.", keyAt);
                    default:
                        throw error($"unexpected key '{Shorten(key)}'; a .npy header has exactly 'descr', 'fortran_order' and 'shape'.", keyAt);
                }

                SkipSpace();
                if (Peek() == ',') { _at++; continue; }
                Expect('}', "expected ',' or '}' after a value");
                break;
            }

            SkipSpace();
            if (_at != _text.Length)
            {
                throw error("unexpected text after the header's closing '}'.", _at);
            }

            if (descr is null || fortran is null || shape is null)
            {
                string missing = descr is null ? "descr" : fortran is null ? "fortran_order" : "shape";
                throw error($"the header lacks the key '{missing}'; a .npy header has 'descr', 'fortran_order' and 'shape'.", 0);
            }

            return new NpyHeader(descr, fortran.Value, shape);
        }

        private long[] ParseShape()
        {
            Expect('(', "expected the shape as a tuple, e.g. (60000, 784)");
            var dims = new List<long>(4);
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { _at++; return dims.ToArray(); }
                if (dims.Count == 32)
                {
                    throw error("the shape has more than 32 axes, numpy's own limit.", _at);
                }

                dims.Add(ParseDimension());
                SkipSpace();
                if (Peek() == ',') { _at++; continue; }
                Expect(')', "expected ',' or ')' in the shape tuple");
                return dims.ToArray();
            }
        }

        private long ParseDimension()
        {
            int start = _at;
            while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
            if (_at == start)
            {
                throw error("expected a non-negative whole number in the shape.", start);
            }

            if (!long.TryParse(_text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > int.MaxValue)
            {
                throw error($"the shape has an axis of {Shorten(_text[start.._at])} elements; at most {int.MaxValue} are possible. The header is damaged.", start);
            }

            if (Peek() == 'L') _at++; // Python 2 wrote long integers as 60000L.
            return value;
        }

        private bool ParseBool()
        {
            if (string.CompareOrdinal(_text, _at, "True", 0, 4) == 0) { _at += 4; return true; }
            if (string.CompareOrdinal(_text, _at, "False", 0, 5) == 0) { _at += 5; return false; }
            throw error("expected True or False for 'fortran_order'.", _at);
        }

        private string ParseString(string what)
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw error($"expected {what}.", _at);
            }

            int start = ++_at;
            int end = _text.IndexOf(quote, start);
            if (end < 0)
            {
                throw error("a quoted string in the header is not closed.", start - 1);
            }

            _at = end + 1;
            return _text[start..end];
        }

        private void Expect(char c, string message)
        {
            SkipSpace();
            if (Peek() != c)
            {
                throw error($"{message}; found {Describe()}.", _at);
            }

            _at++;
        }

        private char Peek() => _at < _text.Length ? _text[_at] : '\0';

        private string Describe() => _at < _text.Length ? $"'{_text[_at]}'" : "the end of the header";

        private void SkipSpace()
        {
            while (_at < _text.Length && _text[_at] is ' ' or '\t' or '\n' or '\r') _at++;
        }

        private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
    }
}
