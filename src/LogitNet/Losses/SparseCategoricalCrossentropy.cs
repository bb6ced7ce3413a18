using System.Globalization;
using System.Runtime.CompilerServices;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Categorical cross-entropy with class ids as targets: from logits (fused with the softmax, exactly)
/// or from probabilities. The loss of a classifier whose last layer outputs one score per class.
/// </summary>
/// <remarks>
/// <para>
/// Targets are class ids stored as floats, one per sample: <c>[n]</c> or <c>[n, 1]</c> for <c>[n, classes]</c>
/// predictions, <c>[batch, time]</c> for <c>[batch, time, classes]</c>. Each must be an integer in
/// [0, classes), or equal to <paramref name="ignoreClass"/>: such samples contribute 0 to the loss and the
/// gradient and are not counted by <see cref="Reduction.SumOverBatchSize"/>.
/// </para>
/// <para>
/// From logits, the loss <c>logsumexp(z) - z_y</c> and every gradient component are within 1 float32 ulp of
/// the exact value for every finite input, -∞ (masked) logits included: logits <c>[30, 0, 0]</c> with label
/// 0 give 1.8716e-13 (PyTorch gives 0) and gradient <c>[-1.8716e-13, 9.358e-14, 9.358e-14]</c>, the label's
/// component being <c>-(Σ_{j≠y} p_j)</c> rather than <c>p_y - 1</c>; logits <c>[0, 1e4]</c> with label 0 give
/// 10000, not +∞. From probabilities, each row is divided by its sum, nothing is clipped, and a label whose
/// probability is 0 is evaluated at 2^-149. A row of probabilities that are all 0 has no sum to divide by and
/// is no distribution: it is refused with an <see cref="ArgumentException"/> naming the row (it used to score 0).
/// </para>
/// <example>
/// <code>
/// var loss = new SparseCategoricalCrossentropy();
/// Tensor labels = Tensor.FromArray([1f, 2f], 2);
/// Tensor probabilities = Tensor.FromArray([0.05f, 0.95f, 0f, 0.1f, 0.8f, 0.1f], 2, 3);
/// loss.Call(labels, probabilities).ToScalar();                      // 1.1769392 (Keras: 1.177)
///
/// var fromLogits = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1);
/// Tensor logits = Tensor.FromArray([30f, 0f, 0f, 1f, 2f, 3f], 2, 3);
/// fromLogits.Call(Tensor.FromArray([0f, -1f], 2), logits).ToScalar();   // 1.8716e-13: one sample counted
/// </code>
/// </example>
/// </remarks>
/// <param name="fromLogits">True when <c>yPred</c> holds logits; false (the default) for probabilities.</param>
/// <param name="ignoreClass">A label value whose samples are skipped (for example padding, -1); null for none.</param>
/// <param name="reduction">How per-sample values are reduced; by default their mean over the samples not ignored.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, int? ignoreClass = null, Reduction reduction = Reduction.SumOverBatchSize)
    : Loss(reduction)
{
    /// <summary>True when predictions are logits; false when they are probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The label whose samples are skipped, or null.</summary>
    public int? IgnoreClass { get; } = ignoreClass;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    private protected override string Options => $"fromLogits: {Text(FromLogits)}, ignoreClass: {IgnoreClass?.ToString(CultureInfo.InvariantCulture) ?? "null"}";

    private protected override int CheckShapes(Tensor yTrue, Tensor yPred)
    {
        ReadOnlySpan<int> leading = yPred.ShapeSpan[..^1];
        ReadOnlySpan<int> t = yTrue.ShapeSpan;
        bool match = t.SequenceEqual(leading) || (t.Length == leading.Length + 1 && t[^1] == 1 && t[..^1].SequenceEqual(leading));
        if (!match)
        {
            string hint = t.SequenceEqual(yPred.ShapeSpan)
                ? " yTrue has the shape of yPred: for one-hot or probability targets, use CategoricalCrossentropy."
                : "";
            throw new ArgumentException(
                $"SparseCategoricalCrossentropy expects yTrue to hold one class id per sample, of shape {ShapeText.Format(leading)} " +
                $"(yPred's shape without its last, class axis) or with a trailing 1; received yTrue {ShapeText.Format(t)} and yPred {ShapeText.Format(yPred.ShapeSpan)}.{hint}",
                nameof(yTrue));
        }

        return 1;
    }

    private protected override int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples)
    {
        int counted = CheckLabels(yTrue, samples == 0 ? 0 : yPred.Length / samples, nameof(yTrue));
        if (!FromLogits)
        {
            RequireProbabilities(yPred);
            RequireRowsWithMass(yPred, samples == 0 ? 1 : yPred.Length / samples);
        }

        return counted;
    }

    /// <summary>
    /// Checks that every label is a class id in [0, classes) or the ignored class, and returns how
    /// many are not ignored. The model's Fit calls it on the whole dataset, so a bad label is reported
    /// with its row in the data rather than in a shuffled batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int CheckLabels(ReadOnlySpan<float> labels, int classes, string argumentName)
    {
        int counted = 0;
        for (int sample = 0; sample < labels.Length; sample++)
        {
            float label = labels[sample];
            if (IgnoreClass is int ignored && label == ignored)
            {
                continue;
            }

            if (!(label >= 0 && label < classes && label == MathF.Floor(label)))
            {
                string text = label.ToString("R", CultureInfo.InvariantCulture);
                string ignoredText = IgnoreClass is int i ? $", or the ignored class {i}" : "";
                throw new ArgumentOutOfRangeException(argumentName, label,
                    $"Label {text} in row {sample} (flat index over {argumentName}'s shape) is not a class id: expected an integer in [0, {classes - 1}] " +
                    $"for the {classes} classes on the predictions' last axis{ignoredText}.");
            }

            counted++;
        }

        return counted;
    }

    internal override double Evaluate(in LossBatch batch) => FromLogits
        ? SoftmaxCrossentropyKernel.Sparse(batch, IgnoreClass)
        : CategoricalCrossentropyKernel.Sparse(batch, IgnoreClass);
}
