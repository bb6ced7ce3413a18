namespace LogitNet.Data;

/// <summary>
/// Splits CSV text into records and fields (RFC 4180 quoting: a field may be wrapped in double
/// quotes, with "" for a quote inside, and may then hold the delimiter or line breaks). Line ends
/// may be \n, \r\n or \r. Blank lines are skipped. Memory stays bounded: a field may hold at most
/// <see cref="MaxFieldLength"/> characters, and a record at most the fields set by <see cref="LimitFields"/>,
/// both checked as each character arrives, so a record is refused before it is held whole.
/// </summary>
internal sealed class CsvTokenizer(TextReader reader, char delimiter, string? name)
{
    /// <summary>No number or class name needs more; a longer field means a broken file (e.g. an unclosed quote).</summary>
    public const int MaxFieldLength = 4096;

    private readonly char[] _buffer = new char[1 << 16];
    private int _position;
    private int _length;
    private int _line = 1;
    private char[] _row = new char[256];
    private int _rowLength;
    private readonly List<(int Start, int Length, bool Quoted)> _fields = new();
    private int _maxFields = int.MaxValue;
    private Func<int, string>? _tooManyFields;

    /// <summary>The line on which the current record starts (1-based).</summary>
    public int RecordLine { get; private set; }

    /// <summary>The number of fields in the current record.</summary>
    public int FieldCount => _fields.Count;

    /// <summary>The text of field <paramref name="index"/> of the current record, quotes removed.</summary>
    public ReadOnlySpan<char> Field(int index) => _row.AsSpan(_fields[index].Start, _fields[index].Length);

    /// <summary>A format error at the given line and 1-based column.</summary>
    public DataFormatException Error(string message, int line, int? column) => new(message, name, line: line, column: column);

    /// <summary>
    /// Refuses, from the next record on, a record of more than <paramref name="maxFields"/> fields, as
    /// soon as its next field starts; <paramref name="message"/> says why, given the line.
    /// </summary>
    public void LimitFields(int maxFields, Func<int, string> message)
    {
        _maxFields = maxFields;
        _tooManyFields = message;
    }

    /// <summary>Reads the next non-blank record; false at the end of the text.</summary>
    public bool ReadRecord()
    {
        while (true)
        {
            _fields.Clear();
            _rowLength = 0;
            RecordLine = _line;
            int fieldStart = 0;
            bool quoted = false, inQuotes = false, afterQuote = false, any = false;
            int quoteLine = 0;
            while (true)
            {
                int c = Next();
                if (c < 0)
                {
                    if (inQuotes)
                    {
                        throw Error($"the quoted field that opens on line {quoteLine} is not closed before the end of the file; add the closing '\"'.", quoteLine, _fields.Count + 1);
                    }

                    if (!any) return false;
                    _fields.Add((fieldStart, _rowLength - fieldStart, quoted));
                    break;
                }

                any = true;
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        if (PeekChar() == '"')
                        {
                            Next();
                            Append('"');
                        }
                        else
                        {
                            inQuotes = false;
                            afterQuote = true;
                        }
                    }
                    else
                    {
                        if (c == '\n' || (c == '\r' && PeekChar() != '\n')) _line++;
                        Append((char)c);
                    }

                    continue;
                }

                if (c == delimiter)
                {
                    if (_fields.Count + 1 >= _maxFields)
                    {
                        // Another field starts: refused here, not after a line of millions of fields is split.
                        throw Error(_tooManyFields!(RecordLine), RecordLine, _fields.Count + 2);
                    }

                    _fields.Add((fieldStart, _rowLength - fieldStart, quoted));
                    fieldStart = _rowLength;
                    quoted = afterQuote = false;
                    continue;
                }

                if (c is '\r' or '\n')
                {
                    if (c == '\r' && PeekChar() == '\n') Next();
                    _line++;
                    _fields.Add((fieldStart, _rowLength - fieldStart, quoted));
                    break;
                }

                if (afterQuote)
                {
                    if (c is ' ' or '\t') continue;
                    throw Error($"unexpected '{(char)c}' after a closing quote; expected the delimiter '{delimiter}' or the end of the line. Double a quote inside a quoted field (\"\").", _line, _fields.Count + 1);
                }

                if (c == '"' && _rowLength == fieldStart && !quoted)
                {
                    inQuotes = quoted = true;
                    quoteLine = _line;
                    continue;
                }

                Append((char)c);
            }

            bool blank = _fields.Count == 1 && !_fields[0].Quoted && Field(0).IsWhiteSpace();
            if (!blank) return true;
        }
    }

    private void Append(char c)
    {
        int fieldStart = _fields.Count == 0 ? 0 : _fields[^1].Start + _fields[^1].Length;
        if (_rowLength - fieldStart >= MaxFieldLength)
        {
            throw Error($"a field is longer than {MaxFieldLength} characters; no number or class name is that long. Is a quote left open, or is this a binary file?", _line, _fields.Count + 1);
        }

        if (_rowLength == _row.Length) Array.Resize(ref _row, _row.Length * 2);
        _row[_rowLength++] = c;
    }

    private int Next()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer[_position++];
    }

    private int PeekChar()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer[_position];
    }

    private bool Fill()
    {
        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
