namespace LogitNet.Losses;

/// <summary>How a <see cref="Loss"/> turns its per-sample values into the value it returns.</summary>
/// <remarks>
/// A sample is one position of the leading axes: for predictions of shape <c>[batch, classes]</c>
/// there are <c>batch</c> samples, for <c>[batch, time, classes]</c> there are <c>batch × time</c>.
/// <example>
/// For per-sample losses <c>[0.5, 1.5, 1.0]</c>: <see cref="None"/> returns <c>[0.5, 1.5, 1.0]</c>,
/// <see cref="Sum"/> returns <c>3.0</c>, <see cref="SumOverBatchSize"/> returns <c>1.0</c>.
/// </example>
/// </remarks>
public enum Reduction
{
    /// <summary>No reduction: one (weighted) value per sample, in a tensor of the leading shape of the predictions.</summary>
    None = 0,

    /// <summary>The sum of the (weighted) per-sample values, as a scalar.</summary>
    Sum = 1,

    /// <summary>
    /// The sum of the (weighted) per-sample values divided by the number of samples (for
    /// <see cref="SparseCategoricalCrossentropy"/> with an ignored class, by the number of samples not
    /// ignored), as a scalar. Keras's default, and ours. An empty batch gives 0.
    /// </summary>
    SumOverBatchSize = 2,
}
