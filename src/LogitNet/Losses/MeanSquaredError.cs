using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>Mean squared error: the mean over the last axis of <c>(yTrue - yPred)²</c>, per sample.</summary>
/// <remarks>
/// <para>
/// Targets have the shape of the predictions (<c>[n]</c> targets are accepted for <c>[n, 1]</c>
/// predictions). The gradient is <c>2(yPred - yTrue)/k</c> for <c>k</c> values on the last axis. Computed
/// in double and rounded once: within 1 float32 ulp. NaN in gives NaN out.
/// </para>
/// <example>
/// <code>
/// var mse = new MeanSquaredError();
/// Tensor yTrue = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);
/// Tensor yPred = Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2);
/// mse.Call(yTrue, yPred).ToScalar();          // 0.5 (per sample [0.5, 0.5])
/// mse.Gradient(yTrue, yPred).ToArray();       // [1, 0, 1, 0]
/// </code>
/// </example>
/// </remarks>
/// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
public sealed class MeanSquaredError(Reduction reduction = Reduction.SumOverBatchSize) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    private protected override string Options => "";

    internal override double Evaluate(in LossBatch batch) => ElementwiseLossDriver.Run(new MeanSquaredErrorKernel(), batch);
}
