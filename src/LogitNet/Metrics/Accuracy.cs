namespace LogitNet.Metrics;

/// <summary>
/// Keras's <c>metrics=["accuracy"]</c>: binary, sparse categorical or categorical accuracy, chosen
/// from the compiled loss, and reported as <c>accuracy</c> (<c>val_accuracy</c> on validation data).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Sequential.Compile"/> resolves it from the loss: <c>BinaryCrossentropy</c> and
/// <c>BinaryFocalCrossentropy</c> give <see cref="BinaryAccuracy"/> (threshold 0.5, read on the logits
/// when the training step sees logits), <c>SparseCategoricalCrossentropy</c> gives
/// <see cref="SparseCategoricalAccuracy"/>, <c>CategoricalCrossentropy</c> and
/// <c>CategoricalFocalCrossentropy</c> give <see cref="CategoricalAccuracy"/>. For any other loss, or
/// used on its own, it resolves at the first <see cref="Update"/> from the shapes, by Keras's rule:
/// one output per sample is binary (probabilities, threshold 0.5), targets of lower rank than the predictions, or with a
/// last axis of 1, are sparse class ids, anything else is categorical.
/// </para>
/// <para>
/// Keras's class <c>keras.metrics.Accuracy</c> (exact equality of predictions and targets) is a
/// different thing: for models that output class ids, compare <c>Ops.ArgMax</c> of the predictions
/// with the labels yourself.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(), metrics: [Metrics.Accuracy]);
/// History history = model.Fit(x, y, epochs: 10, validationSplit: 0.2);
/// float last = history["val_accuracy"][^1];
/// </code>
/// </example>
public sealed class Accuracy : Metric
{
    private MeanMetric? _resolved;

    /// <summary>The name the metric has unless given another.</summary>
    internal const string DefaultName = "accuracy";

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The key of its value in the logs (Keras's <c>accuracy</c>; a Keras 2 file may say <c>acc</c>).</param>
    public Accuracy(string name = DefaultName)
        : base(name)
    {
    }

    /// <summary>The accuracy it resolved to (<see cref="BinaryAccuracy"/>, <see cref="SparseCategoricalAccuracy"/> or <see cref="CategoricalAccuracy"/>), or null before it is resolved.</summary>
    public Metric? Resolved => _resolved;

    /// <inheritdoc/>
    public override bool? HigherIsBetter => true;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        _resolved ??= FromShapes(yTrue, yPred);
        _resolved.Update(yTrue, yPred, sampleWeight);
    }

    /// <inheritdoc/>
    public override float Result() => _resolved?.Result() ?? 0f;

    /// <inheritdoc/>
    public override void Reset() => _resolved?.Reset();

    /// <inheritdoc/>
    public override Metric CreateEmptyCopy() => new Accuracy(Name) { _resolved = (MeanMetric?)_resolved?.CreateEmptyCopy() };

    /// <summary>Resolves from the compiled loss's kind; <paramref name="kind"/> null leaves it to the shapes.</summary>
    internal void Resolve(AccuracyKind? kind, bool fromLogits)
    {
        _resolved = kind switch
        {
            AccuracyKind.Binary => new BinaryAccuracy(fromLogits: fromLogits),
            AccuracyKind.Sparse => new SparseCategoricalAccuracy(),
            AccuracyKind.Categorical => new CategoricalAccuracy(),
            _ => null,
        };
    }

    /// <summary>Keras's rule in <c>compile_utils.get_metric</c> for the string <c>"accuracy"</c>.</summary>
    private static MeanMetric FromShapes(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank == 0 || yPred.ShapeSpan[^1] == 1)
        {
            return new BinaryAccuracy();
        }

        bool sparse = yTrue.Rank < yPred.Rank || (yTrue.Rank > 0 && yTrue.ShapeSpan[^1] == 1);
        return sparse ? new SparseCategoricalAccuracy() : new CategoricalAccuracy();
    }

    /// <summary>The three accuracies <c>"accuracy"</c> can mean.</summary>
    internal enum AccuracyKind
    {
        Binary,
        Sparse,
        Categorical,
    }
}
