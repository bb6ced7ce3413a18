using LogitNet.Kernels;

namespace LogitNet.Optimizers;

/// <summary>
/// Adamax (Kingma and Ba, 2015, §7.1), Adam with the infinity norm, in Keras's form and with its defaults.
/// </summary>
/// <remarks>
/// At step t (from 1): <c>m ← m + (g − m)(1 − β₁)</c>, <c>u ← max(β₂·u, |g|)</c>,
/// <c>w ← w − lr·m / ((1 − β₁ᵗ)(u + ε))</c>. Element by element on every machine, so the same bits everywhere; the state
/// is stored flushed to zero below 2^-100 (2^-126 for an epsilon below 2^-24), as the library's other optimizers store theirs (see <see cref="Optimizer"/>).
/// </remarks>
/// <example><c>model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adamax(0.002f));</c></example>
public sealed class Adamax : Optimizer
{
    private Tensor[] _momenta = [];
    private Tensor[] _norms = [];

    // This step's 1 − β₁ᵗ (PrepareStep).
    private float _correction;

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001, as in Keras).</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">The decay of the infinity norm, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">The stabiliser added to the norm (default 1e-7, as in Keras).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adamax(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate)
    {
        (Beta1, Beta2, Epsilon) = Check(beta1, beta2, epsilon);
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">The decay of the infinity norm, in [0, 1).</param>
    /// <param name="epsilon">The stabiliser added to the norm.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adamax(LearningRateSchedule schedule, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(schedule)
    {
        (Beta1, Beta2, Epsilon) = Check(beta1, beta2, epsilon);
    }

    /// <summary>The decay of the first-moment average.</summary>
    public float Beta1 { get; }

    /// <summary>The decay of the infinity norm.</summary>
    public float Beta2 { get; }

    /// <summary>The stabiliser added to the norm.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    internal override IReadOnlyList<(string Slot, Tensor[] Values)> Slots =>
        BoundParameters is null ? [] : [("momentum", _momenta), ("norm", _norms)];

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<Parameter> parameters)
    {
        _momenta = StateFor(parameters);
        _norms = StateFor(parameters);
    }

    /// <inheritdoc/>
    private protected override void PrepareStep(float learningRate) =>
        _correction = 1 - MathF.Pow(Beta1, Iterations + 1);

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        Span<float> m = _momenta[index].AsSpan(), u = _norms[index].AsSpan();
        OptimizerGuard.SameLength(value, gradient, m, u);
        float oneMinusBeta1 = 1 - Beta1, beta2 = Beta2, epsilon = Epsilon, correction = _correction, floor = Gemm.StateFloor(Epsilon);
        for (int i = 0; i < value.Length; i++)
        {
            float g = gradient[i];
            float mi = Gemm.FlushBelow(m[i] + (g - m[i]) * oneMinusBeta1, floor);
            float ui = Gemm.FlushBelow(MathF.Max(beta2 * u[i], MathF.Abs(g)), floor);
            m[i] = mi;
            u[i] = ui;
            value[i] -= learningRate * mi / (correction * (ui + epsilon));
        }
    }

    private static (float, float, float) Check(float beta1, float beta2, float epsilon)
    {
        OptimizerGuard.Fraction(beta1, nameof(beta1));
        OptimizerGuard.Fraction(beta2, nameof(beta2));
        OptimizerGuard.NonNegative(epsilon, nameof(epsilon));
        return (beta1, beta2, epsilon);
    }
}
