using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Binary focal cross-entropy: binary cross-entropy scaled by <c>(1 - p_t)^gamma</c>, which shrinks the
/// loss of examples the model already gets right and focuses training on the hard ones.
/// </summary>
/// <remarks>
/// <para>
/// Each sample's value is the mean over the last axis of <c>w·(1 - p_t)^γ·BCE(y, p)</c>, where
/// <c>p_t = y·p + (1-y)·(1-p)</c> and, with <paramref name="applyClassBalancing"/>, <c>w = y·α + (1-y)·(1-α)</c>
/// (else 1), as in Keras 3. From logits, <c>1 - p_t = y·σ(-z) + (1-y)·σ(z)</c> and the cross-entropy are
/// formed without cancellation, so loss values and hard-label gradients keep double accuracy (within 1
/// float32 ulp); soft-label gradients sum two terms of opposite sign, as the exact value does.
/// From probabilities nothing is clipped (p = 0 and 1 as in <see cref="BinaryCrossentropy"/>).
/// </para>
/// <example>
/// <code>
/// var focal = new BinaryFocalCrossentropy(gamma: 2f, fromLogits: true);
/// Tensor labels = Tensor.FromArray([0f, 1f, 0f, 0f], 4, 1);
/// Tensor logits = Tensor.FromArray([-18.6f, 0.51f, 2.94f, -12.8f], 4, 1);
/// focal.Call(labels, logits).ToScalar();     // 0.6912121 (Keras: 0.691)
/// </code>
/// </example>
/// </remarks>
/// <param name="applyClassBalancing">Whether to weight positives by <paramref name="alpha"/> and negatives by 1 - alpha.</param>
/// <param name="alpha">The weight of the positive class when balancing, in [0, 1].</param>
/// <param name="gamma">The focusing exponent, ≥ 0; 0 gives binary cross-entropy.</param>
/// <param name="fromLogits">True when <c>yPred</c> holds logits; false (the default) for probabilities.</param>
/// <param name="labelSmoothing">In [0, 1]: labels become <c>y·(1 - labelSmoothing) + labelSmoothing/2</c>.</param>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
public sealed class BinaryFocalCrossentropy(
    bool applyClassBalancing = false, float alpha = 0.25f, float gamma = 2f, bool fromLogits = false,
    float labelSmoothing = 0f, Reduction reduction = Reduction.SumOverBatchSize)
    : Loss(reduction)
{
    /// <summary>Whether positives are weighted by <see cref="Alpha"/> and negatives by 1 - <see cref="Alpha"/>.</summary>
    public bool ApplyClassBalancing { get; } = applyClassBalancing;

    /// <summary>The weight of the positive class when balancing.</summary>
    public float Alpha { get; } = FocalOptions.CheckAlpha(alpha);

    /// <summary>The focusing exponent.</summary>
    public float Gamma { get; } = FocalOptions.CheckGamma(gamma);

    /// <summary>True when predictions are logits; false when they are probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The label smoothing factor in [0, 1].</summary>
    public float LabelSmoothing { get; } = CheckLabelSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override string Name => "binary_focal_crossentropy";

    private protected override string Options => string.Create(CultureInfo.InvariantCulture,
        $"applyClassBalancing: {Text(ApplyClassBalancing)}, alpha: {Alpha}, gamma: {Gamma}, fromLogits: {Text(FromLogits)}, labelSmoothing: {LabelSmoothing}");

    private protected override int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples) =>
        CheckBinaryValues(yTrue, yPred, samples, FromLogits);

    internal override void CheckTargetValues(ReadOnlySpan<float> targets, int rowLength, int sampleLength, string argumentName) =>
        RequireUnitLabels(targets, argumentName);

    internal override double Evaluate(in LossBatch batch) => FromLogits
        ? ElementwiseLossDriver.Run(new FocalKernels.BinaryLogits(Alpha, Gamma, ApplyClassBalancing, LabelSmoothing), batch)
        : ElementwiseLossDriver.Run(new FocalKernels.BinaryProbabilities(Alpha, Gamma, ApplyClassBalancing, LabelSmoothing), batch);
}
