namespace LogitNet.Metrics;

/// <summary>
/// A metric that reads predictions as logits or probabilities; <c>Compile</c> tells it which the
/// training step's outputs are (as it does for <see cref="BinaryAccuracy"/>).
/// </summary>
internal interface ILogitsAware
{
    /// <summary>Whether the predictions are logits.</summary>
    bool FromLogits { get; set; }

    /// <summary>
    /// Whether the logits are a softmax's over the last axis (a softmax head on the fused path, or a categorical
    /// cross-entropy from logits): each row is then turned into its probabilities before it is scored, since a
    /// softmax logit says nothing alone and softmax does not keep the order of scores across rows.
    /// </summary>
    bool SoftmaxLogits { get; set; }
}
