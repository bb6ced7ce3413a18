using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LogitNet.Data;

/// <summary>
/// The parsed header of a <c>.npy</c> file. The header is a Python dict literal; it is parsed
/// here by a small tokenizer that accepts only strings, whole numbers, True/False, tuples and
/// the dict itself, never by evaluating anything.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>Headers longer than this are refused as damaged (a plain array's header takes about 100 bytes).</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>The six bytes every <c>.npy</c> file starts with: \x93NUMPY.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// Reads the magic string, the version, the header length and the header from <paramref name="source"/>,
    /// leaving it at the first data byte; returns the header and the offset of its text (for messages).
    /// </summary>
    public static (NpyHeader Header, long HeaderStart) Read(DataSource source)
    {
        Span<byte> prefix = stackalloc byte[8];
        source.ReadExactly(prefix, "magic string");
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw source.Error(
                "the file does not start with the .npy magic string \\x93NUMPY. Is it a .npz archive (a zip: unzip it first), a raw binary dump, or another format (CSV: Csv.Read; IDX: Idx.Read)?",
                "magic string", 0);
        }

        byte major = prefix[6], minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw source.Error($"format version {major}.{minor} is not supported; LogitNet reads versions 1.0, 2.0 and 3.0.", "version", 6);
        }

        int lengthSize = major == 1 ? 2 : 4;
        Span<byte> lengthBytes = stackalloc byte[4];
        source.ReadExactly(lengthBytes[..lengthSize], "header length");
        uint headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        long headerStart = source.Position;
        if (headerLength > MaxHeaderBytes)
        {
            throw source.Error($"the header claims {headerLength} bytes; LogitNet accepts headers of at most {MaxHeaderBytes} bytes (a plain array's header takes about 100). The file is damaged.", "header length", 8);
        }

        if (source.Remaining is long remaining && remaining < headerLength)
        {
            throw source.Error($"the header claims {headerLength} bytes but only {remaining} bytes follow. The file is truncated.", "header length", 8);
        }

        byte[] headerBytes = new byte[headerLength];
        source.ReadExactly(headerBytes, "header");
        string text;
        try
        {
            // Version 3.0 allows UTF-8 (for structured field names); 1.0 and 2.0 are Latin-1.
            text = major == 3 ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw source.Error("the version 3.0 header is not valid UTF-8.", "header", headerStart, e);
        }

        return (Parse(text, (message, at) => source.Error(message, "header", headerStart + at)), headerStart);
    }

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
