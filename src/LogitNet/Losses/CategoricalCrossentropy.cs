using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Categorical cross-entropy with one-hot or probability targets: from logits (fused with the
/// softmax, exactly) or from probabilities.
/// </summary>
/// <remarks>
/// <para>
/// Targets have the shape of the predictions, classes on the last axis; each sample's value is
/// <c>-Σ_j t_j·ln p_j</c> with <c>p = softmax(z)</c> (<paramref name="fromLogits"/>) or <c>p</c> divided by
/// its row sum. Targets are used as given (they need not sum to 1, but none may be negative); a class with <c>t_j = 0</c> contributes
/// 0 even when its logit is -∞ (a masked class). For class ids use <see cref="SparseCategoricalCrossentropy"/>.
/// </para>
/// <para>
/// From logits the loss is <c>Σ t_j·(m - z_j) + T·log1p(Σ_{j≠k} e^(z_j - m))</c>
/// (m = max z at class k, T = Σ t), every term ≥ 0, and one-hot targets meet 1 ulp in value and in every
/// gradient component; for soft targets the gradient <c>softmax(z)·T - t</c> can cancel inherently and is
/// accurate normwise (see docs/from-logits.md). From probabilities there is no epsilon clipping; a target
/// class with p = 0 is evaluated at p = 2^-149; a row of probabilities that are all 0 is no distribution and is
/// refused with an <see cref="ArgumentException"/> naming the row.
/// </para>
/// <example>
/// <code>
/// var cce = new CategoricalCrossentropy();
/// Tensor targets = Tensor.FromArray([0f, 1f, 0f, 0f, 0f, 1f], 2, 3);
/// Tensor probabilities = Tensor.FromArray([0.05f, 0.95f, 0f, 0.1f, 0.8f, 0.1f], 2, 3);
/// cce.Call(targets, probabilities).ToScalar();                          // 1.1769392 (Keras: 1.177)
///
/// var fromLogits = new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f);
/// Tensor logits = Tensor.FromArray([4f, 1f, -2f], 1, 3);
/// fromLogits.Call(Tensor.FromArray([1f, 0f, 0f], 1, 3), logits).ToScalar();   // 0.35094577
/// </code>
/// </example>
/// </remarks>
/// <param name="fromLogits">True when <c>yPred</c> holds logits; false (the default) for probabilities.</param>
/// <param name="labelSmoothing">In [0, 1]: targets become <c>t·(1 - labelSmoothing) + labelSmoothing/classes</c>.</param>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1], or <paramref name="reduction"/> is not defined.</exception>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, Reduction reduction = Reduction.SumOverBatchSize)
    : Loss(reduction)
{
    /// <summary>True when predictions are logits; false when they are probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The label smoothing factor in [0, 1].</summary>
    public float LabelSmoothing { get; } = CheckLabelSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    private protected override string Options => string.Create(CultureInfo.InvariantCulture, $"fromLogits: {Text(FromLogits)}, labelSmoothing: {LabelSmoothing}");

    private protected override int CheckShapes(Tensor yTrue, Tensor yPred) =>
        RequireOneTargetPerClass(yTrue, yPred, " For class ids (one per sample), use SparseCategoricalCrossentropy.");

    private protected override int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples) =>
        CheckCategoricalValues(yTrue, yPred, samples, FromLogits);

    internal override void CheckTargetValues(ReadOnlySpan<float> targets, int rowLength, int sampleLength, string argumentName) =>
        RequireNonNegativeTargets(targets, rowLength, argumentName, sampleLength);

    internal override double Evaluate(in LossBatch batch)
    {
        if (LabelSmoothing == 0f)
        {
            return FromLogits ? SoftmaxCrossentropyKernel.Dense(batch) : CategoricalCrossentropyKernel.Dense(batch);
        }

        // Smoothed targets are formed in double and rounded to float32, as Keras forms them in float32,
        // then used exactly; a pooled buffer keeps the call allocation-free once warm.
        float[] smoothed = System.Buffers.ArrayPool<float>.Shared.Rent(batch.YTrue.Length);
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
            return FromLogits ? SoftmaxCrossentropyKernel.Dense(smoothedBatch) : CategoricalCrossentropyKernel.Dense(smoothedBatch);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(smoothed);
        }
    }
}
