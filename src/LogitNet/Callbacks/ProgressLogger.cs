using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LogitNet.Callbacks;

/// <summary>
/// The progress lines of <see cref="Sequential.Fit"/>'s <c>verbose</c>: a Keras-style bar redrawn
/// in place (1), or one line per epoch (2).
/// </summary>
internal sealed class ProgressLogger(TextWriter output, bool perBatch) : Callback
{
    private const int BarWidth = 20;
    private readonly Stopwatch _clock = new();
    private long _lastDrawTicks;
    private int _epochs;
    private int _batches;
    private int _done;

    public override void OnTrainBegin(int epochs, int batchesPerEpoch) => (_epochs, _batches) = (epochs, batchesPerEpoch);

    public override void OnEpochBegin(int epoch)
    {
        if (perBatch)
        {
            output.WriteLine($"Epoch {epoch + 1}/{_epochs}");
        }

        _clock.Restart();
        _lastDrawTicks = 0;
    }

    public override void OnBatchEnd(in BatchProgress progress)
    {
        _done = progress.Batch + 1;
        // Redraw at most ten times a second: formatting costs more than a small training step.
        if (!perBatch || _clock.ElapsedTicks - _lastDrawTicks < Stopwatch.Frequency / 10 || progress.Batch + 1 == progress.Batches)
        {
            return;
        }

        _lastDrawTicks = _clock.ElapsedTicks;
        var line = new StringBuilder();
        line.Append('\r').Append(Bar(progress.Batch + 1, progress.Batches));
        line.Append($" - loss: {Format(progress.Loss)}");
        for (int i = 0; i < progress.Metrics.Count; i++)
        {
            line.Append($" - {progress.MetricNames[i]}: {Format(progress.Metrics[i].Result())}");
        }

        output.Write(line.ToString());
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        var line = new StringBuilder();
        if (perBatch)
        {
            line.Append('\r').Append(Bar(_batches > 0 ? _batches : _done, _batches));
        }
        else
        {
            line.Append(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}/{_epochs}");
        }

        line.Append(CultureInfo.InvariantCulture, $" - {seconds:0.00}s");
        foreach ((string key, float value) in logs)
        {
            line.Append($" - {key}: {Format(value)}");
        }

        output.WriteLine(line.ToString());
    }

    /// <summary>A value as Keras's progress bar shows it: four decimals, or four significant digits in exponent form at or below 1e-3 (a small learning rate or loss).</summary>
    internal static string Format(float value) =>
        Math.Abs(value) > 1e-3f || value == 0 || !float.IsFinite(value)
            ? value.ToString("0.0000", CultureInfo.InvariantCulture)
            : value.ToString("0.0000e+00", CultureInfo.InvariantCulture);

    private static string Bar(int done, int total)
    {
        if (total <= 0)
        {
            // A batch source that cannot say how many batches an epoch has: count without a bar.
            return $"{done}/?";
        }

        int filled = (int)((long)done * BarWidth / Math.Max(1, total));
        return $"{done}/{total} " + new string('━', filled) + new string('─', BarWidth - filled);
    }
}
