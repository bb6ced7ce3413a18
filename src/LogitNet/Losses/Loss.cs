using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// The base of every loss: validates the inputs, weights and reduces the per-sample values, and
/// computes the gradient, so that each loss only writes its math.
/// </summary>
/// <remarks>
/// <para>
/// Classes (or the values averaged per sample) lie on the last axis; every position of the leading
/// axes is one sample. Predictions of shape <c>[batch, classes]</c> give <c>batch</c> per-sample
/// values, <c>[batch, time, classes]</c> give <c>batch × time</c>, and a rank-1 prediction is one
/// sample. Sample weights have the leading shape of the predictions, or a prefix of it (broadcast over
/// the remaining leading axes: <c>[batch]</c> weights for <c>[batch, time, classes]</c> predictions),
/// or hold a single value.
/// </para>
/// <para>
/// Every value is computed in double and rounded to float32 once. Sums over samples are taken in
/// double in a fixed order that does not depend on the number of threads, so results are
/// deterministic; batches of more than 2^19 values are split over up to
/// <see cref="Parallelism.MaxThreads"/> threads (by default <see cref="Environment.ProcessorCount"/>).
/// </para>
/// <para>Only the losses of this library derive from this class.</para>
/// <example>
/// <code>
/// var loss = new SparseCategoricalCrossentropy(fromLogits: true);
/// Tensor logits = Tensor.FromArray([2f, 1f, 0.1f, 0.5f, 2.5f, 0.3f], 2, 3);
/// Tensor labels = Tensor.FromArray([0f, 1f], 2);
/// float value = loss.Call(labels, logits).ToScalar();       // 0.31853977
/// var gradient = new float[6];
/// float same = loss.Compute(labels, logits, gradient);      // the same value, and d(value)/d(logits)
/// </code>
/// </example>
/// </remarks>
public abstract class Loss
{
    /// <summary>Samples are processed in blocks of about this many values; block sums are added in order.</summary>
    private const int BlockElements = 1 << 16;

    /// <summary>Below this many values a call runs as one block on the calling thread.</summary>
    private const int BlockedElements = 1 << 19;

