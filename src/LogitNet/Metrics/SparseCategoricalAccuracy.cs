namespace LogitNet.Metrics;

/// <summary>
/// The fraction of samples whose largest output is the labelled class, with labels given as class
/// ids (<c>[n]</c> or <c>[n, 1]</c>). Works the same on logits and probabilities: softmax keeps the order.
/// </summary>
/// <remarks>A row holding NaN counts as wrong. Ties go to the first largest entry, as <c>argmax</c> does.</remarks>
/// <example>
/// Labels [2, 1] against outputs [[0.1, 0.6, 0.3], [0.05, 0.95, 0]] give 0.5.
/// </example>
public sealed class SparseCategoricalAccuracy : MeanMetric
{
    /// <summary>The name the metric has unless given another.</summary>
    internal const string DefaultName = "sparse_categorical_accuracy";

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The key of its value in the logs (Keras's default, <c>sparse_categorical_accuracy</c>).</param>
    public SparseCategoricalAccuracy(string name = DefaultName)
        : base(name)
    {
    }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <summary>
    /// The class id whose samples are left out, as the compiled loss's <c>ignoreClass</c> leaves them out of the loss
    /// (Keras masks them out of the metrics too); null for none. Set by <c>Compile</c>.
    /// </summary>
    internal int? IgnoreClass { get; set; }

    /// <inheritdoc/>
    private protected override bool Counts(Tensor yTrue, int sample) =>
        IgnoreClass is not { } ignored || yTrue.AsSpan()[sample] != ignored;

    /// <inheritdoc/>
    protected override int SampleCount(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 1)
        {
            throw new ArgumentException("Expected yPred with classes on the last axis; received a scalar.", nameof(yPred));
        }

        int rows = Rows(yPred);
        if (yTrue.Length != rows)
        {
            throw new ArgumentException(
                $"Expected one class id per row of yPred {ShapeText.Format(yPred.ShapeSpan)} ({rows}); received yTrue of shape {ShapeText.Format(yTrue.ShapeSpan)}.",
                nameof(yTrue));
        }

        return rows;
    }

    /// <inheritdoc/>
    protected override double Score(Tensor yTrue, Tensor yPred, int sample)
    {
        int classes = yPred.ShapeSpan[^1];
        float label = yTrue.AsSpan()[sample];
        if (label != MathF.Round(label) || label < 0 || label >= classes)
        {
            throw new ArgumentOutOfRangeException(nameof(yTrue), label,
                $"Row {sample}: expected a class id in 0..{classes - 1}; received {label}.");
        }

        return ArgMax(yPred.AsSpan().Slice(sample * classes, classes)) == (int)label ? 1 : 0;
    }
}
