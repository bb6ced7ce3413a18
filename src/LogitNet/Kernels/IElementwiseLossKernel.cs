namespace LogitNet.Kernels;

/// <summary>
/// The math of a loss that is a mean over the last axis of a function of (label, prediction) pairs:
/// binary cross-entropy, binary focal cross-entropy, squared error.
/// </summary>
internal interface IElementwiseLossKernel
{
    /// <summary>
    /// For each i: loss[i] = ℓ(yTrue[i], yPred[i]) and, when <paramref name="wantGradient"/>,
    /// gradient[i] = ∂ℓ/∂yPred[i], both in double. At most <see cref="ElementwiseLossDriver.Chunk"/>
    /// values; <paramref name="loss"/> and <paramref name="gradient"/> are scratch of the same length.
    /// </summary>
    void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient);
}
