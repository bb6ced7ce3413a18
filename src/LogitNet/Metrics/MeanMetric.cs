namespace LogitNet.Metrics;

/// <summary>
/// A weighted mean of per-sample scores: the base of the accuracy family. A subclass scores each
/// sample; this class checks shapes and weights and keeps the running sums in double.
/// </summary>
public abstract class MeanMetric : Metric
{
    private double _weightedTotal;
    private double _weightTotal;

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The metric's name.</param>
    protected MeanMetric(string name)
        : base(name)
    {
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="yTrue"/> or <paramref name="yPred"/> is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not fit the metric, or the weights do not match the samples.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        int samples = SampleCount(yTrue, yPred);
        ReadOnlySpan<float> weights = SampleWeights(sampleWeight, samples, yPred, out int rowsPerWeight);

        for (int i = 0; i < samples; i++)
        {
            if (!Counts(yTrue, i))
            {
                continue;
            }

            double weight = weights.IsEmpty ? 1.0 : weights[i / rowsPerWeight];
            _weightedTotal += weight * Score(yTrue, yPred, i);
            _weightTotal += weight;
        }
    }

    /// <inheritdoc/>
    /// <remarks>0 while the weights added sum to 0 (nothing added, every sample ignored or weighted 0), as Keras's
    /// <c>divide_no_nan</c> gives.</remarks>
    public override float Result() => _weightTotal == 0 ? 0f : (float)(_weightedTotal / _weightTotal);

    /// <inheritdoc/>
    public override void Reset()
    {
        _weightedTotal = 0;
        _weightTotal = 0;
    }

    /// <summary>Checks the shapes and returns the number of samples in the batch.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <returns>The number of samples.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit the metric.</exception>
    protected abstract int SampleCount(Tensor yTrue, Tensor yPred);

    /// <summary>Whether a sample counts at all (by default every one does).</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="sample">The sample's index.</param>
    /// <returns>False to leave the sample out of the mean, as a weight of 0 would.</returns>
    private protected virtual bool Counts(Tensor yTrue, int sample) => true;

    /// <summary>The score of one sample, usually 1 (right) or 0 (wrong).</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <param name="sample">The sample's index.</param>
    /// <returns>The score.</returns>
    protected abstract double Score(Tensor yTrue, Tensor yPred, int sample);

    /// <summary>The index of the largest entry of a row; -1 if the row holds a NaN, so NaN is never counted right.</summary>
    internal static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = -1;
        float bestValue = float.NegativeInfinity;
        for (int i = 0; i < row.Length; i++)
        {
            float v = row[i];
            if (float.IsNaN(v))
            {
                return -1;
            }

            if (best < 0 || v > bestValue)
            {
                best = i;
                bestValue = v;
            }
        }

        return best;
    }

    /// <summary>The number of rows when the last axis holds the classes.</summary>
    internal static int Rows(Tensor t) => t.Rank == 0 ? 1 : t.Length / Math.Max(1, t.ShapeSpan[^1]);
}
