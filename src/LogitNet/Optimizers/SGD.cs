using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
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
        var rule = new MomentumRule(learningRate, Momentum, Nesterov);
        fixed (float* w = value, g = gradient, v = velocity)
        {
            // The widest vectors, then element by element: the same operations, so the same bits.
            int done = Gemm.BestKernel switch
            {
                GemmKernel.Vector512 => MomentumUpdate<GemmVector512, Vector512<float>>(rule, w, g, v, 0, value.Length),
                GemmKernel.Vector256 => MomentumUpdate<GemmVector256, Vector256<float>>(rule, w, g, v, 0, value.Length),
                GemmKernel.Vector128 => MomentumUpdate<GemmVector128, Vector128<float>>(rule, w, g, v, 0, value.Length),
                _ => 0,
            };
            MomentumUpdate<GemmScalar, float>(rule, w, g, v, done, value.Length);
        }
    }

    /// <summary>This step's constants: the learning rate, μ, and whether Nesterov.</summary>
    private struct MomentumRule(float rate, float momentum, bool nesterov)
    {
        public float Rate = rate, Momentum = momentum;
        public bool Nesterov = nesterov;
    }

    /// <summary>
    /// v ← μ·v − lr·g (stored flushed, see <see cref="Optimizer"/>), then w ← w + v, or with Nesterov
    /// w ← w + (μ·v − lr·g), on elements [from, end) a whole vector at a time; returns where it stopped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int MomentumUpdate<TOps, TVec>(MomentumRule rule, float* w, float* g, float* v, int from, int end)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        TVec rate = TOps.Broadcast(&rule.Rate), mu = TOps.Broadcast(&rule.Momentum);
        float stateFloor = Gemm.NegligibleState;
        TVec floor = TOps.Broadcast(&stateFloor);
        int i = from;
        for (; i <= end - TOps.Width; i += TOps.Width)
        {
            TVec step = TOps.Multiply(rate, TOps.Load(g + i));
            TVec vi = TOps.FlushBelow(TOps.Subtract(TOps.Multiply(mu, TOps.Load(v + i)), step), floor);
            TOps.Store(v + i, vi);
            TVec wi = TOps.Load(w + i);
            TOps.Store(w + i, TOps.Add(wi, rule.Nesterov ? TOps.Subtract(TOps.Multiply(mu, vi), step) : vi));
        }

        return i;
    }
}
