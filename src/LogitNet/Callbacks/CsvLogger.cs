using System.Globalization;

namespace LogitNet.Callbacks;

/// <summary>
/// Writes one CSV row per epoch with the epoch's logs, as Keras's <c>CSVLogger</c>: an <c>epoch</c>
/// column (from 0), then the logged quantities in sorted order, fixed by the first epoch.
/// </summary>
/// <remarks>
/// Values are written in the shortest form that reads back to the same float32 (invariant culture);
/// a quantity missing from a later epoch's logs is written <c>NA</c>, as Keras does. The file is
/// flushed after every row, so it can be read while training runs. With <c>append</c>, the header is
/// written only when the file is new or empty. When the first epoch logs no <c>val_</c> quantity (no validation
/// data, or <c>validationFreq</c> skipped it), a <c>val_</c> column is added for each quantity, as Keras 3 adds
/// them, so a later epoch's validation is not lost (<c>NA</c> where it is absent).
/// </remarks>
/// <example>
/// <code>
/// model.Fit(x, y, epochs: 20, validationSplit: 0.2, callbacks: [new CsvLogger("training.csv")]);
/// // epoch,learning_rate,loss,val_loss
/// // 0,0.001,0.6931,0.6702
/// </code>
/// </example>
public sealed class CsvLogger : Callback
{
    private StreamWriter? _writer;
    private string[]? _keys;
    private bool _writeHeader;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The CSV file to write.</param>
    /// <param name="separator">The field separator (Keras's <c>separator</c>, default comma).</param>
    /// <param name="append">Whether to append to an existing file rather than overwrite it.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="separator"/> is a quote or line break.</exception>
    public CsvLogger(string path, char separator = ',', bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (separator is '"' or '\n' or '\r')
        {
            throw new ArgumentException($"Expected a field separator such as ',' or ';'; received a {(separator == '"' ? "quote" : "line break")}.", nameof(separator));
        }

        Path = path;
        Separator = separator;
        Append = append;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>The field separator.</summary>
    public char Separator { get; }

    /// <summary>Whether rows are appended to an existing file.</summary>
    public bool Append { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
        _writer?.Dispose();
        _writeHeader = !Append || !File.Exists(Path) || new FileInfo(Path).Length == 0;
        _writer = new StreamWriter(Path, Append);
        _keys = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_writer is null)
        {
            return;
        }

        if (_keys is null)
        {
            _keys = logs.Keys.Order(StringComparer.Ordinal).ToArray();
            if (!Array.Exists(_keys, key => key.StartsWith("val_", StringComparison.Ordinal)))
            {
                // Keras 3's CSVLogger: when the first epoch logs no validation quantity (none given, or validationFreq skipped
                // it) the val_ columns are added anyway, so later epochs' validation is not lost; NA where it is absent.
                _keys = [.. _keys, .. _keys.Select(key => "val_" + key)];
            }
            if (_writeHeader)
            {
                _writer.WriteLine(string.Join(Separator, ["epoch", .. _keys.Select(Quote)]));
            }
        }

        IEnumerable<string> values = _keys.Select(key =>
            logs.TryGetValue(key, out float value) ? value.ToString("R", CultureInfo.InvariantCulture) : "NA");
        _writer.WriteLine(string.Join(Separator, [epoch.ToString(CultureInfo.InvariantCulture), .. values]));
        _writer.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(History history)
    {
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>A field as CSV writes it: quoted when it holds the separator, a quote or a line break.</summary>
    private string Quote(string field) =>
        field.AsSpan().IndexOfAny([Separator, '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
