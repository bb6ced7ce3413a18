namespace LogitNet.Optimizers;

/// <summary>
/// A learning rate that follows half a cosine from its initial value down to
/// <c>alpha · initialLearningRate</c> over <c>decaySteps</c>, then stays there, as Keras's
/// <c>CosineDecay</c> (Loshchilov and Hutter, SGDR, 2017) without warm-up.
/// </summary>
/// <example>
/// <c>new CosineDecay(0.1f, decaySteps: 100).RateAt(50)</c> is 0.05; from step 100 on it is 0.
/// </example>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0; finite and non-negative.</param>
    /// <param name="decaySteps">The number of steps to decay over; positive.</param>
    /// <param name="alpha">The final rate as a fraction of the initial one, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public CosineDecay(float initialLearningRate, long decaySteps, float alpha = 0f)
    {
        OptimizerGuard.NonNegative(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "Expected a positive number of steps.");
        }

        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Expected a fraction in [0, 1].");
        }

        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        Alpha = alpha;
    }

    /// <summary>The rate at step 0.</summary>
    public float InitialLearningRate { get; }

    /// <summary>The number of steps to decay over.</summary>
    public long DecaySteps { get; }

    /// <summary>The final rate as a fraction of the initial one.</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override float RateAt(long step)
    {
        double progress = Math.Min(step, DecaySteps) / (double)DecaySteps;
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return (float)(InitialLearningRate * ((1 - Alpha) * cosine + Alpha));
    }
}
