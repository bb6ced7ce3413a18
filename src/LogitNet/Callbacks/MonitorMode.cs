namespace LogitNet.Callbacks;

/// <summary>Whether a monitored quantity improves by going down or up.</summary>
public enum MonitorMode
{
    /// <summary>
    /// From the quantity, as Keras's <c>"auto"</c>: <c>loss</c> and <c>val_loss</c> go down; a compiled
    /// metric goes the way its <see cref="Metrics.Metric.HigherIsBetter"/> says (accuracy, precision,
    /// recall, AUC and F1 go up). A quantity whose direction is unknown makes the callback throw at the
    /// first epoch's end, asking for <see cref="Min"/> or <see cref="Max"/>.
    /// </summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}
