using System.Runtime.Intrinsics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace LogitNet.Optimizers;

/// <summary>
/// RMSprop (Hinton, 2012) as Keras's <c>RMSprop</c>: <c>s ← ρ·s + (1 − ρ)·g²</c>, then
/// <c>w ← w − lr·g / √(s + ε)</c>; optionally centered (s minus the squared mean gradient) and with momentum.
/// </summary>
/// <example>
/// With <c>new RMSprop(learningRate: 0.1f, rho: 0.9f)</c> and gradient 2 on a weight of 1, the first step
/// gives s = 0.4 and w = 1 − 0.1·2/√0.4 = 0.68377.
/// </example>
public sealed class RMSprop : Optimizer
{
    private Tensor[] _velocities = [];
    private Tensor[] _momenta = [];
    private Tensor[] _averageGradients = [];

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001).</param>
    /// <param name="rho">The decay of the squared-gradient average, in [0, 1) (default 0.9).</param>
    /// <param name="momentum">The momentum in [0, 1) (default 0).</param>
    /// <param name="epsilon">The stabiliser inside the square root (default 1e-7).</param>
    /// <param name="centered">Whether to divide by the estimated variance rather than the second moment.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public RMSprop(float learningRate = 0.001f, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(learningRate)
    {
        OptimizerGuard.Fraction(rho, nameof(rho));
        OptimizerGuard.Fraction(momentum, nameof(momentum));
        OptimizerGuard.NonNegative(epsilon, nameof(epsilon));
        (Rho, Momentum, Epsilon, Centered) = (rho, momentum, epsilon, centered);
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="rho">The decay of the squared-gradient average, in [0, 1).</param>
    /// <param name="momentum">The momentum in [0, 1).</param>
    /// <param name="epsilon">The stabiliser inside the square root.</param>
    /// <param name="centered">Whether to divide by the estimated variance rather than the second moment.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public RMSprop(LearningRateSchedule schedule, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(schedule)
    {
        OptimizerGuard.Fraction(rho, nameof(rho));
        OptimizerGuard.Fraction(momentum, nameof(momentum));
        OptimizerGuard.NonNegative(epsilon, nameof(epsilon));
        (Rho, Momentum, Epsilon, Centered) = (rho, momentum, epsilon, centered);
    }

    /// <summary>The decay of the squared-gradient average.</summary>
    public float Rho { get; }

    /// <summary>The momentum.</summary>
    public float Momentum { get; }

    /// <summary>The stabiliser inside the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the update divides by the centered second moment.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    internal override IReadOnlyList<(string Slot, Tensor[] Values)> Slots
    {
        get
        {
            if (BoundParameters is null)
            {
                return [];
            }

            List<(string, Tensor[])> slots = [("velocity", _velocities)];
            if (Momentum > 0)
            {
                slots.Add(("momentum", _momenta));
            }

            if (Centered)
            {
                slots.Add(("average_gradient", _averageGradients));
            }

            return slots;
        }
    }

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<Parameter> parameters)
    {
        _velocities = StateFor(parameters);
        _momenta = Momentum > 0 ? StateFor(parameters) : [];
        _averageGradients = Centered ? StateFor(parameters) : [];
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate) =>
        UpdateRange(index, 0, value, gradient, learningRate);

    private protected override bool UpdatesRanges => true;

    private protected override void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        Span<float> velocity = _velocities[index].AsSpan().Slice(offset, value.Length);
        Span<float> momentum = Momentum > 0 ? _momenta[index].AsSpan().Slice(offset, value.Length) : default;
        Span<float> average = Centered ? _averageGradients[index].AsSpan().Slice(offset, value.Length) : default;
        float rho = Rho, oneMinusRho = 1 - Rho, mu = Momentum, epsilon = Epsilon;
        OptimizerGuard.SameLength(value, gradient, velocity, momentum);
        OptimizerGuard.SameLength(value, gradient, velocity, average);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // 512-bit vectors first, as in Adam: the square root and division bound the step.
            ref float w0 = ref MemoryMarshal.GetReference(value);
            ref float g0 = ref MemoryMarshal.GetReference(gradient);
            ref float s0 = ref MemoryMarshal.GetReference(velocity);
            ref float m0 = ref MemoryMarshal.GetReference(momentum);
            ref float a0 = ref MemoryMarshal.GetReference(average);
            var r = Vector512.Create(rho);
            var r1 = Vector512.Create(oneMinusRho);
            var lr = Vector512.Create(learningRate);
            var e = Vector512.Create(epsilon);
            var m = Vector512.Create(mu);
            for (; i <= value.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint at = (nuint)i;
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, at);
                Vector512<float> s = r * Vector512.LoadUnsafe(ref s0, at) + r1 * g * g;
                s.StoreUnsafe(ref s0, at);
                Vector512<float> denominator = s;
                if (Centered)
                {
                    Vector512<float> a = r * Vector512.LoadUnsafe(ref a0, at) + r1 * g;
                    a.StoreUnsafe(ref a0, at);
                    denominator -= a * a;
                }

                Vector512<float> increment = lr * g / Vector512.Sqrt(denominator + e);
                if (mu > 0)
                {
                    increment = m * Vector512.LoadUnsafe(ref m0, at) + increment;
                    increment.StoreUnsafe(ref m0, at);
                }

                (Vector512.LoadUnsafe(ref w0, at) - increment).StoreUnsafe(ref w0, at);
            }
        }

        if (Vector.IsHardwareAccelerated)
        {
            // Unchecked loads and stores, as in Adam: the state spans have the parameter's length.
            ref float w0 = ref MemoryMarshal.GetReference(value);
            ref float g0 = ref MemoryMarshal.GetReference(gradient);
            ref float s0 = ref MemoryMarshal.GetReference(velocity);
            ref float m0 = ref MemoryMarshal.GetReference(momentum);
            ref float a0 = ref MemoryMarshal.GetReference(average);
            var r = new Vector<float>(rho);
            var r1 = new Vector<float>(oneMinusRho);
            var lr = new Vector<float>(learningRate);
            var e = new Vector<float>(epsilon);
            var m = new Vector<float>(mu);
            for (; i <= value.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                Vector<float> g = Vector.LoadUnsafe(ref g0, at);
                Vector<float> s = r * Vector.LoadUnsafe(ref s0, at) + r1 * g * g;
                s.StoreUnsafe(ref s0, at);
                Vector<float> denominator = s;
                if (Centered)
                {
                    Vector<float> a = r * Vector.LoadUnsafe(ref a0, at) + r1 * g;
                    a.StoreUnsafe(ref a0, at);
                    denominator -= a * a;
                }

                Vector<float> increment = lr * g / Vector.SquareRoot(denominator + e);
                if (mu > 0)
                {
                    increment = m * Vector.LoadUnsafe(ref m0, at) + increment;
                    increment.StoreUnsafe(ref m0, at);
                }

                (Vector.LoadUnsafe(ref w0, at) - increment).StoreUnsafe(ref w0, at);
            }
        }

        for (; i < value.Length; i++)
        {
            float g = gradient[i];
            float s = rho * velocity[i] + oneMinusRho * g * g;
            velocity[i] = s;
            float denominator = s;
            if (Centered)
            {
                float a = rho * average[i] + oneMinusRho * g;
                average[i] = a;
                denominator -= a * a;
            }

            float increment = learningRate * g / MathF.Sqrt(denominator + epsilon);
            if (mu > 0)
            {
                increment = mu * momentum[i] + increment;
                momentum[i] = increment;
            }

            value[i] -= increment;
        }
    }
}
