namespace LogitNet.Optimizers;

/// <summary>
/// A learning rate that decays exponentially, as Keras's <c>ExponentialDecay</c>:
/// <c>initialLearningRate · decayRate^(step / decaySteps)</c>, the exponent floored when
/// <see cref="Staircase"/> is set.
/// </summary>
/// <example>
/// <c>new ExponentialDecay(0.1f, decaySteps: 100, decayRate: 0.5f).RateAt(200)</c> is 0.025.
/// </example>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0; finite and non-negative.</param>
    /// <param name="decaySteps">The number of steps over which the rate is multiplied by <paramref name="decayRate"/>; positive.</param>
    /// <param name="decayRate">The factor per <paramref name="decaySteps"/> steps; finite and positive.</param>
    /// <param name="staircase">Whether to decay in whole steps of <paramref name="decaySteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public ExponentialDecay(float initialLearningRate, long decaySteps, float decayRate, bool staircase = false)
    {
        OptimizerGuard.NonNegative(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "Expected a positive number of steps.");
        }

        if (!float.IsFinite(decayRate) || decayRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, "Expected a finite, positive decay rate.");
        }

        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
    }

    /// <summary>The rate at step 0.</summary>
    public float InitialLearningRate { get; }

    /// <summary>The number of steps per factor of <see cref="DecayRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The factor per <see cref="DecaySteps"/> steps.</summary>
    public float DecayRate { get; }

    /// <summary>Whether the exponent is floored.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override float RateAt(long step)
    {
        double exponent = (double)step / DecaySteps;
        if (Staircase)
        {
            exponent = Math.Floor(exponent);
        }

        return (float)(InitialLearningRate * Math.Pow(DecayRate, exponent));
    }
}
