using System.Buffers;
using System.Runtime.CompilerServices;

namespace LogitNet.Kernels;

/// <summary>
/// Softmax cross-entropy fused with its gradient, per row of logits, in double; every output is
/// rounded to float32 once.
/// </summary>
/// <remarks>
/// <para>
/// With m = max z, e_j = exp(z_j - m) (z_j - m is exact in double) and S = Σ e_j:
/// the loss of class y is (m - z_y) + ln S when z_y &lt; m — then p_y ≤ 1/2, the loss is at least ln 2 and
/// both terms are ≥ 0 — and log1p(Σ_{j≠y} e_j) when z_y = m, so a tiny loss (1.87e-13 for logits
/// [30, 0, 0] and label 0) keeps all its digits. The gradient is e_j/S for j ≠ y and
/// -(Σ_{j≠y} e_j)/S for the label: the sum of the others, never p_y - 1. Each value has relative error
/// below about (C + 8)·2^-53 from the double sums and the vectorised exp/log (both within a few
/// double ulps; for hard labels the exp is <see cref="QuickExp"/>, within 2^-42, which no output can
/// amplify), so the float32 result is within 0.5 + 2^-17 ulp for C ≤ 10^5.
/// </para>
/// <para>
/// Every output has the same bits on every instruction set and at every position of a batch: the exponentials'
/// 512-bit, 256-bit and one-lane forms run the same operations (<see cref="INonPositiveExp"/>), and the sums add in
/// one order (<see cref="LossVectorMath.Sum"/>). Until session 15 the tails and machines without AVX-512 took
/// Math.Exp, and about one gradient in a million differed in its last bit between AVX-512 and AVX2 machines.
/// </para>
/// <para>
/// A -∞ logit (a masked class) gives e_j = 0 and contributes 0; with a probability target it
/// contributes 0 when its target is 0 (the term t_j·(m - z_j) is skipped, never 0·∞). NaN anywhere in a
/// row makes that row's loss and gradient NaN; so does a row whose largest logit is +∞ or that is all -∞.
/// </para>
/// <para>
/// Rows are processed in blocks whose e_j fit in 16 KB, so one vectorised exp call serves many short
/// rows ([65536, 10]) and the logits are read from memory once.
/// </para>
/// </remarks>
internal static class SoftmaxCrossentropyKernel
{
    /// <summary>Doubles per block of e_j values: 16 KB, in L1 with the row of logits.</summary>
    private const int BlockValues = 2048;

