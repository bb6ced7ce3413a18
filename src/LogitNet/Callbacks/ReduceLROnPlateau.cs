namespace LogitNet.Callbacks;

/// <summary>
/// Multiplies the learning rate by a factor when a monitored quantity stops improving, as Keras's
/// <c>ReduceLROnPlateau</c>. Needs an optimizer with a fixed (not scheduled) learning rate.
/// </summary>
/// <example><c>callbacks: [new ReduceLROnPlateau(factor: 0.5f, patience: 3)]</c></example>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly Monitor _monitor;
    private int _wait;
    private int _cooldownLeft;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The logged quantity to watch (default <c>val_loss</c>). If the logs lack it, a warning goes to the model's <see cref="Sequential.Log"/> once per Fit and epochs pass unwatched, as in Keras.</param>
    /// <param name="factor">The factor applied to the learning rate, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before reducing, counted as Keras does (<c>wait >= patience</c>: patience 2 reduces at the end of the second epoch without improvement).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before watching again.</param>
    /// <param name="minLearningRate">The learning rate is never reduced below this.</param>
    /// <param name="mode">Whether lower or higher is better; by default from the quantity (see <see cref="MonitorMode.Auto"/>).</param>
    /// <param name="verbose">1 to write a line to the model's <see cref="Sequential.Log"/> at each reduction; 0 (the default, as Keras's) for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public ReduceLROnPlateau(string monitor = "val_loss", float factor = 0.1f, int patience = 10, float minDelta = 1e-4f,
        int cooldown = 0, float minLearningRate = 0f, MonitorMode mode = MonitorMode.Auto, int verbose = 0)
    {
        if (verbose is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Expected 0 (silent) or 1 (a line per reduction).");
        }

        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (!(factor > 0 && factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a factor in (0, 1): the learning rate is multiplied by it.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a non-negative value.");
        }

        if (!(minLearningRate >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "Expected a non-negative value.");
        }

        _monitor = new Monitor(monitor, mode, minDelta);
        Factor = factor;
        Patience = patience;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Verbose = verbose;
    }

    /// <summary>1: a line per reduction in the model's log; 0: none.</summary>
    public int Verbose { get; }

    /// <summary>The factor applied to the learning rate.</summary>
    public float Factor { get; }

    /// <summary>Epochs without improvement before reducing.</summary>
    public int Patience { get; }

    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The floor of the learning rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>Refuses a scheduled optimizer before training, not when the first reduction is due (patience epochs in).</summary>
    internal override void CheckBeforeTraining(Sequential model)
    {
        if (model.Optimizer is { Schedule: not null })
        {
            throw new InvalidOperationException(
                "ReduceLROnPlateau sets the learning rate, but this optimizer's rate follows a LearningRateSchedule. Use one or the other: create the optimizer with a fixed rate.");
        }
    }

    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
        _monitor.Reset();
        _wait = 0;
        _cooldownLeft = 0;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        // Keras's order, step for step (keras/src/callbacks/reduce_lr_on_plateau.py): reduce when
        // wait >= patience, and keep waiting (no cooldown) when the rate is already at its floor.
        if (!_monitor.TryRead(logs, nameof(ReduceLROnPlateau), Model?.Log, out float value))
        {
            return;
        }

        _monitor.Resolve(Model, nameof(ReduceLROnPlateau));
        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            _wait = 0;
        }

        if (_monitor.Improves(value))
        {
            _wait = 0;
            return;
        }

        if (_cooldownLeft > 0 || ++_wait < Patience || Model?.Optimizer is not { } optimizer)
        {
            return;
        }

        float old = optimizer.LearningRate;
        if (old > MinLearningRate)
        {
            float reduced = Math.Max(old * Factor, MinLearningRate);
            optimizer.LearningRate = reduced;
            if (Verbose > 0)
            {
                Model.Log.WriteLine($"Epoch {epoch + 1}: {_monitor.Key} has not improved for {_wait} epochs; learning rate reduced to {reduced:G4}.");
            }

            _cooldownLeft = Cooldown;
            _wait = 0;
        }
    }
}
