namespace LogitNet.Regularizers;

/// <summary>The built-in penalties by Keras's names, for <c>kernelRegularizer:</c> and <c>biasRegularizer:</c>.</summary>
/// <example>
/// <code>
/// using LogitNet.Regularizers;
/// new Dense(25, Activation.Relu, kernelRegularizer: Regularizers.L2(0.01f));
/// </code>
/// </example>
public static class Regularizers
{
    /// <summary>The L1 penalty <c>l1·Σ|w|</c> (Keras's <c>L1</c>, default 0.01).</summary>
    /// <param name="l1">The factor; finite and non-negative.</param>
    /// <returns>The penalty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l1"/> is negative or not finite.</exception>
    public static L1L2 L1(float l1 = 0.01f) => new(l1: l1);

    /// <summary>The L2 penalty <c>l2·Σw²</c> (Keras's <c>L2</c>, default 0.01; no ½ in front, as in Keras).</summary>
    /// <param name="l2">The factor; finite and non-negative.</param>
    /// <returns>The penalty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2"/> is negative or not finite.</exception>
    public static L1L2 L2(float l2 = 0.01f) => new(l2: l2);

    /// <summary>Both penalties, <c>l1·Σ|w| + l2·Σw²</c> (Keras's <c>L1L2</c>, defaults 0).</summary>
    /// <param name="l1">The L1 factor.</param>
    /// <param name="l2">The L2 factor.</param>
    /// <returns>The penalty.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A factor is negative or not finite.</exception>
    public static L1L2 L1L2(float l1 = 0f, float l2 = 0f) => new(l1, l2);
}
