using System.Buffers;
using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Categorical focal cross-entropy: each class's cross-entropy term scaled by <c>α·(1 - p_i)^γ</c>, for
/// one-hot or probability targets, from logits (fused with the softmax) or probabilities.
/// </summary>
/// <remarks>
/// <para>
/// Each sample's value is <c>Σ_i α·t_i·(1 - p_i)^γ·(-ln p_i)</c> (Keras 3's form: α multiplies every class),
/// with <c>p = softmax(z)</c> or <c>p</c> divided by its row sum, and without Keras's epsilon clipping.
/// <c>1 - p</c> of the largest class is formed as the others' share, so confident rows keep their digits;
/// for one-hot targets the gradient has the soft cross-entropy's structure and keeps double accuracy.
/// </para>
/// <example>
/// <code>
/// var focal = new CategoricalFocalCrossentropy();
/// Tensor targets = Tensor.FromArray([0f, 1f, 0f, 0f, 0f, 1f], 2, 3);
/// Tensor probabilities = Tensor.FromArray([0.05f, 0.95f, 0f, 0.1f, 0.8f, 0.1f], 2, 3);
/// focal.Call(targets, probabilities).ToScalar();    // 0.23315277 (Keras: 0.23315276)
/// </code>
/// </example>
/// </remarks>
/// <param name="alpha">The weight of every class's term, in [0, 1].</param>
/// <param name="gamma">The focusing exponent, ≥ 0; 0 gives α times categorical cross-entropy.</param>
/// <param name="fromLogits">True when <c>yPred</c> holds logits; false (the default) for probabilities.</param>
/// <param name="labelSmoothing">In [0, 1]: targets become <c>t·(1 - labelSmoothing) + labelSmoothing/classes</c>.</param>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
public sealed class CategoricalFocalCrossentropy(
    float alpha = 0.25f, float gamma = 2f, bool fromLogits = false, float labelSmoothing = 0f,
    Reduction reduction = Reduction.SumOverBatchSize)
    : Loss(reduction)
{
    /// <summary>The weight of every class's term.</summary>
    public float Alpha { get; } = FocalOptions.CheckAlpha(alpha);

    /// <summary>The focusing exponent.</summary>
    public float Gamma { get; } = FocalOptions.CheckGamma(gamma);

    /// <summary>True when predictions are logits; false when they are probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The label smoothing factor in [0, 1].</summary>
    public float LabelSmoothing { get; } = CheckLabelSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override string Name => "categorical_focal_crossentropy";

    private protected override string Options => string.Create(CultureInfo.InvariantCulture,
        $"alpha: {Alpha}, gamma: {Gamma}, fromLogits: {Text(FromLogits)}, labelSmoothing: {LabelSmoothing}");

    private protected override int CheckShapes(Tensor yTrue, Tensor yPred) => RequireOneTargetPerClass(yTrue, yPred);

    private protected override int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples) =>
        CheckCategoricalValues(yTrue, yPred, samples, FromLogits);

    internal override void CheckTargetValues(ReadOnlySpan<float> targets, int rowLength, int sampleLength, string argumentName) =>
        RequireNonNegativeTargets(targets, rowLength, argumentName, sampleLength);

    internal override double Evaluate(in LossBatch batch)
    {
        if (LabelSmoothing == 0f)
        {
            return FocalKernels.Categorical(batch, Alpha, Gamma, FromLogits);
        }

        float[] smoothed = ArrayPool<float>.Shared.Rent(batch.YTrue.Length);
        try
        {
            double keep = 1.0 - LabelSmoothing;
            double share = (double)LabelSmoothing / batch.RowLength;
            for (int i = 0; i < batch.YTrue.Length; i++)
            {
                smoothed[i] = (float)(batch.YTrue[i] * keep + share);
            }

            var smoothedBatch = new LossBatch(
                smoothed.AsSpan(0, batch.YTrue.Length), batch.YPred, batch.Samples, batch.RowLength, batch.LabelStride,
                batch.PerSample, batch.Gradient, batch.Weights, batch.SamplesPerWeight, batch.FirstSample, batch.GradientScale);
            return FocalKernels.Categorical(smoothedBatch, Alpha, Gamma, FromLogits);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(smoothed);
        }
    }
}
