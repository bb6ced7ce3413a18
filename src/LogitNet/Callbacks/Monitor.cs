using LogitNet.Metrics;

namespace LogitNet.Callbacks;

/// <summary>
/// Tracks the best value of one logged quantity for the callbacks that watch one, as Keras's
/// <c>MonitorCallback</c>: in <see cref="MonitorMode.Auto"/> the direction comes from the quantity
/// itself (losses go down; a compiled metric says which way it improves), never from its spelling.
/// </summary>
internal sealed class Monitor(string key, MonitorMode mode, float minDelta)
{
    private bool? _higherIsBetter = mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        _ => null,
    };

    private bool _hasBest;

    public string Key { get; } = key;

    /// <summary>The best value so far; NaN before the first.</summary>
    public float Best { get; private set; } = float.NaN;

    /// <summary>Reads the value from the logs; throws a message listing what is logged if it is missing.</summary>
    public float Read(IReadOnlyDictionary<string, float> logs, string callback)
    {
        if (logs.TryGetValue(Key, out float value))
        {
            return value;
        }

        throw new InvalidOperationException(
            $"{callback} monitors '{Key}', which this training does not log. Logged: {string.Join(", ", logs.Keys)}. " +
            (Key.StartsWith("val_", StringComparison.Ordinal) ? "Pass validationSplit or validationData to Fit, or monitor a training quantity." : "Monitor one of those."));
    }

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

        Metric? metric = model?.Metrics.FirstOrDefault(m => m.Name == name);
        _higherIsBetter = metric?.HigherIsBetter ?? throw new InvalidOperationException(
            $"{callback} monitors '{Key}' with MonitorMode.Auto, but " +
            (metric is null ? "no compiled metric has that name" : $"the metric {metric.GetType().Name} does not say whether higher is better (HigherIsBetter is null)") +
            ", so the direction of improvement is unknown. Pass mode: MonitorMode.Max if higher is better, or MonitorMode.Min if lower is.");
    }

    /// <summary>
    /// Whether <paramref name="value"/> beats the best so far by more than the minimum delta (the first
    /// value always does, as in Keras); if so it becomes the best. NaN never improves on a number.
    /// </summary>
    public bool Improves(float value)
    {
        bool better = !_hasBest || Beats(value, Best);
        if (better)
        {
            Best = value;
            _hasBest = !float.IsNaN(value);
            return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="value"/> beats a fixed reference (Keras's <c>baseline</c>).</summary>
    public bool Beats(float value, float reference) =>
        (_higherIsBetter ?? throw new InvalidOperationException("Monitor.Resolve must run before a value is compared."))
            ? value - minDelta > reference
            : value + minDelta < reference;

    public void Reset()
    {
        Best = float.NaN;
        _hasBest = false;
    }
}
