namespace LogitNet.Metrics;

/// <summary>
/// The fraction of samples whose largest output is the class with the largest target (one-hot or
/// soft targets). Works the same on logits and probabilities.
/// </summary>
/// <remarks>A prediction row holding NaN counts as wrong.</remarks>
/// <example>Targets [[0, 0, 1], [0, 1, 0]] against outputs [[0.1, 0.6, 0.3], [0.05, 0.95, 0]] give 0.5.</example>
public sealed class CategoricalAccuracy : MeanMetric
{
    /// <summary>The name the metric has unless given another.</summary>
    internal const string DefaultName = "categorical_accuracy";

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The key of its value in the logs (Keras's default, <c>categorical_accuracy</c>).</param>
    public CategoricalAccuracy(string name = DefaultName)
        : base(name)
    {
    }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    protected override int SampleCount(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 1)
        {
            throw new ArgumentException("Expected yPred with classes on the last axis; received a scalar.", nameof(yPred));
        }

        Tensor.RequireSameShape(yPred, yTrue, nameof(yPred), nameof(yTrue));
        return Rows(yPred);
    }

    /// <inheritdoc/>
    protected override double Score(Tensor yTrue, Tensor yPred, int sample)
    {
        int classes = yPred.ShapeSpan[^1];
        int predicted = ArgMax(yPred.AsSpan().Slice(sample * classes, classes));
        return predicted >= 0 && predicted == ArgMax(yTrue.AsSpan().Slice(sample * classes, classes)) ? 1 : 0;
    }
}
