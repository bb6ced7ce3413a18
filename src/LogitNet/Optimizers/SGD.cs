using System.Numerics;
using System.Runtime.InteropServices;
using LogitNet.Kernels;

namespace LogitNet.Optimizers;

/// <summary>
/// Stochastic gradient descent, with optional momentum and Nesterov momentum, as Keras's <c>SGD</c>.
/// </summary>
/// <remarks>
/// Without momentum: <c>w ← w − lr·g</c>. With momentum μ: <c>v ← μ·v − lr·g</c>, then
/// <c>w ← w + v</c>, or with Nesterov <c>w ← w + μ·v − lr·g</c>.
/// </remarks>
/// <example>
/// With <c>new SGD(learningRate: 0.5f)</c>, weights [1, 2, 3, 4] and gradients [1, 6, 7, 2] become
/// [0.5, -1, -0.5, 3] after one <see cref="Optimizer.Apply"/>.
/// </example>
public sealed class SGD : Optimizer
{
    private Tensor[] _velocities = [];

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (Keras's default 0.01).</param>
    /// <param name="momentum">The momentum μ in [0, 1]; 0 for plain gradient descent.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public SGD(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false)
        : base(learningRate)
    {
        OptimizerGuard.Fraction(momentum, nameof(momentum), includeOne: true);
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="momentum">The momentum μ in [0, 1].</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1].</exception>
    public SGD(LearningRateSchedule schedule, float momentum = 0f, bool nesterov = false)
        : base(schedule)
    {
        OptimizerGuard.Fraction(momentum, nameof(momentum), includeOne: true);
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    internal override IReadOnlyList<(string Slot, Tensor[] Values)> Slots =>
        BoundParameters is null || Momentum == 0 ? [] : [("momentum", _velocities)];

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<Parameter> parameters)
    {
        _velocities = Momentum == 0 ? [] : StateFor(parameters);
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate) =>
        UpdateRange(index, 0, value, gradient, learningRate);

    private protected override bool UpdatesRanges => true;

    private protected override void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        int i = 0;
        if (Momentum == 0)
        {
            OptimizerGuard.SameLength(value, gradient, value);
            if (Vector.IsHardwareAccelerated)
            {
                ref float w0 = ref MemoryMarshal.GetReference(value);
                ref float g0 = ref MemoryMarshal.GetReference(gradient);
                var rate = new Vector<float>(learningRate);
                for (; i <= value.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    (Vector.LoadUnsafe(ref w0, (nuint)i) - rate * Vector.LoadUnsafe(ref g0, (nuint)i)).StoreUnsafe(ref w0, (nuint)i);
                }
            }

            for (; i < value.Length; i++)
            {
                value[i] -= learningRate * gradient[i];
            }

            return;
        }

        Span<float> velocity = _velocities[index].AsSpan().Slice(offset, value.Length);
        OptimizerGuard.SameLength(value, gradient, velocity);
        float momentum = Momentum;
        if (Vector.IsHardwareAccelerated)
        {
            ref float w0 = ref MemoryMarshal.GetReference(value);
            ref float g0 = ref MemoryMarshal.GetReference(gradient);
            ref float v0 = ref MemoryMarshal.GetReference(velocity);
            var rate = new Vector<float>(learningRate);
            var mu = new Vector<float>(momentum);
            var smallestNormal = new Vector<float>(Gemm.SmallestNormal);
            var negativeZero = new Vector<float>(-0f);
            for (; i <= value.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                Vector<float> step = rate * Vector.LoadUnsafe(ref g0, at);
                Vector<float> v = mu * Vector.LoadUnsafe(ref v0, at) - step;
                v = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(v), smallestNormal), v & negativeZero, v);
                v.StoreUnsafe(ref v0, at);
                Vector<float> w = Vector.LoadUnsafe(ref w0, at);
                (Nesterov ? w + (mu * v - step) : w + v).StoreUnsafe(ref w0, at);
            }
        }

        for (; i < value.Length; i++)
        {
            float step = learningRate * gradient[i];
            float v = Gemm.FlushSubnormal(momentum * velocity[i] - step);
            velocity[i] = v;
            value[i] = Nesterov ? value[i] + (momentum * v - step) : value[i] + v;
        }
    }
}
