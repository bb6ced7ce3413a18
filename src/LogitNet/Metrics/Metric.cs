namespace LogitNet.Metrics;

/// <summary>
/// A quantity accumulated over batches and read at the end of an epoch, as Keras's
/// <c>Metric</c>: <see cref="Update"/> per batch, <see cref="Result"/> to read, <see cref="Reset"/>
/// between epochs.
/// </summary>
/// <remarks>
/// Subclass it for a metric of your own. The accuracy family here accumulates in double, so the
/// result is exact for any realistic number of samples.
/// </remarks>
public abstract class Metric
{
    /// <summary>Creates a metric with the name shown in progress lines and in <c>History</c>.</summary>
    /// <param name="name">A short name such as <c>"accuracy"</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    protected Metric(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The metric's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether a higher value is better (accuracy, AUC), lower is better (an error), or unknown (null).
    /// Callbacks that watch a metric with <c>MonitorMode.Auto</c> read it, as Keras reads a metric's
    /// direction; a metric of your own that is watched that way should override it.
    /// </summary>
    public virtual bool? HigherIsBetter => null;

    /// <summary>Adds one batch of targets and predictions.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The model's outputs for the batch.</param>
    /// <param name="sampleWeight">Optional per-sample weights, shape <c>[n]</c>.</param>
    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    /// <summary>The value over everything added since the last <see cref="Reset"/>.</summary>
    /// <returns>The metric's value. The built-in metrics give 0 when nothing was added, as Keras's do.</returns>
    public abstract float Result();

    /// <summary>Forgets everything added so far.</summary>
    public abstract void Reset();

    /// <summary>
    /// A metric of the same kind and settings with nothing added: what one <c>Evaluate</c> call accumulates
    /// into, so that calls running at once on one model do not add into each other's sums.
    /// </summary>
    /// <returns>A new, reset metric.</returns>
    /// <remarks>
    /// The default copies the metric's fields and resets the copy. A metric that keeps its sums in an array
    /// or another object must override it to give the copy storage of its own.
    /// </remarks>
    public virtual Metric CreateEmptyCopy()
    {
        var copy = (Metric)MemberwiseClone();
        copy.Reset();
        return copy;
    }

    /// <summary>The name and current value.</summary>
    /// <returns>For example <c>accuracy: 0.9712</c>.</returns>
    public override string ToString() => $"{Name}: {Result():0.####}";

    /// <summary>
    /// Checks per-sample weights and returns them (empty for none) with the rows each weight covers: one weight per
    /// scored row, or, for predictions with axes between the batch and the classes (<c>[batch, time, classes]</c>), one
    /// per batch sample, broadcast over those axes as the losses and Keras broadcast it.
    /// </summary>
    internal static ReadOnlySpan<float> SampleWeights(Tensor? sampleWeight, int samples, Tensor yPred, out int rowsPerWeight)
    {
        rowsPerWeight = 1;
        if (sampleWeight is null)
        {
            return default;
        }

        if (sampleWeight.Length == samples)
        {
            return sampleWeight.AsSpan();
        }

        if (sampleWeight.Length == 1)
        {
            // One weight for the whole batch (a scalar or [1]), broadcast as Keras broadcasts it.
            rowsPerWeight = Math.Max(1, samples);
            return sampleWeight.AsSpan();
        }

        if (yPred.Rank > 2 && sampleWeight.Length == yPred.ShapeSpan[0] && samples % sampleWeight.Length == 0)
        {
            rowsPerWeight = samples / sampleWeight.Length;
            return sampleWeight.AsSpan();
        }

        throw new ArgumentException(
            $"Expected one weight per sample ({samples}" + (yPred.Rank > 2 ? $", or one per batch sample: {yPred.ShapeSpan[0]}" : "") + ", or one for the batch" +
            $"); received sampleWeight of shape {ShapeText.Format(sampleWeight.ShapeSpan)}.",
            nameof(sampleWeight));
    }

    /// <summary>
    /// Checks that <paramref name="yTrue"/> holds one target per prediction, as the thresholded metrics need;
    /// returns the predictions' columns (the last axis, 1 for a vector) and samples.
    /// </summary>
    internal static (int Width, int Samples) TargetPerPrediction(Tensor yTrue, Tensor yPred)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yTrue.Length != yPred.Length)
        {
            throw new ArgumentException(
                $"Expected yTrue with one target per prediction, like yPred {ShapeText.Format(yPred.ShapeSpan)}; received {ShapeText.Format(yTrue.ShapeSpan)}.",
                nameof(yTrue));
        }

        int width = yPred.Rank < 2 ? 1 : yPred.ShapeSpan[^1];
        return (width, width == 0 ? 0 : yPred.Length / width);
    }
}
