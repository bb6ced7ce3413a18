using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LogitNet.Kernels;

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
    /// <param name="epsilon">The stabiliser inside the square root (default 1e-7). With 0, a parameter whose gradient is zero from the first step, or long enough for its state to reach zero, gets 0/0 = NaN, as in Keras.</param>
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
    /// <param name="epsilon">The stabiliser inside the square root; see the other constructor about 0.</param>
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

    private protected override unsafe void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        Span<float> velocity = _velocities[index].AsSpan().Slice(offset, value.Length);
        Span<float> momentum = Momentum > 0 ? _momenta[index].AsSpan().Slice(offset, value.Length) : default;
        Span<float> average = Centered ? _averageGradients[index].AsSpan().Slice(offset, value.Length) : default;
        OptimizerGuard.SameLength(value, gradient, velocity, momentum);
        OptimizerGuard.SameLength(value, gradient, velocity, average);
        var rule = new Rule(Rho, 1 - Rho, learningRate, Epsilon, Momentum, Centered);
        fixed (float* w = value, g = gradient, s = velocity, m = momentum, a = average)
        {
            // The widest vectors first, then element by element: the same operations, each correctly
            // rounded, so the same bits on every width (as in Adam).
            int done = Gemm.BestKernel switch
            {
                GemmKernel.Vector512 => Update<GemmVector512, Vector512<float>>(rule, w, g, s, m, a, 0, value.Length),
                GemmKernel.Vector256 => Update<GemmVector256, Vector256<float>>(rule, w, g, s, m, a, 0, value.Length),
                GemmKernel.Vector128 => Update<GemmVector128, Vector128<float>>(rule, w, g, s, m, a, 0, value.Length),
                _ => 0,
            };
            Update<GemmScalar, float>(rule, w, g, s, m, a, done, value.Length);
        }
    }

    /// <summary>The step's constants: ρ, 1 − ρ, the learning rate, ε, the momentum μ, and whether centered.</summary>
    private struct Rule(float rho, float oneMinusRho, float rate, float epsilon, float momentum, bool centered)
    {
        public float Rho = rho, OneMinusRho = oneMinusRho, Rate = rate, Epsilon = epsilon, Momentum = momentum;
        public bool Centered = centered;
    }

    /// <summary>Updates elements [from, end) a whole vector at a time; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int Update<TOps, TVec>(Rule rule, float* w, float* g, float* velocity, float* momentum, float* average, int from, int end)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        TVec r = TOps.Broadcast(&rule.Rho), r1 = TOps.Broadcast(&rule.OneMinusRho), lr = TOps.Broadcast(&rule.Rate);
        TVec e = TOps.Broadcast(&rule.Epsilon), mu = TOps.Broadcast(&rule.Momentum);
        float stateFloor = Gemm.StateFloor(rule.Epsilon);
        TVec floor = TOps.Broadcast(&stateFloor);
        int i = from;
        for (; i <= end - TOps.Width; i += TOps.Width)
        {
            TVec gi = TOps.Load(g + i);
            TVec s = TOps.FlushBelow(TOps.Add(TOps.Multiply(r, TOps.Load(velocity + i)), TOps.Multiply(TOps.Multiply(r1, gi), gi)), floor); // ρs + (1 − ρ)g²
            TOps.Store(velocity + i, s);
            TVec denominator = s;
            if (rule.Centered)
            {
                TVec a = TOps.FlushBelow(TOps.Add(TOps.Multiply(r, TOps.Load(average + i)), TOps.Multiply(r1, gi)), floor); // ρa + (1 − ρ)g
                TOps.Store(average + i, a);
                denominator = TOps.Subtract(denominator, TOps.Multiply(a, a));
            }

            TVec increment = TOps.Divide(TOps.Multiply(lr, gi), TOps.Sqrt(TOps.Add(denominator, e)));          // lr·g / √(s − a² + ε)
            if (rule.Momentum > 0)
            {
                increment = TOps.FlushBelow(TOps.Add(TOps.Multiply(mu, TOps.Load(momentum + i)), increment), floor);
                TOps.Store(momentum + i, increment);
            }

            TOps.Store(w + i, TOps.Subtract(TOps.Load(w + i), increment));
        }

        return i;
    }
}
