using System.Diagnostics;
using System.Globalization;
using System.Text;
using LogitNet.Callbacks;

namespace LogitNet.Cli.Training;

/// <summary>
/// A Keras-style progress bar: on a terminal, one line per epoch redrawn in place (batch count, bar,
/// ETA, running loss and accuracy); when the output is redirected, only the finished line of each epoch.
/// </summary>
internal sealed class KerasProgress(TextWriter output, bool interactive) : Callback
{
    private const int BarWidth = 30;
    private readonly Stopwatch _epochClock = new();
    private long _lastDraw;
    private int _epochs;
    private int _batches;

    public override void OnTrainBegin(int epochs, int batchesPerEpoch) => (_epochs, _batches) = (epochs, batchesPerEpoch);

    public override void OnEpochBegin(int epoch)
    {
        _epochClock.Restart();
        _lastDraw = -Stopwatch.Frequency;
    }

    public override void OnBatchEnd(in BatchProgress progress)
    {
        // A redraw costs more than a small training step: at most 20 a second.
        long now = _epochClock.ElapsedTicks;
        if (!interactive || now - _lastDraw < Stopwatch.Frequency / 20)
        {
            return;
        }

        _lastDraw = now;
        int done = progress.Batch + 1;
        double perBatch = _epochClock.Elapsed.TotalSeconds / done;
        double eta = perBatch * (progress.Batches - done);
        var line = new StringBuilder();
        line.Append('\r').Append(Prefix(progress.Epoch)).Append(Bar(done, progress.Batches));
        line.Append(CultureInfo.InvariantCulture, $" - ETA: {eta:0.0}s - loss: {progress.Loss:0.0000}");
        for (int i = 0; i < progress.Metrics.Count; i++)
        {
            line.Append(CultureInfo.InvariantCulture, $" - {CurveNames.Display(progress.MetricNames[i])}: {progress.Metrics[i].Result():0.0000}");
        }

        output.Write(line.Append("   ").ToString());
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        TimeSpan elapsed = _epochClock.Elapsed;
        var line = new StringBuilder();
        if (interactive)
        {
            line.Append('\r');
        }

        line.Append(Prefix(epoch)).Append(Bar(_batches, _batches));
        line.Append(CultureInfo.InvariantCulture, $" - {elapsed.TotalMilliseconds:0}ms {elapsed.TotalMilliseconds * 1000 / Math.Max(1, _batches):0}us/step");
        foreach ((string key, float value) in logs)
        {
            line.Append(CultureInfo.InvariantCulture, $" - {CurveNames.Display(key)}: {value:0.0000}");
        }

        output.WriteLine(line.Append("   ").ToString());
    }

    private string Prefix(int epoch)
    {
        int width = _epochs.ToString(CultureInfo.InvariantCulture).Length;
        return $"Epoch {(epoch + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{_epochs} ";
    }

    private static string Bar(int done, int total)
    {
        int width = total.ToString(CultureInfo.InvariantCulture).Length;
        int filled = total == 0 ? BarWidth : (int)((long)BarWidth * done / total);
        string bar = done >= total
            ? new string('=', BarWidth)
            : new string('=', Math.Max(0, filled - 1)) + '>' + new string('.', BarWidth - Math.Max(1, filled));
        return $"{done.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{total} [{bar}]";
    }
}
