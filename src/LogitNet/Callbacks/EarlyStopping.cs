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
    /// <param name="monitor">The logged quantity to watch (default <c>val_loss</c>). If the logs lack it, a warning goes to the model's <see cref="Sequential.Log"/> once per Fit and epochs pass unwatched, as in Keras.</param>
    /// <param name="patience">
    /// Epochs without improvement before stopping, counted as Keras counts them: training stops at the
    /// end of the epoch that makes <paramref name="patience"/> epochs without improvement since the
    /// best one (patience 2 on a loss that never improves runs 3 epochs); non-negative.
    /// </param>
    /// <param name="minDelta">The smallest change that counts as an improvement; non-negative.</param>
    /// <param name="mode">Whether lower or higher is better; by default from the quantity (see <see cref="MonitorMode.Auto"/>).</param>
    /// <param name="restoreBestWeights">Whether to put back the best epoch's weights when training ends.</param>
    /// <param name="baseline">
    /// A value the quantity must beat: while it does not, the wait keeps counting even when the value
    /// improves on the previous best (Keras's <c>baseline</c>). Null for none.
    /// </param>
    /// <param name="startFromEpoch">The first epoch (from 0) watched: the epochs before it are a warm-up, as Keras's <c>start_from_epoch</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="monitor"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patience"/>, <paramref name="minDelta"/> or <paramref name="startFromEpoch"/> is negative.</exception>
    public EarlyStopping(string monitor = "val_loss", int patience = 0, float minDelta = 0f, MonitorMode mode = MonitorMode.Auto,
        bool restoreBestWeights = false, float? baseline = null, int startFromEpoch = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(startFromEpoch);
        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a non-negative minimum improvement.");
        }

        _monitor = new Monitor(monitor, mode, minDelta, firstValueSetsBest: true);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
        Baseline = baseline;
        StartFromEpoch = startFromEpoch;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>Whether the best epoch's weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The value the quantity must beat to reset the wait, or null.</summary>
    public float? Baseline { get; }

    /// <summary>Epochs of warm-up before the quantity is watched.</summary>
    public int StartFromEpoch { get; }

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
        // Keras's order, step for step (keras/src/callbacks/early_stopping.py): the wait grows first
        // and an improvement resets it, so the stop comes when wait >= patience.
        if (!_monitor.TryRead(logs, nameof(EarlyStopping), Model?.Log, out float value))
        {
            return;
        }

        _monitor.Resolve(Model, nameof(EarlyStopping));
        if (epoch < StartFromEpoch)
        {
            return;
        }

        if (RestoreBestWeights && _bestWeights is null)
        {
            SaveWeights(epoch);
        }

        _wait++;
        if (_monitor.Improves(value))
        {
            BestEpoch = epoch;
            if (RestoreBestWeights)
            {
                SaveWeights(epoch);
            }

            if (Baseline is not { } baseline || _monitor.Beats(value, baseline))
            {
                _wait = 0;
            }

            return;
        }

        if (_wait >= Patience && epoch > 0 && Model is { } stopping)
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

    private void SaveWeights(int epoch)
    {
        if (Model is not { } model)
        {
            return;
        }

        BestEpoch = epoch;
        _bestWeights ??= model.Parameters.Select(p => new float[p.Value.Length]).ToArray();
        for (int i = 0; i < _bestWeights.Length; i++)
        {
            model.Parameters[i].Value.AsSpan().CopyTo(_bestWeights[i]);
        }
    }
}
