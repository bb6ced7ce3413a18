using LogitNet.Kernels;

namespace LogitNet;

public static partial class Ops
{
    /// <summary>
    /// The logistic sigmoid of each element, <c>1 / (1 + exp(-x))</c>: the probability of the
    /// positive class for a binary logit.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Effectively computes <c>y[i] = 1 / (1 + exp(-x[i]))</c>, evaluated in double precision as
    /// <c>1 / (1 + exp(-|x|))</c> or <c>exp(-|x|) / (1 + exp(-|x|))</c> so nothing overflows, and
    /// rounded once to float32: within 1 ulp of the exact value for every finite input, including
    /// the tiny (subnormal) probabilities of logits below about -87.
    /// </para>
    /// <para>Special values: NaN gives NaN, <c>-inf</c> gives 0, <c>+inf</c> gives 1.</para>
    /// </remarks>
    /// <param name="x">The logits, any rank (a scalar included).</param>
    /// <returns>A new tensor of the shape of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <example>
    /// <code>
    /// Tensor p = Ops.Sigmoid(Tensor.FromArray([0f, 2f, -100f], 3));
    /// // p = [0.5, 0.8807971, 3.8E-44]
    /// </code>
    /// </example>
    public static Tensor Sigmoid(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor y = Tensor.Uninitialized(x.ShapeSpan);
        SigmoidKernel.Apply(x.AsSpan(), y.AsSpan());
        return y;
    }

    /// <summary>
    /// The softplus of each element, <c>log(1 + exp(x))</c>: a smooth ReLU, and the binary
    /// cross-entropy of a logit against label 0.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Effectively computes <c>y[i] = log(1 + exp(x[i]))</c>, evaluated in double precision as
    /// <c>max(x, 0) + log1p(exp(-|x|))</c> with an accurate log1p, so it neither overflows for
    /// large <c>x</c> (softplus(1000) = 1000) nor loses the tiny values for very negative
    /// <c>x</c> (softplus(-100) = 3.72e-44), and is rounded once to float32: within 1 ulp of the
    /// exact value for every finite input.
    /// </para>
    /// <para>Special values: NaN gives NaN, <c>-inf</c> gives 0, <c>+inf</c> gives <c>+inf</c>.</para>
    /// </remarks>
    /// <param name="x">The inputs, any rank (a scalar included).</param>
    /// <returns>A new tensor of the shape of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <example>
    /// <code>
    /// Tensor s = Ops.Softplus(Tensor.FromArray([0f, 1000f, -20f], 3));
    /// // s = [0.6931472, 1000, 2.0611537E-09]
    /// </code>
    /// </example>
    public static Tensor Softplus(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor y = Tensor.Uninitialized(x.ShapeSpan);
        SoftplusKernel.Apply(x.AsSpan(), y.AsSpan());
        return y;
    }
}
