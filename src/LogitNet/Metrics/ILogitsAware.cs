namespace LogitNet.Metrics;

/// <summary>
/// A metric that reads predictions as logits or probabilities; <c>Compile</c> tells it which the
/// training step's outputs are (as it does for <see cref="BinaryAccuracy"/>).
/// </summary>
internal interface ILogitsAware
{
    bool FromLogits { get; set; }
}
