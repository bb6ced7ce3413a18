namespace LogitNet;

/// <summary>
/// The public math of LogitNet: matrix products, the numerically stable softmax family, and the
/// elementwise operations that layers are built from.
/// </summary>
/// <remarks>
/// Every method returns a new tensor and leaves its inputs unchanged. Reductions such as
/// <c>LogSumExp</c> and <c>Softmax</c> work over the last axis. The softmax family
/// is our own rather than <c>TensorPrimitives.SoftMax</c>, which does not subtract the maximum and
/// returns NaN for <c>[1000, 999, 0]</c>.
/// </remarks>
public static partial class Ops
{
}