    /// <summary>Hard labels: class ids (validated by the caller), one per sample; <paramref name="ignoreClass"/> rows give 0.</summary>
    public static double Sparse(in LossBatch batch, int? ignoreClass)
    {
        int classes = batch.RowLength;
        int rowsPerBlock = Math.Max(1, BlockValues / classes);
        double[] rented = ArrayPool<double>.Shared.Rent(Math.Max(BlockValues, classes));
        Span<float> maxima = stackalloc float[Math.Min(rowsPerBlock, BlockValues)];
        Span<double> sums = stackalloc double[Math.Min(rowsPerBlock, BlockValues)];
        try
        {
            double total = 0;
            for (int first = 0; first < batch.Samples; first += rowsPerBlock)
            {
                int rows = Math.Min(rowsPerBlock, batch.Samples - first);
                Span<double> e = rented.AsSpan(0, rows * classes);
                ExponentiateBlock<QuickExp>(batch.YPred.Slice(first * classes, rows * classes), classes, maxima[..rows], e, sums[..rows]);
                for (int r = 0; r < rows; r++)
                {
                    int sample = first + r;
                    float label = batch.YTrue[sample];
                    Span<float> gradientRow = batch.WantsGradient ? batch.Gradient.Slice(sample * classes, classes) : default;
                    if (ignoreClass is int ignored && label == ignored)
                    {
                        gradientRow.Clear();
                        if (batch.WantsPerSample)
                        {
                            batch.PerSample[sample] = 0f;
                        }

                        continue;
                    }

                    int y = (int)label;
                    ReadOnlySpan<double> row = e.Slice(r * classes, classes);

                    // Σ_{j≠y} e_j by subtraction only when e_y is at most half the sum (then at most one bit
                    // is lost); otherwise summed again without e_y.
                    double others = row[y] <= 0.5 * sums[r] ? sums[r] - row[y] : LossVectorMath.SumExcept(row, y);
                    double sum = others + row[y];
                    float m = maxima[r];
                    float zy = batch.YPred[sample * classes + y];
                    double loss = zy == m ? StableMath.Log1p(others) : ((double)m - zy) + Math.Log(sum);
                    double weight = batch.WeightOf(sample);
                    double value = weight * loss;
                    total += value;
                    if (batch.WantsPerSample)
                    {
                        batch.PerSample[sample] = (float)value;
                    }

                    if (batch.WantsGradient)
                    {
                        double factor = batch.GradientScale * weight / sum;
                        LossVectorMath.ScaleNarrow(row, factor, gradientRow);
                        gradientRow[y] = (float)(-others * factor);
                    }
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Probability targets t (any non-negative values; Σt need not be 1), one row per sample.</summary>
    /// <remarks>
    /// Loss Σ_{t_j≠0} t_j·(m - z_j) + T·log1p(Σ_{j≠k} e_j), T = Σ t_j, k the first arg-max: every term ≥ 0.
    /// Gradient e_j·T/S - t_j, and for k, when its operands are smaller: (T - t_k) - T·(Σ_{j≠k} e_j)/S,
    /// which is exact for a target one-hot on k. Either form's absolute error is a few double ulps of its
    /// operands; a soft target whose exact gradient is far smaller (distillation, t ≈ softmax(z)) loses
    /// relative accuracy inherently, so soft rows meet the normwise bar rather than 1 ulp per component.
    /// </remarks>
    public static double Dense(in LossBatch batch)
    {
        int classes = batch.RowLength;
        int rowsPerBlock = Math.Max(1, BlockValues / classes);
        double[] rented = ArrayPool<double>.Shared.Rent(Math.Max(BlockValues, classes));
        Span<float> maxima = stackalloc float[Math.Min(rowsPerBlock, BlockValues)];
        Span<double> sums = stackalloc double[Math.Min(rowsPerBlock, BlockValues)];
        try
        {
            double total = 0;
            for (int first = 0; first < batch.Samples; first += rowsPerBlock)
            {
                int rows = Math.Min(rowsPerBlock, batch.Samples - first);
                Span<double> e = rented.AsSpan(0, rows * classes);
                ExponentiateBlock<AccurateExp>(batch.YPred.Slice(first * classes, rows * classes), classes, maxima[..rows], e, sums[..rows]);
                for (int r = 0; r < rows; r++)
                {
                    int sample = first + r;
                    ReadOnlySpan<float> z = batch.YPred.Slice(sample * classes, classes);
                    ReadOnlySpan<float> t = batch.YTrue.Slice(sample * classes, classes);
                    Span<double> row = e.Slice(r * classes, classes);
                    double m = maxima[r];
                    int k = Math.Max(0, z.IndexOf(maxima[r]));
                    double rest = LossVectorMath.SumExcept(row, k);
                    double sum = row[k] + rest;
                    double targetSum = 0;
                    double targetRest = 0;
                    double linear = 0;
                    for (int j = 0; j < classes; j++)
                    {
                        double tj = t[j];
                        targetSum += tj;
                        if (j != k)
                        {
                            targetRest += tj;
                        }

                        if (tj != 0)
                        {
                            linear += tj * (m - z[j]);
                        }
                    }

                    double loss = linear + targetSum * StableMath.Log1p(rest);
                    double weight = batch.WeightOf(sample);
                    double value = weight * loss;
                    total += value;
                    if (batch.WantsPerSample)
                    {
                        batch.PerSample[sample] = (float)value;
                    }

                    if (batch.WantsGradient)
                    {
                        double scale = batch.GradientScale * weight;
                        Span<float> gradientRow = batch.Gradient.Slice(sample * classes, classes);
                        double share = targetSum / sum;
                        for (int j = 0; j < classes; j++)
                        {
                            gradientRow[j] = (float)((row[j] * share - t[j]) * scale);
                        }

                        // For k, p_k·T - t_k = (T - t_k) - T·(1 - p_k): exact for a target one-hot on k.
                        // Whichever form has the smaller operands has the smaller absolute error.
                        double restShare = targetSum * (rest / sum);
                        if (targetRest + restShare < row[k] * share + t[k])
                        {
                            gradientRow[k] = (float)((targetRest - restShare) * scale);
                        }
                    }
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// For each row of <paramref name="logits"/>: maxima[r] = max z, and e[j] = exp(z_j - max z) in double,
    /// with one vectorised exp call for the whole block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ExponentiateBlock<TExp>(ReadOnlySpan<float> logits, int classes, Span<float> maxima, Span<double> e, Span<double> sums)
        where TExp : struct, INonPositiveExp
    {
        if (classes >= 64)
        {
            // Long rows: one fused pass per row (widen, shift, exponentiate, store, sum).
            for (int r = 0; r < maxima.Length; r++)
            {
                ReadOnlySpan<float> z = logits.Slice(r * classes, classes);
                float m = LossVectorMath.Max(z);
                maxima[r] = m;
                sums[r] = LossVectorMath.ExpShiftedSum<TExp>(z, m, e.Slice(r * classes, classes));
            }

            return;
        }

        // Short rows: shift every row of the block, then one vectorised exponential over the whole block.
        for (int r = 0; r < maxima.Length; r++)
        {
            ReadOnlySpan<float> z = logits.Slice(r * classes, classes);
            float m = LossVectorMath.Max(z);
            maxima[r] = m;
            LossVectorMath.WidenSubtract(z, m, e.Slice(r * classes, classes));
        }

        LossVectorMath.ExpNonPositive<TExp>(e);
        for (int r = 0; r < maxima.Length; r++)
        {
            sums[r] = LossVectorMath.Sum(e.Slice(r * classes, classes));
        }
    }
}
