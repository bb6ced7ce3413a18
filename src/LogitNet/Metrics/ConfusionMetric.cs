using System.Buffers;
using LogitNet.Kernels;

namespace LogitNet.Metrics;

/// <summary>
/// The base of the thresholded binary metrics (<see cref="Precision"/>, <see cref="Recall"/>,
/// <see cref="F1Score"/>): weighted counts of true and false positives and negatives, in double.
/// </summary>
/// <remarks>
/// <para>
/// A prediction is positive when the probability is strictly above <see cref="Threshold"/>, as in
/// Keras. On logits (<see cref="FromLogits"/>, set by <c>Compile</c> when the training step sees
/// logits) the logit is compared with log(t / (1 − t)) instead, so no rounded sigmoid decides: a logit
/// of 1e-9 counts as positive, where its float32 sigmoid (exactly 0.5) would not. Softmax logits (a
/// softmax head trained on the fused path, or a categorical cross-entropy from logits) are first turned
/// into each row's probabilities, which are compared with the threshold. A target counts as
/// positive when it is not zero (Keras casts targets to bool).
/// </para>
/// <para>
/// Predictions <c>[n]</c>, <c>[n, 1]</c> or <c>[n, k]</c> (multi-label: every entry counts, with
/// its sample's weight); <see cref="ClassId"/> restricts the counts to one column. Targets have the
/// predictions' number of values. A NaN prediction makes the result NaN until <see cref="Reset"/>:
/// NaN in, NaN out.
/// </para>
/// </remarks>
public abstract class ConfusionMetric : Metric, ILogitsAware
{
    private readonly double _logitThreshold;
    private bool _sawNaN;

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="threshold">The probability above which a prediction is positive, in (0, 1).</param>
    /// <param name="classId">The column to score in a <c>[n, k]</c> prediction, or null for every entry.</param>
    /// <param name="fromLogits">Whether predictions are logits; <c>Compile</c> sets it from the loss.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not strictly between 0 and 1, or <paramref name="classId"/> is negative.</exception>
    protected ConfusionMetric(string name, float threshold, int? classId, bool fromLogits)
        : base(name)
    {
        if (!(threshold > 0 && threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Expected a probability strictly between 0 and 1, such as 0.5.");
        }

        if (classId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(classId), classId, "Expected a class index (column of the predictions), 0 or more.");
        }

        Threshold = threshold;
        ClassId = classId;
        FromLogits = fromLogits;
        _logitThreshold = Math.Log(threshold / (1.0 - threshold));
    }

    /// <summary>The probability threshold.</summary>
    public float Threshold { get; }

    /// <summary>The column scored, or null for every entry.</summary>
    public int? ClassId { get; }

    /// <summary>Whether predictions are read as logits. A compiled model sets it from its loss.</summary>
    public bool FromLogits { get; internal set; }

    bool ILogitsAware.FromLogits
    {
        get => FromLogits;
        set => FromLogits = value;
    }

    /// <inheritdoc/>
    bool ILogitsAware.SoftmaxLogits { get; set; }

    /// <summary>The weighted count of true positives so far.</summary>
    public double TruePositives { get; private set; }

    /// <summary>The weighted count of false positives so far.</summary>
    public double FalsePositives { get; private set; }

    /// <summary>The weighted count of false negatives so far.</summary>
    public double FalseNegatives { get; private set; }

    /// <summary>The weighted count of true negatives so far.</summary>
    public double TrueNegatives { get; private set; }

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The targets do not match the predictions, the weights do not match the samples, or <see cref="ClassId"/> is outside the predictions' last axis.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        (int width, int samples) = TargetPerPrediction(yTrue, yPred);
        if (ClassId is { } column && column >= width)
        {
            throw new ArgumentException($"classId {column} is outside the predictions' {width} columns (yPred {ShapeText.Format(yPred.ShapeSpan)}).", nameof(yPred));
        }

        ReadOnlySpan<float> weights = SampleWeights(sampleWeight, samples, yPred, out int rowsPerWeight);
        ReadOnlySpan<float> predictions = yPred.AsSpan();
        ReadOnlySpan<float> targets = yTrue.AsSpan();

        // Softmax logits are scored as the probabilities they stand for; sigmoid logits against the threshold's logit.
        bool softmax = ((ILogitsAware)this).SoftmaxLogits && FromLogits && width > 1;
        double threshold = FromLogits && !softmax ? _logitThreshold : Threshold;
        // A row of probabilities: on the stack for up to 256 classes, a pooled array beyond (no allocation per update).
        float[]? rented = softmax && width > 256 ? ArrayPool<float>.Shared.Rent(width) : null;
        Span<float> row = !softmax ? default : rented is null ? stackalloc float[width] : rented.AsSpan(0, width);
        double tp = 0, fp = 0, fn = 0, tn = 0;
        for (int s = 0; s < samples; s++)
        {
            double weight = weights.IsEmpty ? 1.0 : weights[s / rowsPerWeight];
            int first = ClassId ?? 0;
            int last = ClassId ?? width - 1;
            scoped ReadOnlySpan<float> scores = predictions.Slice(s * width, width);
            if (softmax)
            {
                SoftmaxKernel.Rows(scores, row, width);   // the probabilities PredictProba gives
                scores = row;
            }

            for (int j = first; j <= last; j++)
            {
                float p = scores[j];
                _sawNaN |= float.IsNaN(p);
                bool predicted = p > threshold;
                bool actual = targets[s * width + j] != 0;
                if (predicted)
                {
                    if (actual)
                    {
                        tp += weight;
                    }
                    else
                    {
                        fp += weight;
                    }
                }
                else if (actual)
                {
                    fn += weight;
                }
                else
                {
                    tn += weight;
                }
            }
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        TruePositives += tp;
        FalsePositives += fp;
        FalseNegatives += fn;
        TrueNegatives += tn;
    }

    /// <inheritdoc/>
    public sealed override float Result() => _sawNaN ? float.NaN : (float)Compute();

    /// <inheritdoc/>
    public override void Reset()
    {
        TruePositives = FalsePositives = FalseNegatives = TrueNegatives = 0;
        _sawNaN = false;
    }

    /// <summary>The metric from the counts, in double.</summary>
    /// <returns>The value; 0 where the ratio is 0/0, as Keras's <c>divide_no_nan</c>.</returns>
    protected abstract double Compute();

    /// <summary>a / b, or 0 when b is 0 (Keras's <c>divide_no_nan</c>).</summary>
    protected static double DivideNoNaN(double a, double b) => b == 0 ? 0 : a / b;
}
