namespace LogitNet.Callbacks;

/// <summary>
/// Stops training when a monitored quantity has stopped improving, and optionally puts back the
/// weights of the best epoch, as Keras's <c>EarlyStopping</c>.
/// </summary>
/// <example>
/// <code>
/// model.Fit(x, y, epochs: 200, validationSplit: 0.2,
///           callbacks: [new EarlyStopping(patience: 5, restoreBestWeights: true)]);
/// </code>
/// </example>
public sealed class EarlyStopping : Callback
{
    private readonly Monitor _monitor;
    private int _wait;
    private float[][]? _bestWeights;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The logged quantity to watch (default <c>val_loss</c>).</param>
    /// <param name="patience">Epochs without improvement before stopping; non-negative.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement; non-negative.</param>
    /// <param name="mode">Whether lower or higher is better (by default from the name).</param>
    /// <param name="restoreBestWeights">Whether to put back the best epoch's weights when training ends.</param>
    /// <exception cref="ArgumentException"><paramref name="monitor"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patience"/> or <paramref name="minDelta"/> is negative.</exception>
    public EarlyStopping(string monitor = "val_loss", int patience = 0, float minDelta = 0f, MonitorMode mode = MonitorMode.Auto, bool restoreBestWeights = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a non-negative minimum improvement.");
        }

        _monitor = new Monitor(monitor, mode, minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>Whether the best epoch's weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The epoch (from 0) after which training stopped, or null if it ran to the end.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The epoch (from 0) with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
        _monitor.Reset();
        _wait = 0;
        StoppedEpoch = null;
        BestEpoch = 0;
        _bestWeights = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        float value = _monitor.Read(logs, nameof(EarlyStopping));
        if (_monitor.Improves(value))
        {
            _wait = 0;
            BestEpoch = epoch;
            if (RestoreBestWeights && Model is { } model)
            {
                _bestWeights ??= model.Parameters.Select(p => new float[p.Value.Length]).ToArray();
                for (int i = 0; i < _bestWeights.Length; i++)
                {
                    model.Parameters[i].Value.AsSpan().CopyTo(_bestWeights[i]);
                }
            }

            return;
        }

        _wait++;
        if (_wait > Patience && Model is { } stopping)
        {
            StoppedEpoch = epoch;
            stopping.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(History history)
    {
        if (RestoreBestWeights && _bestWeights is not null && Model is { } model)
        {
            for (int i = 0; i < _bestWeights.Length; i++)
            {
                _bestWeights[i].CopyTo(model.Parameters[i].Value.AsSpan());
            }
        }
    }
}
