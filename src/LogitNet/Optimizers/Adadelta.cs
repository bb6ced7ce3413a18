using LogitNet.Kernels;

namespace LogitNet.Optimizers;

/// <summary>
/// Adadelta (Zeiler, 2012) in Keras's form and with its defaults (a learning rate of 0.001, where the paper has none).
/// </summary>
/// <remarks>
/// <c>E[g²] ← ρ·E[g²] + (1 − ρ)·g²</c>, <c>Δ = −√(E[Δ²] + ε)·g / √(E[g²] + ε)</c>,
/// <c>E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²</c>, <c>w ← w + lr·Δ</c>. Element by element on every machine, so the same bits
/// everywhere; the state is stored flushed to zero below 2^-100 (2^-126 for an epsilon below 2^-24), as the library's other optimizers store theirs.
/// </remarks>
/// <example><c>model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adadelta(1f));</c></example>
public sealed class Adadelta : Optimizer
{
    private Tensor[] _gradientAverages = [];
    private Tensor[] _deltaAverages = [];

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001, as in Keras; the paper's method is 1).</param>
    /// <param name="rho">The decay of both averages, in [0, 1) (default 0.95).</param>
    /// <param name="epsilon">The stabiliser inside both square roots (default 1e-7, as in Keras).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adadelta(float learningRate = 0.001f, float rho = 0.95f, float epsilon = 1e-7f)
        : base(learningRate)
    {
        (Rho, Epsilon) = Check(rho, epsilon);
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="rho">The decay of both averages, in [0, 1).</param>
    /// <param name="epsilon">The stabiliser inside both square roots.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adadelta(LearningRateSchedule schedule, float rho = 0.95f, float epsilon = 1e-7f)
        : base(schedule)
    {
        (Rho, Epsilon) = Check(rho, epsilon);
    }

    /// <summary>The decay of both averages.</summary>
    public float Rho { get; }

    /// <summary>The stabiliser inside both square roots.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    internal override IReadOnlyList<(string Slot, Tensor[] Values)> Slots =>
        BoundParameters is null ? [] : [("accumulated_grad", _gradientAverages), ("accumulated_delta_var", _deltaAverages)];

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<Parameter> parameters)
    {
        _gradientAverages = StateFor(parameters);
        _deltaAverages = StateFor(parameters);
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        Span<float> gradients = _gradientAverages[index].AsSpan(), deltas = _deltaAverages[index].AsSpan();
        OptimizerGuard.SameLength(value, gradient, gradients, deltas);
        float rho = Rho, oneMinusRho = 1 - Rho, epsilon = Epsilon, floor = Gemm.StateFloor(Epsilon);
        for (int i = 0; i < value.Length; i++)
        {
            float g = gradient[i];
            float averageGradient = Gemm.FlushBelow(rho * gradients[i] + oneMinusRho * (g * g), floor);
            float delta = -(MathF.Sqrt(deltas[i] + epsilon) * g / MathF.Sqrt(averageGradient + epsilon));
            gradients[i] = averageGradient;
            deltas[i] = Gemm.FlushBelow(rho * deltas[i] + oneMinusRho * (delta * delta), floor);
            value[i] += learningRate * delta;
        }
    }

    private static (float, float) Check(float rho, float epsilon)
    {
        OptimizerGuard.Fraction(rho, nameof(rho));
        OptimizerGuard.NonNegative(epsilon, nameof(epsilon));
        return (rho, epsilon);
    }
}
