using System.Globalization;
using System.Numerics;
using System.Text;

namespace LogitNet.Callbacks;

/// <summary>
/// A file path with Keras's placeholders, as <c>ModelCheckpoint("ckpt-{epoch:02d}-{val_loss:.2f}.keras")</c>: Python's
/// <c>str.format</c> with the epoch (from 1) and the epoch's logs, so a path written for Keras names the same files here.
/// </summary>
/// <remarks>
/// A field is <c>{name}</c> or <c>{name:spec}</c>, with <c>{{</c> and <c>}}</c> for literal braces. The spec is
/// <c>[0][width][.precision][type]</c> with type <c>d</c> (whole numbers: the epoch), <c>f</c>/<c>F</c>, <c>e</c>/<c>E</c>,
/// or none. Numbers come out as Python prints them: a log value is Keras's Python float (the float32 widened to double),
/// rounded half to even on its exact binary value, and a bare <c>{val_loss}</c> is its shortest round-trip form
/// (<c>0.10000000149011612</c>, <c>2.0</c>, <c>1e-05</c>). Anything else Python's format accepts (alignment, signs,
/// <c>g</c>, <c>%</c>, attribute or index lookups) is refused by name when the template is made.
/// </remarks>
internal sealed class PathTemplate
{
    private const string EpochName = "epoch";

    private readonly List<Piece> _pieces = [];

    /// <summary>Parses <paramref name="template"/>, refusing what it cannot format with an error naming <paramref name="paramName"/>.</summary>
    public PathTemplate(string template, string paramName)
    {
        Template = template;
        var literal = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                throw Refuse(paramName, $"a single '}}' at index {i}; write '}}}}' for a literal brace");
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            int close = template.IndexOf('}', i + 1);
            int nested = template.IndexOf('{', i + 1);
            if (close < 0 || (nested >= 0 && nested < close))
            {
                throw Refuse(paramName, $"the '{{' at index {i} has no closing '}}'; write '{{{{' for a literal brace");
            }

            _pieces.Add(new Piece(literal.ToString(), null));
            literal.Clear();
            _pieces.Add(new Piece(null, Field.Parse(template[(i + 1)..close], paramName)));
            i = close;
        }

