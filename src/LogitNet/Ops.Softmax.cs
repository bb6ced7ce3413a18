using LogitNet.Kernels;

namespace LogitNet;

public static partial class Ops
{
    /// <summary>
    /// The softmax over the last axis: each row of logits becomes probabilities that sum to 1.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Effectively computes <c>y[..., i] = exp(x[..., i] - m) / Σ_j exp(x[..., j] - m)</c>, where
    /// <c>m</c> is the row's maximum, in double precision, rounded once to float32: every component
    /// is within 1 ulp of the exact value for every finite input (huge logits such as ±3e38, a
    /// dominant entry, subnormal results). Unlike <c>TensorPrimitives.SoftMax</c>, which returns NaN
    /// for <c>[1000, 999, 0]</c>, large logits cannot overflow.
    /// </para>
    /// <para>
    /// Special values: a <c>-inf</c> entry (a masked class) gets probability 0. A row that is all
    /// <c>-inf</c> has no probabilities (0/0) and becomes NaN; a row with a <c>+inf</c> entry
    /// becomes NaN (∞/∞); a row with a NaN becomes NaN in every component.
    /// </para>
    /// </remarks>
    /// <param name="x">The logits, rank 1 to 4; the last axis holds the classes.</param>
    /// <returns>A new tensor of the shape of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is a scalar (rank 0), which has no last axis.</exception>
    /// <example>
    /// <code>
    /// Tensor p = Ops.Softmax(Tensor.FromArray([1000f, 999f, 0f], 3));
    /// // p = [0.7310586, 0.26894143, 0]   (TensorPrimitives.SoftMax gives NaN here)
    /// </code>
    /// </example>
    public static Tensor Softmax(Tensor x)
    {
        int columns = LastAxisLength(x, nameof(x), nameof(Softmax));
        Tensor y = Tensor.Uninitialized(x.ShapeSpan);
        SoftmaxKernel.Rows(x.AsSpan(), y.AsSpan(), columns);
        return y;
    }

    /// <summary>
    /// The logarithm of the softmax over the last axis, computed directly from the logits so that
    /// no probability is rounded or underflows on the way.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Effectively computes <c>y[..., i] = (x[..., i] - m) - log Σ_j exp(x[..., j] - m)</c>, with
    /// <c>m</c> the row's maximum, in double precision, rounded once to float32: within 1 ulp of
    /// the exact value for every finite input. Where <c>log(Softmax(x))</c> gives <c>-inf</c>
    /// (probability underflow, e.g. <c>[0, -200]</c>) this returns the exact <c>-200</c>, and the
    /// log-probability of a dominant class, about <c>-1e-30</c>, keeps its digits instead of
    /// rounding to 0.
    /// </para>
    /// <para>
    /// Special values: a <c>-inf</c> entry gives <c>-inf</c>. A row that is all <c>-inf</c>, has a
    /// <c>+inf</c> entry, or has a NaN becomes NaN in every component. A finite result below
    /// <c>-float.MaxValue</c> (a row holding both <c>3e38</c> and <c>-3e38</c>) rounds to <c>-inf</c>.
    /// </para>
    /// </remarks>
    /// <param name="x">The logits, rank 1 to 4; the last axis holds the classes.</param>
    /// <returns>A new tensor of the shape of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is a scalar (rank 0), which has no last axis.</exception>
    /// <example>
    /// <code>
    /// Tensor l = Ops.LogSoftmax(Tensor.FromArray([2f, 1f, 0.1f], 3));
    /// // l = [-0.41703, -1.41703, -2.31703]
    /// Tensor d = Ops.LogSoftmax(Tensor.FromArray([0f, -70f], 2));
    /// // d = [-3.97545E-31, -70]   (log(Softmax) would give 0 for the first)
    /// </code>
    /// </example>
    public static Tensor LogSoftmax(Tensor x)
    {
        int columns = LastAxisLength(x, nameof(x), nameof(LogSoftmax));
        Tensor y = Tensor.Uninitialized(x.ShapeSpan);
        LogSoftmaxKernel.Rows(x.AsSpan(), y.AsSpan(), columns);
        return y;
    }

    /// <summary>
    /// The log-sum-exp over the last axis, <c>log Σ_j exp(x[..., j])</c>, without overflow: the
    /// smooth maximum of each row.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Effectively computes <c>r[...] = m + log Σ_j exp(x[..., j] - m)</c>, with <c>m</c> the row's
    /// maximum, in double precision, rounded once to float32: within 1 ulp of the exact value for
    /// every finite input. Rows where the two terms nearly cancel (a negative maximum with the
    /// logarithm close to <c>-m</c>, so the result is near 0) are detected by an error bound and
    /// recomputed in double-double arithmetic, so they keep their relative accuracy too.
    /// </para>
    /// <para>
    /// Special values: <c>-inf</c> entries contribute nothing; a row that is all <c>-inf</c> gives
    /// <c>-inf</c> (log 0), as does an empty last axis. A <c>+inf</c> entry gives <c>+inf</c>; a NaN
    /// entry gives NaN. A finite result above <c>float.MaxValue</c> (e.g. a row of two
    /// <c>float.MaxValue</c>) rounds to <c>+inf</c>.
    /// </para>
    /// </remarks>
    /// <param name="x">The values, rank 1 to 4; the reduction runs over the last axis.</param>
    /// <returns>
    /// A new tensor with the shape of <paramref name="x"/> without its last axis: shape <c>[n]</c>
    /// for <c>[n, classes]</c>, a scalar (shape <c>[]</c>) for a rank-1 input.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is a scalar (rank 0), which has no last axis.</exception>
    /// <example>
    /// <code>
    /// Tensor r = Ops.LogSumExp(Tensor.FromArray([1000f, 1000f, 0f, -1f], 2, 2));
    /// // r = [1000.6932, 0.3132617]   (shape [2]; exp(1000) alone would overflow)
    /// </code>
    /// </example>
    public static Tensor LogSumExp(Tensor x)
    {
        int columns = LastAxisLength(x, nameof(x), nameof(LogSumExp));
        Tensor result = Tensor.Uninitialized(x.ShapeSpan[..^1]);
        LogSumExpKernel.Rows(x.AsSpan(), result.AsSpan(), columns);
        return result;
    }

    /// <summary>The length of the last axis, after checking that there is one.</summary>
    private static int LastAxisLength(Tensor x, string argumentName, string operation)
    {
        ArgumentNullException.ThrowIfNull(x, argumentName);
        if (x.Rank == 0)
        {
            throw new ArgumentException(
                $"{operation} works over the last axis, but {argumentName} is a scalar (shape {ShapeText.Format(x.ShapeSpan)}). " +
                $"Pass a tensor of rank 1 or more, e.g. x.Reshape(1) for a single value.",
                argumentName);
        }

        return x.ShapeSpan[^1];
    }
}
