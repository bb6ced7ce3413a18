using LogitNet.Kernels;

namespace LogitNet.Metrics;

/// <summary>
/// The area under the ROC curve, or the average precision of the precision–recall curve, computed
/// exactly over every distinct score: the values sklearn's <c>roc_auc_score</c> and
/// <c>average_precision_score</c> give, with sample weights.
/// </summary>
/// <remarks>
/// <para>
/// Exact, not Keras's approximation: Keras's <c>AUC</c> counts the confusion matrix at 200 fixed
/// thresholds and interpolates between them (trapezoids for ROC, Davis–Goadrich for PR), so its value
/// differs from the exact one by that discretisation, most when many scores fall between two of its
/// thresholds (scores crowded near 0 or 1). This metric keeps every score of the epoch
/// (12 bytes per scored value) and sorts them when read: ROC is the trapezoidal area through all
/// (fpr, tpr) points, tied scores forming one point; PR is Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct thresholds.
/// </para>
/// <para>
/// The ranking is all that matters, and the sigmoid keeps it, so the same value comes from logits and
/// from probabilities, except that on logits saturated scores stay apart (two logits of 20 and 30 both
/// round to the probability 1.0f and would tie): the training step feeds it logits when it sees them. Softmax
/// logits do not keep their order across rows, so they are pooled as each row's probabilities.
/// A target counts as positive when it is not zero. Predictions <c>[n]</c>, <c>[n, 1]</c> or
/// <c>[n, k]</c> (every entry pooled, as Keras's <c>multi_label=False</c>). With no positive or no
/// negative seen the area is 0, as Keras's is; a NaN score makes the result NaN.
/// </para>
/// </remarks>
/// <example>
/// Targets [0, 0, 1, 1] against scores [0.1, 0.4, 0.35, 0.8] give a ROC area of 0.75 and an average
/// precision of 0.8333 (sklearn's documented examples).
/// <code>model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(), metrics: [new Auc(), new Auc(AucCurve.PrecisionRecall, name: "pr_auc")]);</code>
/// </example>
public sealed class Auc : Metric, ILogitsAware
{
    private float[] _scores = new float[256];
    private bool[] _labels = new bool[256];
    private double[] _weights = new double[256];
    private int _count;
    private bool _sawNaN;

    /// <summary>Creates the metric, named <c>auc</c>.</summary>
    /// <param name="curve">ROC (default) or precision–recall.</param>
    /// <param name="name">The name in logs and History.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="curve"/> is not defined.</exception>
    public Auc(AucCurve curve = AucCurve.Roc, string name = "auc")
        : base(name)
    {
        if (!Enum.IsDefined(curve))
        {
            throw new ArgumentOutOfRangeException(nameof(curve), curve, "Expected AucCurve.Roc or AucCurve.PrecisionRecall.");
        }

        Curve = curve;
    }

    /// <summary>The curve measured.</summary>
    public AucCurve Curve { get; }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    bool ILogitsAware.FromLogits { get; set; }

    /// <inheritdoc/>
    bool ILogitsAware.SoftmaxLogits { get; set; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The targets do not match the predictions, or the weights do not match the samples.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        (int width, int samples) = TargetPerPrediction(yTrue, yPred);
        ReadOnlySpan<float> weights = SampleWeights(sampleWeight, samples, yPred, out int rowsPerWeight);
        Grow(_count + yPred.Length);
        ReadOnlySpan<float> predictions = yPred.AsSpan();
        ReadOnlySpan<float> targets = yTrue.AsSpan();

        // Sigmoid logits keep their order as probabilities; softmax logits do not across rows, so they are pooled as the
        // probabilities they stand for.
        int start = _count;
        for (int i = 0; i < predictions.Length; i++)
        {
            _sawNaN |= float.IsNaN(predictions[i]);
            _scores[_count] = predictions[i];
            _labels[_count] = targets[i] != 0;
            _weights[_count] = weights.IsEmpty ? 1.0 : weights[i / width / rowsPerWeight];
            _count++;
        }

        if (((ILogitsAware)this).SoftmaxLogits && ((ILogitsAware)this).FromLogits && width > 1)
        {
            // The probabilities PredictProba gives for these rows (the library's softmax, in place).
            Span<float> rows = _scores.AsSpan(start, samples * width);
            SoftmaxKernel.Rows(rows, rows, width);
        }
    }

    /// <inheritdoc/>
    public override float Result()
    {
        if (_sawNaN)
        {
            return float.NaN;
        }

        // Highest score first; equal scores form one threshold.
        int[] order = new int[_count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        float[] keys = _scores.AsSpan(0, _count).ToArray();
        Array.Sort(keys, order);
        Array.Reverse(order);
        double positives = 0, negatives = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_labels[i])
            {
                positives += _weights[i];
            }
            else
            {
                negatives += _weights[i];
            }
        }

        if (positives == 0 || negatives == 0)
        {
            return 0f;
        }

        double tp = 0, fp = 0, area = 0;
        for (int i = 0; i < order.Length;)
        {
            double previousTp = tp, previousFp = fp;
            float score = _scores[order[i]];
            for (; i < order.Length && _scores[order[i]] == score; i++)
            {
                if (_labels[order[i]])
                {
                    tp += _weights[order[i]];
                }
                else
                {
                    fp += _weights[order[i]];
                }
            }

            area += Curve == AucCurve.Roc
                ? (fp - previousFp) * (tp + previousTp) / 2
                : (tp == previousTp ? 0 : (tp - previousTp) * (tp / (tp + fp)));
        }

        return (float)(Curve == AucCurve.Roc ? area / (positives * negatives) : area / positives);
    }

    /// <inheritdoc/>
    public override Metric CreateEmptyCopy()
    {
        var copy = new Auc(Curve, Name);
        ((ILogitsAware)copy).FromLogits = ((ILogitsAware)this).FromLogits;
        ((ILogitsAware)copy).SoftmaxLogits = ((ILogitsAware)this).SoftmaxLogits;
        return copy;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        _count = 0;
        _sawNaN = false;
    }

    private void Grow(int needed)
    {
        if (needed <= _scores.Length)
        {
            return;
        }

        int size = Math.Max(needed, _scores.Length * 2);
        Array.Resize(ref _scores, size);
        Array.Resize(ref _labels, size);
        Array.Resize(ref _weights, size);
    }
}
