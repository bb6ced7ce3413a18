namespace LogitNet.Kernels;

/// <summary>Squared error per value: (p - y)², gradient 2(p - y), in double.</summary>
/// <remarks>
/// p - y of two float32 values is exact in double unless their exponents differ by more than 29, and
/// then correctly rounded; the square adds one rounding. Relative error below 2^-51 before the single
/// rounding to float32 (after the mean over the last axis).
/// </remarks>
internal readonly struct MeanSquaredErrorKernel : IElementwiseLossKernel
{
    public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
    {
        for (int i = 0; i < yPred.Length; i++)
        {
            double difference = (double)yPred[i] - yTrue[i];
            loss[i] = difference * difference;
            gradient[i] = 2.0 * difference;
        }
    }
}
