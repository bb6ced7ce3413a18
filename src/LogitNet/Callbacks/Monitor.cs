using LogitNet.Metrics;

namespace LogitNet.Callbacks;

/// <summary>
/// Tracks the best value of one logged quantity for the callbacks that watch one, as Keras's
/// <c>MonitorCallback</c>: in <see cref="MonitorMode.Auto"/> the direction comes from the quantity
/// itself (losses go down; a compiled metric says which way it improves), never from its spelling.
/// </summary>
internal sealed class Monitor(string key, MonitorMode mode, float minDelta, bool firstValueSetsBest = false)
{
    private bool? _higherIsBetter = mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        MonitorMode.Auto => null,
        // A cast integer is not a direction; it used to be taken as Auto. The callbacks pass their parameter on as 'mode'.
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected MonitorMode.Auto, Min or Max."),
    };

    private bool _hasBest;

    public string Key { get; } = key;

    /// <summary>The best value so far; NaN before the first.</summary>
    public float Best { get; private set; } = float.NaN;

    private bool _warned;

    /// <summary>
    /// Reads the value from the logs. When they lack it, Keras warns and its callback lets the epoch pass (EarlyStopping,
    /// ReduceLROnPlateau) or saves anyway (ModelCheckpoint): the same here, the warning written to <paramref name="log"/>
    /// once per Fit (<see cref="BeginTraining"/>) rather than the epoch's exception it once was, which ended the Fit.
    /// </summary>
    public bool TryRead(IReadOnlyDictionary<string, float> logs, string callback, TextWriter? log, out float value)
    {
        if (logs.TryGetValue(Key, out value))
        {
            return true;
        }

        if (!_warned)
        {
            _warned = true;
            log?.WriteLine(
                $"{callback} monitors '{Key}', which this epoch's logs do not hold (logged: {string.Join(", ", logs.Keys)}), so it is not watched at such epochs. " +
                (Key.StartsWith("val_", StringComparison.Ordinal)
                    ? "Validation quantities need validationSplit or validationData, and are logged only every validationFreq epochs; or monitor a training quantity."
                    : "Monitor one of those."));
        }

        return false;
    }

    /// <summary>Called at a Fit's start by a callback that keeps its best across Fits: the missing-quantity warning is written again.</summary>
    public void BeginTraining() => _warned = false;

    /// <summary>
    /// Settles the direction for <see cref="MonitorMode.Auto"/> from the model: <c>loss</c> (and
    /// <c>val_loss</c>) go down, <c>learning_rate</c> is not a quality, and a compiled metric of that
    /// name says which way it improves. Throws, as Keras does, when the direction cannot be known.
    /// </summary>
    public void Resolve(Sequential? model, string callback)
    {
        if (_higherIsBetter is not null)
        {
            return;
        }

        string name = Key.StartsWith("val_", StringComparison.Ordinal) ? Key["val_".Length..] : Key;
        if (name == "loss")
        {
            _higherIsBetter = false;
            return;
        }

        Metric? metric = model?.MetricLoggedAs(name);
        _higherIsBetter = metric?.HigherIsBetter ?? throw new InvalidOperationException(
            $"{callback} monitors '{Key}' with MonitorMode.Auto, but " +
            (metric is null ? "no compiled metric has that name" : $"the metric {metric.GetType().Name} does not say whether higher is better (HigherIsBetter is null)") +
            ", so the direction of improvement is unknown. Pass mode: MonitorMode.Max if higher is better, or MonitorMode.Min if lower is.");
    }

    /// <summary>
    /// Whether <paramref name="value"/> beats the best so far by more than the minimum delta (the first
    /// number always does, as in Keras); if so it becomes the best. NaN never improves on anything, as Keras 3's
    /// comparisons with NaN are false. EarlyStopping (<c>firstValueSetsBest</c>) takes its first value as the best
    /// whatever it is, as Keras's does, so a NaN there makes every later epoch count toward the patience.
    /// ModelCheckpoint and ReduceLROnPlateau start from ±∞, as Keras's did before 3.11, so a NaN is never saved and
    /// counts toward the patience. This is a deliberate difference from Keras 3.11 and later, which lets any first value
    /// become their best: a NaN first epoch would then be saved as the best model, and no later finite epoch could
    /// replace it. (A NaN once left no best here, so the next epoch always improved: EarlyStopping never stopped and
    /// ReduceLROnPlateau never reduced on a NaN loss.)
    /// </summary>
    public bool Improves(float value)
    {
        if (float.IsNaN(value))
        {
            if (firstValueSetsBest && !_hasBest)
            {
                Best = value;
                _hasBest = true;
                return true;
            }

            return false;
        }

        bool better = !_hasBest || Beats(value, Best);
        if (better)
        {
            Best = value;
            _hasBest = true;
            return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="value"/> beats a fixed reference (Keras's <c>baseline</c>).</summary>
    public bool Beats(float value, float reference) =>
        (_higherIsBetter ?? throw new InvalidOperationException("Monitor.Resolve must run before a value is compared."))
            ? value - minDelta > reference
            : value + minDelta < reference;

    /// <summary>Forgets the best value and the warning, at a Fit's start.</summary>
    public void Reset()
    {
        Best = float.NaN;
        _hasBest = false;
        BeginTraining();
    }
}
