namespace LogitNet.Metrics;

/// <summary>
/// Short names for the built-in metrics, for <c>Compile</c>'s <c>metrics</c> list: each property
/// returns a new metric.
/// </summary>
/// <example>
/// <code>
/// using LogitNet.Metrics;
/// model.Compile(loss, optimizer, metrics: [Metrics.SparseCategoricalAccuracy]);
/// </code>
/// </example>
public static class Metrics
{
    /// <summary>
    /// A new <see cref="LogitNet.Metrics.Accuracy"/>: Keras's <c>"accuracy"</c>, binary, sparse or
    /// categorical accuracy as the compiled loss implies, logged as <c>accuracy</c>.
    /// </summary>
    public static Metric Accuracy => new Accuracy();

    /// <summary>A new <see cref="LogitNet.Metrics.BinaryAccuracy"/> with threshold 0.5 (logit 0).</summary>
    public static Metric BinaryAccuracy => new BinaryAccuracy();

    /// <summary>A new <see cref="LogitNet.Metrics.CategoricalAccuracy"/>.</summary>
    public static Metric CategoricalAccuracy => new CategoricalAccuracy();

    /// <summary>A new <see cref="LogitNet.Metrics.SparseCategoricalAccuracy"/>.</summary>
    public static Metric SparseCategoricalAccuracy => new SparseCategoricalAccuracy();
}
