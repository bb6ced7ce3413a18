using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Binary cross-entropy: the loss of independent yes/no predictions, from logits (fused with the
/// sigmoid, exactly) or from probabilities.
/// </summary>
/// <remarks>
/// <para>
/// Each sample's value is the mean over the last axis of
/// <c>-y·ln σ(z) - (1-y)·ln(1 - σ(z))</c> (<paramref name="fromLogits"/>) or
/// <c>-y·ln p - (1-y)·ln(1 - p)</c>; labels are 0, 1 or anything in between (others are refused: outside [0, 1] the loss has no minimum). <c>[n, 1]</c> predictions
/// (a <c>Dense(1)</c> output) give <c>[n]</c> per-sample values; <c>[n]</c> labels are accepted for them.
/// </para>
/// <para>
/// From logits the loss is <c>y·softplus(-z) + (1-y)·softplus(z)</c>, two terms that are never negative,
/// and the gradient is <c>σ(z) - y</c> without cancellation: both within 1 float32 ulp of the exact value
/// for every finite input (logit 1e4 against label 0 gives 1e4; logit 30 against label 1 gives 9.357623e-14,
/// not 0). From probabilities nothing is clipped: <c>p = 1e-10</c> against label 1 gives 23.02585, not
/// Keras's 16.118 (the value at its epsilon 1e-7). <c>p = 0</c> or <c>1</c> against the opposite label is
/// evaluated at the nearest representable probability (2^-149, or 1 - 2^-24): 103.27893 for
/// <c>p = 0</c>, label 1, and 16.635532 for <c>p = 1</c>, label 0.
/// </para>
/// <example>
/// <code>
/// var bce = new BinaryCrossentropy(fromLogits: true);
/// Tensor labels = Tensor.FromArray([0f, 1f, 0f, 0f], 4, 1);
/// Tensor logits = Tensor.FromArray([-18.6f, 0.51f, 2.94f, -12.8f], 4, 1);
/// float loss = bce.Call(labels, logits).ToScalar();                 // 0.865458 (Keras: 0.8654)
/// Tensor grad = bce.Gradient(labels, logits);                       // [8.35e-09, -0.3752, 0.9498, 2.76e-06]
///
/// var fromProbabilities = new BinaryCrossentropy();
/// Tensor y = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);
/// Tensor p = Tensor.FromArray([0.6f, 0.4f, 0.4f, 0.6f], 2, 2);
/// fromProbabilities.Call(y, p).ToScalar();                          // 0.8149245 (Keras: 0.815)
/// </code>
/// </example>
/// </remarks>
/// <param name="fromLogits">True when <c>yPred</c> holds logits (raw scores); false (the default) for probabilities in [0, 1].</param>
/// <param name="labelSmoothing">In [0, 1]: labels become <c>y·(1 - labelSmoothing) + labelSmoothing/2</c> (in double).</param>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1], or <paramref name="reduction"/> is not defined.</exception>
public sealed class BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, Reduction reduction = Reduction.SumOverBatchSize)
    : Loss(reduction)
{
    /// <summary>True when predictions are logits; false when they are probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The label smoothing factor in [0, 1].</summary>
    public float LabelSmoothing { get; } = CheckLabelSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    private protected override string Options => string.Create(CultureInfo.InvariantCulture, $"fromLogits: {Text(FromLogits)}, labelSmoothing: {LabelSmoothing}");

    private protected override int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples) =>
        CheckBinaryValues(yTrue, yPred, samples, FromLogits);

    internal override void CheckTargetValues(ReadOnlySpan<float> targets, int rowLength, int sampleLength, string argumentName) =>
        RequireUnitLabels(targets, argumentName);

    internal override double Evaluate(in LossBatch batch) => FromLogits
        ? ElementwiseLossDriver.Run(new BinaryCrossentropyKernel.Logits(LabelSmoothing), batch)
        : ElementwiseLossDriver.Run(new BinaryCrossentropyKernel.Probabilities(LabelSmoothing), batch);
}