    private static int s_maxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount);

    private protected Loss(Reduction reduction)
    {
        if (!Enum.IsDefined(reduction))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction,
                "Expected Reduction.None, Reduction.Sum or Reduction.SumOverBatchSize.");
        }

        Reduction = reduction;
    }

    /// <summary>How the per-sample values are reduced to the value <see cref="Call(Tensor, Tensor)"/> returns.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss's name in Keras's configuration, for example <c>binary_crossentropy</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The most threads one call may use (the benchmarks set 1 or 2). Results do not depend on it.</summary>
    internal static int MaxDegreeOfParallelism
    {
        get => s_maxDegreeOfParallelism;
        set => s_maxDegreeOfParallelism = Math.Max(1, value);
    }

    /// <summary>Computes the loss of predictions <paramref name="yPred"/> against targets <paramref name="yTrue"/>.</summary>
    /// <param name="yTrue">The targets; their form depends on the loss (see the loss's documentation).</param>
    /// <param name="yPred">The predictions (logits or probabilities); classes on the last axis.</param>
    /// <returns>
    /// A scalar for <see cref="Reduction.Sum"/> and <see cref="Reduction.SumOverBatchSize"/>; for
    /// <see cref="Reduction.None"/>, one value per sample, in a tensor of the leading shape of
    /// <paramref name="yPred"/> (<c>[n]</c> for <c>[n, k]</c> predictions).
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match; probabilities lie outside [0, 1] or a row of them is all 0; a label or target is outside what the loss accepts (binary: [0, 1]; categorical: not negative); a sample weight is negative or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public Tensor Call(Tensor yTrue, Tensor yPred) => CallCore(yTrue, yPred, null);

    /// <summary>Computes the loss with each sample's value multiplied by its weight.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions; classes on the last axis.</param>
    /// <param name="sampleWeight">
    /// The weights: the leading shape of <paramref name="yPred"/>, a prefix of it (broadcast over the
    /// rest), or a single value. Trailing axes of size 1 broadcast (<c>[n, 1]</c> for <c>[n]</c> or <c>[n, time]</c> samples).
    /// </param>
    /// <returns>As <see cref="Call(Tensor, Tensor)"/>, with weighted per-sample values. <see cref="Reduction.SumOverBatchSize"/> still divides by the number of samples, as Keras does.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match; probabilities lie outside [0, 1] or a row of them is all 0; a label or target is outside what the loss accepts (binary: [0, 1]; categorical: not negative); a sample weight is negative or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public Tensor Call(Tensor yTrue, Tensor yPred, Tensor sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(sampleWeight);
        return CallCore(yTrue, yPred, sampleWeight);
    }

    /// <summary>The gradient of the sum of the per-sample losses with respect to <paramref name="yPred"/>.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <returns>
    /// A tensor of the shape of <paramref name="yPred"/>: d(Σ per-sample losses)/d yPred, whatever the
    /// <see cref="Reduction"/> (the training loop scales it, or use <see cref="Compute(Tensor, Tensor, Span{float})"/>).
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match; probabilities lie outside [0, 1] or a row of them is all 0; a label or target is outside what the loss accepts (binary: [0, 1]; categorical: not negative); a sample weight is negative or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public Tensor Gradient(Tensor yTrue, Tensor yPred) => GradientCore(yTrue, yPred, null);

    /// <summary>The gradient of the sum of the weighted per-sample losses with respect to <paramref name="yPred"/>.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <param name="sampleWeight">The weights, as for <see cref="Call(Tensor, Tensor, Tensor)"/>.</param>
    /// <returns>A tensor of the shape of <paramref name="yPred"/>: d(Σ w_s · L_s)/d yPred.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match; probabilities lie outside [0, 1] or a row of them is all 0; a label or target is outside what the loss accepts (binary: [0, 1]; categorical: not negative); a sample weight is negative or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public Tensor Gradient(Tensor yTrue, Tensor yPred, Tensor sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(sampleWeight);
        return GradientCore(yTrue, yPred, sampleWeight);
    }

    /// <summary>
    /// The training step's entry point: computes the reduced loss and its gradient in one pass over
    /// <paramref name="yPred"/>, allocating nothing on one thread.
    /// </summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <param name="gradient">
    /// Receives d(returned value)/d yPred, <see cref="Tensor.Length"/> of <paramref name="yPred"/> values
    /// in its row-major order. The gradient of the <em>reduced</em> loss: for
    /// <see cref="Reduction.SumOverBatchSize"/> it is <see cref="Gradient(Tensor, Tensor)"/> divided by the
    /// sample count, scaled in double before the single rounding to float32.
    /// </param>
    /// <returns>The loss reduced by <see cref="Reduction"/>; <see cref="Reduction.None"/> is treated as <see cref="Reduction.Sum"/> here.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match, <paramref name="gradient"/> has the wrong length, or a value is refused as for <see cref="Call(Tensor, Tensor)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public float Compute(Tensor yTrue, Tensor yPred, Span<float> gradient) => ComputeCore(yTrue, yPred, null, gradient);

    /// <summary>As <see cref="Compute(Tensor, Tensor, Span{float})"/>, with sample weights.</summary>
    /// <param name="yTrue">The targets.</param>
    /// <param name="yPred">The predictions.</param>
    /// <param name="sampleWeight">The weights, as for <see cref="Call(Tensor, Tensor, Tensor)"/>.</param>
    /// <param name="gradient">Receives d(returned value)/d yPred.</param>
    /// <returns>The weighted loss reduced by <see cref="Reduction"/> (<see cref="Reduction.None"/> as <see cref="Reduction.Sum"/>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not match, <paramref name="gradient"/> has the wrong length, or a value is refused as for <see cref="Call(Tensor, Tensor)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range or not an integer.</exception>
    public float Compute(Tensor yTrue, Tensor yPred, Tensor sampleWeight, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(sampleWeight);
        return ComputeCore(yTrue, yPred, sampleWeight, gradient);
    }

    /// <summary>A short description with the options, for example <c>BinaryCrossentropy(fromLogits: true, ...)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        Options.Length == 0 ? $"{GetType().Name}(reduction: {Reduction})" : $"{GetType().Name}({Options}, reduction: {Reduction})";

    /// <summary>The options for <see cref="ToString"/>.</summary>
    private protected abstract string Options { get; }

    /// <summary>A flag as C# source spells it (<c>true</c>), for <see cref="Options"/>.</summary>
    private protected static string Text(bool value) => value ? "true" : "false";

    /// <summary>
    /// Checks that the targets fit the predictions and returns how many label values each sample has
    /// (the row length for dense targets). The default accepts equal shapes, and shapes that differ only
    /// by a trailing axis of size 1 (<c>[n]</c> labels for <c>[n, 1]</c> predictions, as Keras squeezes).
    /// </summary>
    private protected virtual int CheckShapes(Tensor yTrue, Tensor yPred)
    {
        ReadOnlySpan<int> t = yTrue.ShapeSpan;
        ReadOnlySpan<int> p = yPred.ShapeSpan;
        bool match = t.SequenceEqual(p)
            || (t.Length == p.Length + 1 && t[^1] == 1 && t[..^1].SequenceEqual(p))
            || (p.Length == t.Length + 1 && p[^1] == 1 && p[..^1].SequenceEqual(t));
        if (!match)
        {
            throw new ArgumentException(
                $"{GetType().Name} expects yTrue and yPred of the same shape; received yTrue {ShapeText.Format(t)} and yPred {ShapeText.Format(p)}.",
                nameof(yTrue));
        }

        return p[^1];
    }

    /// <summary>Checks the values (probability ranges, class ids) and returns the number of samples a mean divides by.</summary>
    private protected virtual int CheckValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples) => samples;

    /// <summary>The loss's math on one batch of spans: see <see cref="LossBatch"/> for the contract.</summary>
    internal abstract double Evaluate(in LossBatch batch);

    /// <summary>
    /// Evaluates a batch in blocks of about <see cref="BlockElements"/> values whose partial sums are
    /// added in block order, on up to <see cref="MaxDegreeOfParallelism"/> threads: the result does not
    /// depend on the thread count. Allocates nothing when the batch is small or runs on one thread.
    /// </summary>
    internal double EvaluateBlocked(in LossBatch batch)
    {
        long elements = (long)batch.Samples * batch.RowLength;
        if (elements < BlockedElements || batch.Samples < 2)
        {
            return Evaluate(batch);
        }

        int blockSamples = Math.Max(1, BlockElements / Math.Max(1, batch.RowLength));
        int blocks = (batch.Samples + blockSamples - 1) / blockSamples;
        int degree = Math.Min(Math.Min(MaxDegreeOfParallelism, Kernels.WorkerPool.MaxThreads), blocks);
        if (degree == 1)
        {
            double total = 0;
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSamples;
                total += Evaluate(batch.Slice(start, Math.Min(blockSamples, batch.Samples - start)));
            }

            return total;
        }

        return EvaluateInParallel(batch, blockSamples, blocks, degree);
    }

    /// <summary>
    /// The parallel part of <see cref="EvaluateBlocked"/>, in its own method because a lambda's captured
    /// variables are allocated when their scope is entered, which would make every call allocate.
    /// </summary>
    private unsafe double EvaluateInParallel(in LossBatch batch, int blockSamples, int blocks, int degree)
    {
        var partial = new double[blocks];
        fixed (float* yTrue = batch.YTrue, yPred = batch.YPred, perSample = batch.PerSample, gradient = batch.Gradient, weights = batch.Weights)
        {
            // Spans cannot enter a lambda; their pinned addresses can.
            (nint YTrue, int YTrueLength, nint YPred, int YPredLength, nint PerSample, int PerSampleLength,
                nint Gradient, int GradientLength, nint Weights, int WeightsLength) pinned =
                ((nint)yTrue, batch.YTrue.Length, (nint)yPred, batch.YPred.Length, (nint)perSample, batch.PerSample.Length,
                    (nint)gradient, batch.Gradient.Length, (nint)weights, batch.Weights.Length);
            int samples = batch.Samples;
            int rowLength = batch.RowLength;
            int labelStride = batch.LabelStride;
            int samplesPerWeight = batch.SamplesPerWeight;
            int firstSample = batch.FirstSample;
            double gradientScale = batch.GradientScale;
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = degree }, b =>
            {
                var whole = new LossBatch(
                    new ReadOnlySpan<float>((float*)pinned.YTrue, pinned.YTrueLength),
                    new ReadOnlySpan<float>((float*)pinned.YPred, pinned.YPredLength),
                    samples, rowLength, labelStride,
                    new Span<float>((float*)pinned.PerSample, pinned.PerSampleLength),
                    new Span<float>((float*)pinned.Gradient, pinned.GradientLength),
                    new ReadOnlySpan<float>((float*)pinned.Weights, pinned.WeightsLength),
                    samplesPerWeight, firstSample, gradientScale);
                int start = b * blockSamples;
                partial[b] = Evaluate(whole.Slice(start, Math.Min(blockSamples, samples - start)));
            });
        }

        double sum = 0;
        foreach (double value in partial)
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>Throws unless every prediction lies in [0, 1] (NaN passes, to come out as NaN).</summary>
    private protected void RequireProbabilities(ReadOnlySpan<float> yPred)
    {
        for (int i = 0; i < yPred.Length; i++)
        {
            float p = yPred[i];
            if (p < 0f || p > 1f)
            {
                throw new ArgumentException(
                    $"{GetType().Name} was created with fromLogits: false, so yPred must hold probabilities in [0, 1]; " +
                    $"yPred[{i}] (flat index) is {p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}. " +
                    $"If yPred holds logits (raw scores from a linear last layer), create the loss with fromLogits: true.",
                    nameof(yPred));
            }
        }
    }

    /// <summary>
    /// Throws unless every weight is finite and not negative: a negative weight turns the loss of its
    /// sample into a reward for getting it wrong, and a NaN or infinite one turns the whole sum into NaN
    /// or infinity, which then looks like a diverging model rather than bad weights. With <paramref name="perSample"/> above 1
    /// (one weight per step) a bad weight is named by its sample and step.
    /// </summary>
    internal static void CheckWeights(ReadOnlySpan<float> weights, string argumentName, int perSample = 1)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (!(weights[i] >= 0f && weights[i] <= float.MaxValue))
            {
                string place = perSample > 1 ? $"{i / perSample}, {i % perSample}" : $"{i}";
                throw new ArgumentException(
                    $"{argumentName}[{place}] is {weights[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; sample weights must be finite and not negative (0 leaves a {(perSample > 1 ? "step" : "sample")} out).",
                    argumentName);
            }
        }
    }

    /// <summary>As <see cref="CheckWeights"/>, for Fit's weights per class.</summary>
    internal static void CheckClassWeights(IReadOnlyDictionary<int, float> classWeight, string argumentName)
    {
        foreach ((int label, float weight) in classWeight)
        {
            if (!(weight >= 0f && weight <= float.MaxValue))
            {
                throw new ArgumentException(
                    $"{argumentName}[{label}] is {weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; class weights must be finite and not negative.",
                    argumentName);
            }
        }
    }

    /// <summary>
    /// Throws unless every label lies in [0, 1] (NaN passes, to come out as NaN): binary cross-entropy's
    /// <c>-y ln p - (1-y) ln(1-p)</c> is a loss only there; a label of 2 or -1 makes it unbounded below,
    /// and training then drives the logit to infinity.
    /// </summary>
    private protected void RequireUnitLabels(ReadOnlySpan<float> yTrue, string argumentName = "yTrue")
    {
        for (int i = 0; i < yTrue.Length; i++)
        {
            if (yTrue[i] < 0f || yTrue[i] > 1f)
            {
                throw new ArgumentException(
                    $"{GetType().Name} needs labels in [0, 1] (0, 1, or a soft label between); {argumentName}[{i}] (flat index) is {yTrue[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}. " +
                    "For labels such as -1/1 or 1/2, map them to 0/1 first; for class ids 0..K-1, use SparseCategoricalCrossentropy.",
                    argumentName);
            }
        }
    }

    /// <summary>
    /// Throws unless every target is not negative (NaN passes): a negative share of a class rewards
    /// lowering its probability without bound, so the loss has no minimum.
    /// </summary>
    private protected void RequireNonNegativeTargets(ReadOnlySpan<float> yTrue, int rowLength, string argumentName = "yTrue", int sampleLength = 0)
    {
        for (int i = 0; i < yTrue.Length; i++)
        {
            if (yTrue[i] < 0f)
            {
                // A whole dataset's targets name the sample (and the position, for an output per position); a batch's, its row.
                string where = sampleLength > rowLength
                    ? $"sample {i / sampleLength}, position {i % sampleLength / rowLength}, class {i % rowLength} of {argumentName}"
                    : $"row {i / rowLength}, class {i % rowLength}{(argumentName == "yTrue" ? "" : " of " + argumentName)}";
                throw new ArgumentException(
                    $"{GetType().Name} needs targets that are not negative (one-hot rows or soft distributions); {where} is {yTrue[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.",
                    argumentName);
            }
        }
    }

    /// <summary>
    /// Checks a whole target array once, before training or evaluation, by the rules each batch's loss applies to its
    /// targets, naming <paramref name="argumentName"/>: a bad target is then named by its place in the caller's data, not
    /// in a shuffled batch after earlier batches have moved the weights. Nothing for losses whose targets are any number.
    /// </summary>
    /// <param name="targets">The targets, row-major.</param>
    /// <param name="rowLength">Targets per row (the classes of a categorical loss).</param>
    /// <param name="sampleLength">Targets per sample (more than a row when the model gives an output per position).</param>
    /// <param name="argumentName">The caller's name for the targets, such as <c>y</c>.</param>
    internal virtual void CheckTargetValues(ReadOnlySpan<float> targets, int rowLength, int sampleLength, string argumentName)
    {
    }

    /// <summary>
    /// Throws on a row of probabilities that are all 0 (NaN passes). Categorical losses on probabilities
    /// divide each row by its sum; a row of zeros has none, so it is no distribution, and no probability
    /// near it is (unlike <c>p = 0</c> for the label in a row that sums to more, which is scored at the
    /// nearest representable probability). Refused rather than scored +inf: it only arises from a
    /// broken model or data, and the row's number is what finds it.
    /// </summary>
    private protected void RequireRowsWithMass(ReadOnlySpan<float> yPred, int rowLength)
    {
        for (int start = 0; start + rowLength <= yPred.Length; start += rowLength)
        {
            if (!yPred.Slice(start, rowLength).ContainsAnyExcept(0f))
            {
                throw new ArgumentException(
                    $"{GetType().Name} was created with fromLogits: false, and row {start / rowLength} of yPred is all zeros: not a probability distribution, so it has no loss. " +
                    "Check what produced it; if yPred holds logits (raw scores), create the loss with fromLogits: true.",
                    nameof(yPred));
            }
        }
    }

    /// <summary>The binary losses' checks: labels in [0, 1] and, without logits, probabilities in [0, 1].</summary>
    private protected int CheckBinaryValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples, bool fromLogits)
    {
        RequireUnitLabels(yTrue);
        if (!fromLogits)
        {
            RequireProbabilities(yPred);
        }

        return samples;
    }

    /// <summary>
    /// The categorical losses' checks: yTrue of yPred's shape (<paramref name="hint"/> ends the message), returning
    /// the classes (the last axis).
    /// </summary>
    private protected int RequireOneTargetPerClass(Tensor yTrue, Tensor yPred, string hint = "")
    {
        if (!yTrue.ShapeSpan.SequenceEqual(yPred.ShapeSpan))
        {
            throw new ArgumentException(
                $"{GetType().Name} expects yTrue of the shape of yPred (one target per class); received yTrue {ShapeText.Format(yTrue.ShapeSpan)} and yPred {ShapeText.Format(yPred.ShapeSpan)}.{hint}",
                nameof(yTrue));
        }

        return yPred.ShapeSpan[^1];
    }

    /// <summary>The categorical losses' value checks: non-negative targets and, without logits, probability rows with mass.</summary>
    private protected int CheckCategoricalValues(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples, bool fromLogits)
    {
        int rowLength = samples == 0 ? 1 : yPred.Length / samples;
        RequireNonNegativeTargets(yTrue, rowLength);
        if (!fromLogits)
        {
            RequireProbabilities(yPred);
            RequireRowsWithMass(yPred, rowLength);
        }

        return samples;
    }

    /// <summary>Throws unless <paramref name="labelSmoothing"/> lies in [0, 1].</summary>
    private protected static float CheckLabelSmoothing(float labelSmoothing)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing,
                "Expected a label smoothing in [0, 1] (0 disables it; 0.1 is a common choice).");
        }

        return labelSmoothing;
    }

    private Tensor CallCore(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        Prepared prepared = Prepare(yTrue, yPred, sampleWeight);
        if (Reduction == Reduction.None)
        {
            Tensor perSample = Tensor.Uninitialized(yPred.ShapeSpan[..^1]);
            Run(prepared, yTrue, yPred, sampleWeight, perSample.AsSpan(), default, 1.0);
            return perSample;
        }

        double sum = Run(prepared, yTrue, yPred, sampleWeight, default, default, 1.0);
        return Tensor.Scalar((float)Reduce(sum, prepared.Counted));
    }

    private Tensor GradientCore(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        Prepared prepared = Prepare(yTrue, yPred, sampleWeight);
        Tensor gradient = Tensor.Uninitialized(yPred.ShapeSpan);
        Run(prepared, yTrue, yPred, sampleWeight, default, gradient.AsSpan(), 1.0);
        return gradient;
    }

    private float ComputeCore(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, Span<float> gradient)
    {
        Prepared prepared = Prepare(yTrue, yPred, sampleWeight);
        if (gradient.Length != yPred.Length)
        {
            throw new ArgumentException(
                $"Expected a gradient span of {yPred.Length} values, one per element of yPred {ShapeText.Format(yPred.ShapeSpan)}; received {gradient.Length}.",
                nameof(gradient));
        }

        double scale = Reduction == Reduction.SumOverBatchSize
            ? (prepared.Counted == 0 ? 0.0 : 1.0 / prepared.Counted)
            : 1.0;
        double sum = Run(prepared, yTrue, yPred, sampleWeight, default, gradient, scale);
        return (float)Reduce(sum, prepared.Counted);
    }

    private double Reduce(double sum, int counted) => Reduction == Reduction.SumOverBatchSize
        ? (counted == 0 ? 0.0 : sum / counted)
        : sum;

    private double Run(
        in Prepared prepared, Tensor yTrue, Tensor yPred, Tensor? sampleWeight, Span<float> perSample, Span<float> gradient, double gradientScale)
    {
        var batch = new LossBatch(
            yTrue.AsSpan(), yPred.AsSpan(), prepared.Samples, prepared.RowLength, prepared.LabelStride,
            perSample, gradient, sampleWeight is null ? default : sampleWeight.AsSpan(), prepared.SamplesPerWeight, 0, gradientScale);
        return EvaluateBlocked(batch);
    }

    private Prepared Prepare(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yPred.Rank == 0 || yPred.ShapeSpan[^1] == 0)
        {
            throw new ArgumentException(
                $"{GetType().Name} needs predictions whose last axis (the classes, or the values averaged per sample) is not empty; received yPred {ShapeText.Format(yPred.ShapeSpan)}.",
                nameof(yPred));
        }

        int labelStride = CheckShapes(yTrue, yPred);
        ReadOnlySpan<int> sampleShape = yPred.ShapeSpan[..^1];
        int rowLength = yPred.ShapeSpan[^1];
        int samples = yPred.Length / rowLength;
        int samplesPerWeight = 1;
        if (sampleWeight is not null)
        {
            samplesPerWeight = WeightLayout(sampleWeight, sampleShape, samples, yPred);
            CheckWeights(sampleWeight.AsSpan(), nameof(sampleWeight));
        }

        int counted = CheckValues(yTrue.AsSpan(), yPred.AsSpan(), samples);
        return new Prepared(samples, rowLength, labelStride, samplesPerWeight, counted);
    }

    /// <summary>How many consecutive samples share one weight, after checking the weight's shape.</summary>
    private static int WeightLayout(Tensor sampleWeight, ReadOnlySpan<int> sampleShape, int samples, Tensor yPred)
    {
        if (sampleWeight.Length == 1)
        {
            return Math.Max(samples, 1);
        }

        ReadOnlySpan<int> w = sampleWeight.ShapeSpan;
        // Trailing axes of size 1 broadcast: [n, 1] weights serve [n] or [n, time] samples.
        while (w.Length > 0 && w[^1] == 1)
        {
            w = w[..^1];
        }

        if (w.Length > sampleShape.Length || !sampleShape[..w.Length].SequenceEqual(w))
        {
            throw new ArgumentException(
                $"Expected sampleWeight of the leading shape of yPred, {ShapeText.Format(sampleShape)}, a prefix of it, or a single value; " +
                $"received sampleWeight {ShapeText.Format(sampleWeight.ShapeSpan)} for yPred {ShapeText.Format(yPred.ShapeSpan)}.",
                nameof(sampleWeight));
        }

        int perWeight = 1;
        for (int axis = w.Length; axis < sampleShape.Length; axis++)
        {
            perWeight *= sampleShape[axis];
        }

        return Math.Max(perWeight, 1);
    }

    private readonly record struct Prepared(int Samples, int RowLength, int LabelStride, int SamplesPerWeight, int Counted);
}
