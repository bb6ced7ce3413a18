namespace LogitNet.Metrics;

/// <summary>
/// The fraction of predicted positives that are positive, tp / (tp + fp), as Keras's <c>Precision</c>
/// with one threshold. Correct on logits and on probabilities (see <see cref="ConfusionMetric"/>).
/// </summary>
/// <example>
/// Targets [0, 1, 1, 1] against probabilities [1, 0, 1, 1] give 2/3 (Keras's docstring example).
/// <code>model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(), metrics: [new Precision(), new Recall()]);</code>
/// </example>
public sealed class Precision : ConfusionMetric
{
    /// <summary>Creates the metric, named <c>precision</c>.</summary>
    /// <param name="threshold">The probability above which a prediction is positive, in (0, 1).</param>
    /// <param name="classId">The column to score in a <c>[n, k]</c> prediction, or null for every entry.</param>
    /// <param name="fromLogits">Whether predictions are logits; <c>Compile</c> sets it from the loss.</param>
    /// <param name="name">The name in logs and History.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="classId"/> is out of range.</exception>
    public Precision(float threshold = 0.5f, int? classId = null, bool fromLogits = false, string name = "precision")
        : base(name, threshold, classId, fromLogits)
    {
    }

    /// <inheritdoc/>
    protected override double Compute() => DivideNoNaN(TruePositives, TruePositives + FalsePositives);
}
