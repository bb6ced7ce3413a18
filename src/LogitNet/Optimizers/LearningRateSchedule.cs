namespace LogitNet.Optimizers;

/// <summary>A learning rate that changes with the optimizer's step count.</summary>
/// <remarks>Subclass it for a schedule of your own; the optimizer asks for the rate once per step.</remarks>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate to use at a step.</summary>
    /// <param name="step">The number of updates already applied (0 for the first).</param>
    /// <returns>The learning rate, finite and non-negative.</returns>
    public abstract float RateAt(long step);
}