        _pieces.Add(new Piece(literal.ToString(), null));
    }

    /// <summary>The template as given.</summary>
    public string Template { get; }

    /// <summary>The names its fields take from the logs (every field but <c>{epoch}</c>).</summary>
    public IEnumerable<string> LoggedNames => _pieces.Where(p => p.Field is { Name: not EpochName }).Select(p => p.Field!.Name);

    /// <summary>The path for an epoch (numbered from 0 here, from 1 in the path, as Keras numbers it) and its logs.</summary>
    /// <exception cref="InvalidOperationException">A field names a quantity the logs lack.</exception>
    public string Format(int epoch, IReadOnlyDictionary<string, float> logs, string owner)
    {
        var text = new StringBuilder();
        foreach (Piece piece in _pieces)
        {
            if (piece.Field is not { } field)
            {
                text.Append(piece.Literal);
                continue;
            }

            if (field.Name == EpochName)
            {
                text.Append(field.Whole(epoch + 1));
            }
            else if (logs.TryGetValue(field.Name, out float value))
            {
                text.Append(field.Real(value));
            }
            else
            {
                throw new InvalidOperationException(
                    $"{owner}'s path '{Template}' names {{{field.Name}}}, which this epoch's logs lack (they hold {string.Join(", ", logs.Keys.Prepend(EpochName))}). " +
                    "Name a logged quantity, or pass validation data for a val_ one.");
            }
        }

        return text.ToString();
    }

    private static ArgumentException Refuse(string paramName, string what) =>
        new($"The path template has {what}. Fields are {{epoch}} or a logged quantity such as {{val_loss}}, with an optional spec [0][width][.precision][d|f|e], as in Keras: 'ckpt-{{epoch:02d}}-{{val_loss:.2f}}.keras'.", paramName);

    private sealed record Piece(string? Literal, Field? Field);

    /// <summary>One <c>{name:spec}</c>: Python's format spec restricted to zero fill, width, precision and type.</summary>
    private sealed record Field(string Name, bool ZeroFill, int Width, int? Precision, char Type)
    {
        public static Field Parse(string text, string paramName)
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? text : text[..colon];
            string spec = colon < 0 ? "" : text[(colon + 1)..];
            if (name.Length == 0 || name.AsSpan().IndexOfAny(".[]!") >= 0)
            {
                throw Refuse(paramName, $"the field '{{{text}}}': a field is a plain name (no conversion, attribute or index)");
            }

            int at = 0;
            bool zero = at < spec.Length && spec[at] == '0';
            at += zero ? 1 : 0;
            int width = ReadNumber(spec, ref at, name, paramName) ?? 0;
            int? precision = null;
            if (at < spec.Length && spec[at] == '.')
            {
                at++;
                precision = ReadNumber(spec, ref at, name, paramName) ?? throw Refuse(paramName, $"the spec '{spec}' of {{{name}}} with a '.' but no precision");
            }

            char type = at < spec.Length ? spec[at++] : '\0';
            if (at != spec.Length || type is not ('\0' or 'd' or 'f' or 'F' or 'e' or 'E'))
            {
                throw Refuse(paramName, $"the spec '{spec}' of {{{name}}}, which this formatter does not take");
            }

            if (type == '\0' && precision is not null)
            {
                // Python formats a bare precision as its general format (significant digits), which this formatter lacks.
                throw Refuse(paramName, $"the spec '{spec}' of {{{name}}}: a precision needs a type here, f or e (such as .4f)");
            }

            if (type == 'd' && (name != EpochName || precision is not null))
            {
                throw Refuse(paramName, name != EpochName
                    ? $"'{spec}' for {{{name}}}: d formats whole numbers and only the epoch is one (a logged quantity takes f or e, such as .4f)"
                    : $"'{spec}' for {{{name}}}: a whole number takes no precision");
            }

            return new Field(name, zero, width, precision, type);
        }

        /// <summary>A width or precision: digits, at most <see cref="MaxNumber"/> (a file name has no use for more).</summary>
        private static int? ReadNumber(string spec, ref int at, string name, string paramName)
        {
            int start = at;
            while (at < spec.Length && char.IsAsciiDigit(spec[at]))
            {
                at++;
            }

            if (at == start)
            {
                return null;
            }

            if (!int.TryParse(spec.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > MaxNumber)
            {
                throw Refuse(paramName, $"the spec '{spec}' of {{{name}}} with a width or precision above {MaxNumber}");
            }

            return number;
        }

        private const int MaxNumber = 100;

        /// <summary>The epoch: Python formats an int with d or no type as digits, with f or e as the float it equals.</summary>
        public string Whole(int value) => Type is 'd' or '\0' ? Pad(value.ToString(CultureInfo.InvariantCulture)) : Real(value);

        /// <summary>A logged value, as Python formats the double Keras's logs hold.</summary>
        public string Real(double value)
        {
            string text;
            if (!double.IsFinite(value))
            {
                text = double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
                text = Type is 'F' or 'E' ? text.ToUpperInvariant() : text;
            }
            else
            {
                text = Type switch
                {
                    'f' or 'F' => Fixed(value, Precision ?? 6),
                    'e' or 'E' => Scientific(value, Precision ?? 6, Type),
                    _ => Shortest(value),
                };
            }

            return Pad(text);
        }

        /// <summary>Right-aligns to the width, with zeros after the sign when asked (Python's '0' flag, nan and inf included).</summary>
        private string Pad(string text)
        {
            if (text.Length >= Width)
            {
                return text;
            }

            if (!ZeroFill)
            {
                return text.PadLeft(Width);
            }

            int sign = text.StartsWith('-') ? 1 : 0;
            return string.Concat(text.AsSpan(0, sign), new string('0', Width - text.Length), text.AsSpan(sign));
        }
    }

    /// <summary>Python's <c>f</c>: the exact binary value rounded half to even at <paramref name="precision"/> decimals.</summary>
    private static string Fixed(double value, int precision)
    {
        (BigInteger numerator, BigInteger denominator) = Exact(value);
        BigInteger scaled = RoundHalfEven(numerator * BigInteger.Pow(10, precision), denominator);
        string digits = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(precision + 1, '0');
        string text = precision == 0 ? digits : digits[..^precision] + "." + digits[^precision..];
        return double.IsNegative(value) ? "-" + text : text;
    }

    /// <summary>Python's <c>e</c>: <paramref name="precision"/> + 1 significant digits of the exact value, half to even, a two-digit exponent at least.</summary>
    private static string Scientific(double value, int precision, char type)
    {
        (BigInteger numerator, BigInteger denominator) = Exact(value);
        int exponent = 0;
        BigInteger digits = BigInteger.Zero;
        if (!numerator.IsZero)
        {
            exponent = (int)Math.Floor(Math.Log10(Math.Abs(value)));
            for (int pass = 0; pass < 3; pass++)
            {
                digits = RoundHalfEven(Scale(numerator, precision - exponent), Scale(denominator, exponent - precision));
                BigInteger limit = BigInteger.Pow(10, precision + 1);
                if (digits >= limit)
                {
                    exponent++;
                }
                else if (digits < limit / 10)
                {
                    exponent--;
                }
                else
                {
                    break;
                }
            }
        }

        string mantissa = digits.ToString(CultureInfo.InvariantCulture).PadLeft(precision + 1, '0');
        string text = (precision == 0 ? mantissa : mantissa[..1] + "." + mantissa[1..]) + Exponent(exponent, type == 'E' ? 'E' : 'e');
        return double.IsNegative(value) ? "-" + text : text;
    }

    /// <summary>Python's <c>repr</c> of a float: the shortest digits that round-trip, fixed from 1e-4 up to 1e16, else scientific.</summary>
    private static string Shortest(double value)
    {
        // .NET's "R" gives the same shortest round-trip digits as Python; only the layout differs.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        string mantissa = e < 0 ? r : r[..e];
        int exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int integerDigits = (point < 0 ? mantissa.Length : point) + exponent;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        string text;
        if (digits.Length == 0)
        {
            text = "0.0";
        }
        else
        {
            // The decimal exponent of the first significant digit.
            int decimalExponent = integerDigits - leadingZeros - 1;
            if (decimalExponent is >= -4 and < 16)
            {
                int whole = decimalExponent + 1;
                text = whole <= 0
                    ? "0." + new string('0', -whole) + digits
                    : whole >= digits.Length
                        ? digits + new string('0', whole - digits.Length) + ".0"
                        : digits[..whole] + "." + digits[whole..];
            }
            else
            {
                text = (digits.Length == 1 ? digits : digits[..1] + "." + digits[1..]) + Exponent(decimalExponent, 'e');
            }
        }

        return double.IsNegative(value) ? "-" + text : text;
    }

    private static string Exponent(int exponent, char letter) =>
        letter + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>|value| as an exact fraction numerator / denominator (the denominator a power of two).</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Exact(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int biased = (int)(bits >> 52);
        long fraction = bits & ((1L << 52) - 1);
        long mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        int exponent = (biased == 0 ? 1 : biased) - 1075;
        return exponent >= 0
            ? (new BigInteger(mantissa) << exponent, BigInteger.One)
            : (new BigInteger(mantissa), BigInteger.One << -exponent);
    }

    /// <summary><paramref name="value"/> × 10^<paramref name="power"/> when the power is positive, else the value itself.</summary>
    private static BigInteger Scale(BigInteger value, int power) => power > 0 ? value * BigInteger.Pow(10, power) : value;

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int half = (remainder * 2).CompareTo(denominator);
        return half > 0 || (half == 0 && !quotient.IsEven) ? quotient + 1 : quotient;
    }
}
