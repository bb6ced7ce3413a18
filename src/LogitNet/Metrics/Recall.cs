namespace LogitNet.Metrics;

/// <summary>
/// The fraction of positives predicted positive, tp / (tp + fn), as Keras's <c>Recall</c> with one
/// threshold. Correct on logits and on probabilities (see <see cref="ConfusionMetric"/>).
/// </summary>
/// <example>Targets [0, 1, 1, 1] against probabilities [1, 0, 1, 1] give 2/3 (Keras's docstring example).</example>
public sealed class Recall : ConfusionMetric
{
    /// <summary>Creates the metric, named <c>recall</c>.</summary>
    /// <param name="threshold">The probability above which a prediction is positive, in (0, 1).</param>
    /// <param name="classId">The column to score in a <c>[n, k]</c> prediction, or null for every entry.</param>
    /// <param name="fromLogits">Whether predictions are logits; <c>Compile</c> sets it from the loss.</param>
    /// <param name="name">The name in logs and History.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="classId"/> is out of range.</exception>
    public Recall(float threshold = 0.5f, int? classId = null, bool fromLogits = false, string name = "recall")
        : base(name, threshold, classId, fromLogits)
    {
    }

    /// <inheritdoc/>
    protected override double Compute() => DivideNoNaN(TruePositives, TruePositives + FalseNegatives);
}
