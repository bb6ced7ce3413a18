using System.Runtime.Intrinsics;
using System.Numerics;
using System.Runtime.InteropServices;

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

    // This step's bias-corrected step size and weight decay (PrepareStep).
    private float _stepSize;
    private float _stepDecay;

    /// <summary>Creates the optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size (default 0.001).</param>
    /// <param name="beta1">The decay of the first-moment average, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">The decay of the second-moment average, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">The stabiliser added to √v (default 1e-7, as in Keras).</param>
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
    /// <param name="epsilon">The stabiliser added to √v.</param>
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

    /// <summary>The decoupled weight decay applied before each update (0 for plain Adam; see <see cref="AdamW"/>).</summary>
    public float WeightDecay { get; private protected init; }

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
        _stepDecay = WeightDecay * learningRate;
    }

    private protected override void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate)
    {
        float alpha = _stepSize, decay = _stepDecay;
        float oneMinusBeta1 = 1 - Beta1, oneMinusBeta2 = 1 - Beta2, epsilon = Epsilon;
        Span<float> m = _firstMoments[index].AsSpan().Slice(offset, value.Length);
        Span<float> v = _secondMoments[index].AsSpan().Slice(offset, value.Length);
        OptimizerGuard.SameLength(value, gradient, m, v);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The step is bound by the divider (a division and a square root per element) when its
            // state is in cache: 512-bit vectors halve that on CPUs with full-width dividers. The
            // same operations, each correctly rounded, so the same bits as the narrower loop below.
            ref float w0 = ref MemoryMarshal.GetReference(value);
            ref float g0 = ref MemoryMarshal.GetReference(gradient);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            var a = Vector512.Create(alpha);
            var d = Vector512.Create(decay);
            var b1 = Vector512.Create(oneMinusBeta1);
            var b2 = Vector512.Create(oneMinusBeta2);
            var e = Vector512.Create(epsilon);
            for (; i <= value.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint at = (nuint)i;
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, at);
                Vector512<float> mi = Vector512.LoadUnsafe(ref m0, at);
                Vector512<float> vi = Vector512.LoadUnsafe(ref v0, at);
                mi += (g - mi) * b1;
                vi += (g * g - vi) * b2;
                mi.StoreUnsafe(ref m0, at);
                vi.StoreUnsafe(ref v0, at);
                Vector512<float> w = Vector512.LoadUnsafe(ref w0, at);
                w -= w * d;
                (w - a * mi / (Vector512.Sqrt(vi) + e)).StoreUnsafe(ref w0, at);
            }
        }

        if (Vector.IsHardwareAccelerated)
        {
            // Unchecked loads and stores: the four spans have the parameter's length (checked on entry),
            // and per-iteration slicing cost more than the arithmetic.
            ref float w0 = ref MemoryMarshal.GetReference(value);
            ref float g0 = ref MemoryMarshal.GetReference(gradient);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            var a = new Vector<float>(alpha);
            var d = new Vector<float>(decay);
            var b1 = new Vector<float>(oneMinusBeta1);
            var b2 = new Vector<float>(oneMinusBeta2);
            var e = new Vector<float>(epsilon);
            for (; i <= value.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                Vector<float> g = Vector.LoadUnsafe(ref g0, at);
                Vector<float> mi = Vector.LoadUnsafe(ref m0, at);
                Vector<float> vi = Vector.LoadUnsafe(ref v0, at);
                mi += (g - mi) * b1;
                vi += (g * g - vi) * b2;
                mi.StoreUnsafe(ref m0, at);
                vi.StoreUnsafe(ref v0, at);
                Vector<float> w = Vector.LoadUnsafe(ref w0, at);
                w -= w * d;
                (w - a * mi / (Vector.SquareRoot(vi) + e)).StoreUnsafe(ref w0, at);
            }
        }

        for (; i < value.Length; i++)
        {
            float g = gradient[i];
            float mi = m[i] + (g - m[i]) * oneMinusBeta1;
            float vi = v[i] + (g * g - v[i]) * oneMinusBeta2;
            m[i] = mi;
            v[i] = vi;
            float w = value[i];
            w -= w * decay;
            value[i] = w - alpha * mi / (MathF.Sqrt(vi) + epsilon);
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
