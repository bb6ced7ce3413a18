namespace LogitNet.Metrics;

/// <summary>
/// The harmonic mean of precision and recall, 2·tp / (2·tp + fp + fn), from counts pooled over every
/// scored entry: Keras's <c>F1Score(average="micro", threshold=0.5)</c>, and sklearn's <c>f1_score</c>
/// on binary data. Correct on logits and on probabilities (see <see cref="ConfusionMetric"/>).
/// </summary>
/// <remarks>
/// Keras's <c>F1Score()</c> with its defaults (<c>threshold=None</c>) marks each row's largest output
/// as the one positive, which for a single sigmoid output marks every sample positive; here a
/// threshold always decides. For one class of a softmax model, pass <c>classId</c> and give one-hot targets.
/// </remarks>
/// <example>Targets [0, 1, 1, 1] against probabilities [1, 0, 1, 1] give 2·2 / (2·2 + 1 + 1) = 2/3.</example>
public sealed class F1Score : ConfusionMetric
{
    /// <summary>Creates the metric, named <c>f1_score</c>.</summary>
    /// <param name="threshold">The probability above which a prediction is positive, in (0, 1).</param>
    /// <param name="classId">The column to score in a <c>[n, k]</c> prediction, or null for every entry.</param>
    /// <param name="fromLogits">Whether predictions are logits; <c>Compile</c> sets it from the loss.</param>
    /// <param name="name">The name in logs and History.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="classId"/> is out of range.</exception>
    public F1Score(float threshold = 0.5f, int? classId = null, bool fromLogits = false, string name = "f1_score")
        : base(name, threshold, classId, fromLogits)
    {
    }

    /// <inheritdoc/>
    protected override double Compute() => DivideNoNaN(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);
}
