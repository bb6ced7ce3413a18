namespace LogitNet.Metrics;

/// <summary>
/// The fraction of predictions exactly equal to their targets, as Keras's <c>Accuracy</c> (for
/// models that output class ids). For classifiers that output scores, use
/// <see cref="SparseCategoricalAccuracy"/>, <see cref="CategoricalAccuracy"/> or <see cref="BinaryAccuracy"/>.
/// </summary>
/// <example>Targets [1, 2, 3, 4] against predictions [0, 2, 3, 4] give 0.75.</example>
public sealed class Accuracy : MeanMetric
{
    /// <summary>Creates the metric, named <c>accuracy</c>.</summary>
    public Accuracy()
        : base("accuracy")
    {
    }

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
        int equal = 0;
        for (int i = 0; i < width; i++)
        {
            equal += predictions[i] == targets[i] ? 1 : 0;
        }

        return (double)equal / width;
    }
}
