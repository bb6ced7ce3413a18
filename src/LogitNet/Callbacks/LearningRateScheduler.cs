namespace LogitNet.Callbacks;

/// <summary>
/// Sets the optimizer's learning rate at the start of every epoch from a function of the epoch and
/// the current rate, as Keras's <c>LearningRateScheduler</c>. Needs an optimizer with a fixed (not
/// scheduled) learning rate.
/// </summary>
/// <remarks>
/// The epoch is the absolute epoch number from 0 (it continues across <c>Fit</c> calls, and starts
/// at <c>initialEpoch</c> when one is given). The epoch's rate shows in the logs as <c>learning_rate</c>.
/// </remarks>
/// <example>
/// <code>
/// // Keep the rate for 10 epochs, then decay it by e^-0.1 per epoch (Keras's docstring example).
/// var scheduler = new LearningRateScheduler((epoch, rate) => epoch &lt; 10 ? rate : rate * MathF.Exp(-0.1f));
/// model.Fit(x, y, epochs: 15, callbacks: [scheduler]);
/// </code>
/// </example>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, float, float> _schedule;

    /// <summary>Creates the callback.</summary>
    /// <param name="schedule">The new rate from the epoch (from 0) and the current rate; must return a finite, non-negative rate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public LearningRateScheduler(Func<int, float, float> schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = schedule;
    }

    /// <summary>Creates the callback from a function of the epoch alone.</summary>
    /// <param name="schedule">The rate of an epoch (from 0).</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public LearningRateScheduler(Func<int, float> schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = (epoch, _) => schedule(epoch);
    }

    /// <summary>Refuses a scheduled optimizer before any callback starts.</summary>
    internal override void CheckBeforeTraining(Sequential model)
    {
        if (model.Optimizer is { Schedule: not null })
        {
            throw new InvalidOperationException(
                "LearningRateScheduler sets the learning rate each epoch, but this optimizer's rate follows a LearningRateSchedule. Use one or the other: create the optimizer with a fixed rate.");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The function returned a negative or non-finite rate.</exception>
    public override void OnEpochBegin(int epoch)
    {
        if (Model?.Optimizer is not { } optimizer)
        {
            return;
        }

        float rate = _schedule(epoch, optimizer.LearningRate);
        if (!(rate >= 0 && float.IsFinite(rate)))
        {
            throw new InvalidOperationException($"The schedule returned the learning rate {rate} for epoch {epoch}; expected a finite, non-negative rate.");
        }

        optimizer.LearningRate = rate;
    }
}
