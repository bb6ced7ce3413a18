namespace LogitNet.Metrics;

/// <summary>Which curve <see cref="Auc"/> measures the area under.</summary>
public enum AucCurve
{
    /// <summary>The receiver operating characteristic: true-positive rate against false-positive rate.</summary>
    Roc,

    /// <summary>Precision against recall, summarised as average precision.</summary>
    PrecisionRecall,
}
