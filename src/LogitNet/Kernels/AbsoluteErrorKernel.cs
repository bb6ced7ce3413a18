namespace LogitNet.Kernels;

/// <summary>Absolute error per value: |p - y|, gradient sign(p - y) (0 where p = y, as Keras's backends give).</summary>
/// <remarks>p - y of two float32 values is exact in double unless their exponents differ by more than 29, and then correctly rounded.</remarks>
internal readonly struct AbsoluteErrorKernel : IElementwiseLossKernel
{
    public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
    {
        for (int i = 0; i < yPred.Length; i++)
        {
            double difference = (double)yPred[i] - yTrue[i];
            loss[i] = Math.Abs(difference);
            gradient[i] = double.IsNaN(difference) ? double.NaN : Math.Sign(difference);
        }
    }
}
