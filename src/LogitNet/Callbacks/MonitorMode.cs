namespace LogitNet.Callbacks;

/// <summary>Whether a monitored quantity improves by going down or up.</summary>
public enum MonitorMode
{
    /// <summary>Up for names containing <c>accuracy</c>, down otherwise (losses).</summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}
