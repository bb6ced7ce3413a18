using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, 2015) with Keras's defaults and its form of the update.
/// </summary>
/// <remarks>
/// At step t (from 1): <c>m ← m + (g − m)(1 − β₁)</c>, <c>v ← v + (g² − v)(1 − β₂)</c>,
/// <c>w ← w − α·m / (√v + ε)</c> with <c>α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)</c>. As in Keras, ε is added
/// to √v after the bias correction is folded into α (PyTorch adds it to the corrected √v̂, a
/// difference that matters only when √v is near ε).
/// </remarks>
/// <example>
/// With <c>new Adam(learningRate: 0.5f)</c>, weights [1, 2, 3, 4] and gradients [1, 6, 7, 2] become
/// [0.5, 1.5, 2.5, 3.5] after one step: the first Adam step moves each weight by about the learning rate.
/// </example>
public class Adam : Optimizer
{
    private Tensor[] _firstMoments = [];
    private Tensor[] _secondMoments = [];

    // This step's bias-corrected step size (PrepareStep).
    private float _stepSize;

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001).</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">The decay of the second-moment average, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">The stabiliser added to √v (default 1e-7, as in Keras). With 0, a parameter whose gradient is zero from the first step, or long enough for its state to reach zero, gets 0/0 = NaN, as in Keras.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate)
    {
        (Beta1, Beta2, Epsilon) = Check(beta1, beta2, epsilon);
    }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">The decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">The stabiliser added to √v; see the other constructor about 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adam(LearningRateSchedule schedule, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(schedule)
    {
        (Beta1, Beta2, Epsilon) = Check(beta1, beta2, epsilon);
    }

    /// <summary>The decay of the first-moment average.</summary>
    public float Beta1 { get; }

    /// <summary>The decay of the second-moment average.</summary>
    public float Beta2 { get; }

    /// <summary>The stabiliser added to √v.</summary>
    public float Epsilon { get; }

    /// <summary>The decoupled weight decay of <see cref="AdamW"/>, applied before each update as <c>w ← w − (w·weightDecay)·lr</c>; 0 for plain Adam, which has no decay step.</summary>
    public float WeightDecay { get; private protected init; }

    /// <summary>
    /// Whether each update starts with the decay step <c>w ← w − (w·weightDecay)·lr</c>: AdamW's, even at a rate
    /// of 0, as Keras applies it whenever <c>weight_decay</c> is set; never plain Adam's, which in Keras has no
    /// such step (<c>w − w·0</c> would turn a −0 weight into +0 and an infinite one into NaN).
    /// </summary>
    private protected virtual bool DecaysWeights => false;

    /// <inheritdoc/>
    internal override IReadOnlyList<(string Slot, Tensor[] Values)> Slots =>
        BoundParameters is null ? [] : [("momentum", _firstMoments), ("velocity", _secondMoments)];

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<Parameter> parameters)
    {
        _firstMoments = StateFor(parameters);
        _secondMoments = StateFor(parameters);
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate) =>
        UpdateRange(index, 0, value, gradient, learningRate);

    private protected override bool UpdatesRanges => true;

    /// <inheritdoc/>
    private protected override void PrepareStep(float learningRate)
    {
        long step = Iterations + 1;
        _stepSize = (float)(learningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
    }

    private protected override unsafe void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        Span<float> m = _firstMoments[index].AsSpan().Slice(offset, value.Length);
        Span<float> v = _secondMoments[index].AsSpan().Slice(offset, value.Length);
        OptimizerGuard.SameLength(value, gradient, m, v);
        var rule = new Rule(_stepSize, DecaysWeights, WeightDecay, learningRate, 1 - Beta1, 1 - Beta2, Epsilon);
        fixed (float* w = value, g = gradient, pm = m, pv = v)
        {
            // The widest vectors first (with its state in cache the step is bound by the divider, a
            // division and a square root per element), then element by element: the same
            // operations, each correctly rounded, so the same bits on every width.
            int done = Gemm.BestKernel switch
            {
                GemmKernel.Vector512 => Update<GemmVector512, Vector512<float>>(rule, w, g, pm, pv, 0, value.Length),
                GemmKernel.Vector256 => Update<GemmVector256, Vector256<float>>(rule, w, g, pm, pv, 0, value.Length),
                GemmKernel.Vector128 => Update<GemmVector128, Vector128<float>>(rule, w, g, pm, pv, 0, value.Length),
                _ => 0,
            };
            Update<GemmScalar, float>(rule, w, g, pm, pv, done, value.Length);
        }
    }

    /// <summary>This step's constants: the bias-corrected step size, whether it decays and by what rates, 1 − β1, 1 − β2, ε.</summary>
    private struct Rule(float stepSize, bool decays, float weightDecay, float learningRate, float oneMinusBeta1, float oneMinusBeta2, float epsilon)
    {
        public float StepSize = stepSize, WeightDecay = weightDecay, LearningRate = learningRate, OneMinusBeta1 = oneMinusBeta1, OneMinusBeta2 = oneMinusBeta2, Epsilon = epsilon;
        public bool Decays = decays;
    }

    /// <summary>Updates elements [from, end) a whole vector at a time; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int Update<TOps, TVec>(Rule rule, float* w, float* g, float* m, float* v, int from, int end)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        // A test per vector rather than a loop per case: the loop is bound by its divider, and the branch always goes one way.
        bool decays = rule.Decays;
        TVec a = TOps.Broadcast(&rule.StepSize), wd = TOps.Broadcast(&rule.WeightDecay), lr = TOps.Broadcast(&rule.LearningRate), e = TOps.Broadcast(&rule.Epsilon);
        TVec b1 = TOps.Broadcast(&rule.OneMinusBeta1), b2 = TOps.Broadcast(&rule.OneMinusBeta2);
        float stateFloor = Gemm.StateFloor(rule.Epsilon);
        TVec floor = TOps.Broadcast(&stateFloor);
        int i = from;
        for (; i <= end - TOps.Width; i += TOps.Width)
        {
            TVec gi = TOps.Load(g + i);
            TVec mi = TOps.Load(m + i);
            TVec vi = TOps.Load(v + i);
            mi = TOps.FlushBelow(TOps.Add(mi, TOps.Multiply(TOps.Subtract(gi, mi), b1)), floor);               // m += (g − m)(1 − β1)
            vi = TOps.FlushBelow(TOps.Add(vi, TOps.Multiply(TOps.Subtract(TOps.Multiply(gi, gi), vi), b2)), floor); // v += (g² − v)(1 − β2)
            TOps.Store(m + i, mi);
            TOps.Store(v + i, vi);
            TVec wi = TOps.Load(w + i);
            if (decays)
            {
                wi = TOps.Subtract(wi, TOps.Multiply(TOps.Multiply(wi, wd), lr));        // w −= (w·wd)·lr, Keras's order
            }

            wi = TOps.Subtract(wi, TOps.Divide(TOps.Multiply(a, mi), TOps.Add(TOps.Sqrt(vi), e))); // w −= α·m / (√v + ε)
            TOps.Store(w + i, wi);
        }

        return i;
    }

    private static (float, float, float) Check(float beta1, float beta2, float epsilon)
    {
        OptimizerGuard.Fraction(beta1, nameof(beta1));
        OptimizerGuard.Fraction(beta2, nameof(beta2));
        OptimizerGuard.NonNegative(epsilon, nameof(epsilon));
        return (beta1, beta2, epsilon);
    }
}
