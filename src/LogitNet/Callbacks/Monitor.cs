namespace LogitNet.Callbacks;

/// <summary>Tracks the best value of one logged quantity for the callbacks that watch one.</summary>
internal sealed class Monitor(string key, MonitorMode mode, float minDelta)
{
    private readonly bool _higherIsBetter = mode == MonitorMode.Max || (mode == MonitorMode.Auto && key.Contains("acc", StringComparison.Ordinal));

    public string Key { get; } = key;

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

    /// <summary>Whether <paramref name="value"/> beats the best so far by more than the minimum delta; if so it becomes the best.</summary>
    public bool Improves(float value)
    {
        bool better = float.IsNaN(Best) || (_higherIsBetter ? value > Best + minDelta : value < Best - minDelta);
        if (better && !float.IsNaN(value))
        {
            Best = value;
            return true;
        }

        return false;
    }

    public void Reset() => Best = float.NaN;
}
