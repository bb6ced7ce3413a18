namespace LogitNet.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as Keras's <c>AdamW</c>: before
/// each Adam update, <c>w ← w − (w·weightDecay)·lr</c>, in Keras's order of operations.
/// </summary>
/// <remarks>The decay applies to every trainable parameter, biases included, as in Keras by default.</remarks>
/// <example><c>model.Compile(loss, new AdamW(learningRate: 0.001f, weightDecay: 0.004f));</c></example>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001).</param>
    /// <param name="weightDecay">The decay rate, non-negative (default 0.004, as in Keras).</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">The decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">The stabiliser added to √v; 0 gives NaN for parameters with zero gradients, as in Adam.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate, beta1, beta2, epsilon)
    {
        OptimizerGuard.NonNegative(weightDecay, nameof(weightDecay));
        WeightDecay = weightDecay;
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="weightDecay">The decay rate, non-negative.</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">The decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">The stabiliser added to √v; 0 gives NaN for parameters with zero gradients, as in Adam.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public AdamW(LearningRateSchedule schedule, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(schedule, beta1, beta2, epsilon)
    {
        OptimizerGuard.NonNegative(weightDecay, nameof(weightDecay));
        WeightDecay = weightDecay;
    }

    /// <inheritdoc/>
    private protected override bool DecaysWeights => true;
}
