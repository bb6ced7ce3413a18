using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>Mean absolute error: the mean over the last axis of <c>|yTrue - yPred|</c>, per sample, as Keras's <c>MeanAbsoluteError</c>.</summary>
/// <remarks>
/// <para>
/// Targets have the shape of the predictions (<c>[n]</c> targets are accepted for <c>[n, 1]</c>
/// predictions). The gradient is <c>sign(yPred - yTrue)/k</c> for <c>k</c> values on the last axis, 0 where
/// they are equal. Computed in double and rounded once: within 1 float32 ulp. NaN in gives NaN out.
/// </para>
/// <example>
/// <code>
/// var mae = new MeanAbsoluteError();
/// Tensor yTrue = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);
/// Tensor yPred = Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2);
/// mae.Call(yTrue, yPred).ToScalar();          // 0.5 (per sample [0.5, 0.5]; Keras's docstring example)
/// mae.Gradient(yTrue, yPred).ToArray();       // [0.5, 0, 0.5, 0]
/// </code>
/// </example>
/// </remarks>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
public sealed class MeanAbsoluteError(Reduction reduction = Reduction.SumOverBatchSize) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    private protected override string Options => "";

    internal override double Evaluate(in LossBatch batch) => ElementwiseLossDriver.Run(new AbsoluteErrorKernel(), batch);
}
