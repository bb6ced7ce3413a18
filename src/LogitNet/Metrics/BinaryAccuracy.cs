namespace LogitNet.Metrics;

/// <summary>
/// The fraction of binary predictions on the right side of a threshold, from probabilities or
/// from logits.
/// </summary>
/// <remarks>
/// <para>
/// A prediction is positive when the probability exceeds <see cref="Threshold"/>; from logits,
/// when the logit exceeds log(t / (1 − t)) (0 for the default 0.5). The comparison is made on the
/// logit itself, so no sigmoid is rounded on the way (Keras compares a from-logits model's raw logit
/// with the threshold itself). A target counts as positive when it is at least 0.5 (Keras requires the
/// target to equal the thresholded prediction, so a soft target such as 0.8 never counts there). With several outputs per sample (<c>[n, k]</c>) a sample scores the fraction of its
/// k outputs that are right, as in Keras. NaN predictions count as wrong.
/// </para>
/// </remarks>
/// <example>
/// Targets [1, 0, 1] against logits [2.3, -0.1, -4] give 2/3 with <c>new BinaryAccuracy(fromLogits: true)</c>.
/// </example>
public sealed class BinaryAccuracy : MeanMetric
{
    /// <summary>The name the metric has unless given another.</summary>
    internal const string DefaultName = "binary_accuracy";

    private double _logitThreshold;
    private bool _fromLogits;

    /// <summary>Creates the metric.</summary>
    /// <param name="threshold">The probability above which a prediction is positive, in (0, 1).</param>
    /// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
    /// <param name="name">The key of its value in the logs (Keras's default, <c>binary_accuracy</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not strictly between 0 and 1.</exception>
    public BinaryAccuracy(float threshold = 0.5f, bool fromLogits = false, string name = DefaultName)
        : base(name)
    {
        if (!(threshold > 0 && threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Expected a probability strictly between 0 and 1.");
        }

        Threshold = threshold;
        _logitThreshold = Math.Log(threshold / (1.0 - threshold));
        _fromLogits = fromLogits;
    }

    /// <summary>The probability threshold.</summary>
    public float Threshold { get; }

    /// <summary>Whether predictions are read as logits. A compiled model sets it from its loss.</summary>
    public bool FromLogits
    {
        get => _fromLogits;
        internal set => _fromLogits = value;
    }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    protected override int SampleCount(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Length != yPred.Length)
        {
            throw new ArgumentException(
                $"Expected yTrue with one target per prediction, like yPred {ShapeText.Format(yPred.ShapeSpan)}; received {ShapeText.Format(yTrue.ShapeSpan)}.",
                nameof(yTrue));
        }

        return Rows(yPred);
    }

    /// <inheritdoc/>
    protected override double Score(Tensor yTrue, Tensor yPred, int sample)
    {
        int width = yPred.Rank == 0 ? 1 : yPred.ShapeSpan[^1];
        ReadOnlySpan<float> predictions = yPred.AsSpan().Slice(sample * width, width);
        ReadOnlySpan<float> targets = yTrue.AsSpan().Slice(sample * width, width);
        double threshold = _fromLogits ? _logitThreshold : Threshold;
        int right = 0;
        for (int i = 0; i < width; i++)
        {
            float p = predictions[i];
            if (!float.IsNaN(p) && (p > threshold) == (targets[i] >= 0.5f))
            {
                right++;
            }
        }

        return (double)right / width;
    }
}
