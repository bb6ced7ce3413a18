namespace LogitNet.Kernels;

/// <summary>
/// Categorical cross-entropy from probabilities: each row is divided by its sum first (as Keras does),
/// and the loss and the gradient with respect to the raw values are computed without cancellation.
/// </summary>
/// <remarks>
/// <para>
/// With S = Σ p_j and a class y: -ln(p_y/S) is formed as -ln(p_y/S) when p_y/S &lt; 1/2, and as
/// -log1p(-(Σ_{j≠y} p_j)/S) otherwise, so a confident correct row keeps the digits of its tiny loss
/// (p = [1 - 2^-24, 2^-24] against class 0 gives 5.96e-8, not 0). The gradient is 1/S for j ≠ y and
/// -(Σ_{j≠y} p_j)/(S·p_y) for y (never 1/S - 1/p_y). A target class with p = 0 is evaluated at the
/// nearest representable probability, 2^-149, which gives about 103.28 instead of +∞. There is no
/// epsilon clipping of ordinary values (Keras clips to [1e-7, 1 - 1e-7]).
/// </para>
/// <para>For probability targets t the same split is applied to the largest probability k:
/// gradient T/S - t_j/p_j, and for k: (T_rest·p_k - t_k·S_rest)/(S·p_k), T = Σ t, T_rest = T - t_k, S_rest = S - p_k
/// (both rests summed directly).</para>
/// </remarks>
internal static class CategoricalCrossentropyKernel
{
    /// <summary>Where a target class's p = 0 is evaluated: the smallest positive float32.</summary>
    internal const double SmallestProbability = 1.4012984643248171e-45;

    /// <summary>Hard labels (class ids validated by the caller); <paramref name="ignoreClass"/> rows give 0.</summary>
    public static double Sparse(in LossBatch batch, int? ignoreClass)
    {
        int classes = batch.RowLength;
        double total = 0;
        for (int sample = 0; sample < batch.Samples; sample++)
        {
            float label = batch.YTrue[sample];
            ReadOnlySpan<float> p = batch.YPred.Slice(sample * classes, classes);
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
            double others = 0;
            for (int j = 0; j < classes; j++)
            {
                if (j != y)
                {
                    others += p[j];
                }
            }

            double py = p[y] == 0 ? SmallestProbability : p[y];
            double sum = others + py;
            double loss = NegativeLogRatio(py, others, sum);
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
                float other = (float)(scale / sum);
                gradientRow.Fill(other);
                gradientRow[y] = (float)(-others / (sum * py) * scale);
            }
        }

        return total;
    }

    /// <summary>Probability targets (or one-hot rows), one row per sample.</summary>
    public static double Dense(in LossBatch batch)
    {
        int classes = batch.RowLength;
        double total = 0;
        for (int sample = 0; sample < batch.Samples; sample++)
        {
            ReadOnlySpan<float> p = batch.YPred.Slice(sample * classes, classes);
            ReadOnlySpan<float> t = batch.YTrue.Slice(sample * classes, classes);
            int k = 0;
            double sum = 0;
            for (int j = 0; j < classes; j++)
            {
                double pj = Effective(p[j], t[j]);
                sum += pj;
                if (pj > Effective(p[k], t[k]) || double.IsNaN(pj))
                {
                    k = j;
                }
            }

            double pk = Effective(p[k], t[k]);
            double rest = 0;
            double targetSum = 0;
            double targetRest = 0;
            for (int j = 0; j < classes; j++)
            {
                targetSum += t[j];
                if (j != k)
                {
                    rest += Effective(p[j], t[j]);
                    targetRest += t[j];
                }
            }

            double loss = 0;
            for (int j = 0; j < classes; j++)
            {
                if (t[j] != 0)
                {
                    double pj = Effective(p[j], t[j]);
                    loss += t[j] * (j == k ? NegativeLogRatio(pk, rest, sum) : -Math.Log(pj / sum));
                }
            }

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
                    double tj = t[j];
                    gradientRow[j] = (float)((tj == 0 ? share : share - tj / Effective(p[j], t[j])) * scale);
                }

                // For k, T/S - t_k/p_k = (T_rest·p_k - t_k·S_rest)/(S·p_k): exact for a target one-hot on k.
                // Whichever form has the smaller operands has the smaller absolute error.
                double restShare = t[k] * rest / (sum * pk);
                if (targetRest / sum + restShare < share + t[k] / pk)
                {
                    gradientRow[k] = (float)((targetRest / sum - restShare) * scale);
                }
            }
        }

        return total;
    }

    /// <summary>-ln(p/S) for a class of probability p whose row sums to S = p + others, without cancellation.</summary>
    internal static double NegativeLogRatio(double p, double others, double sum)
    {
        double ratio = p / sum;
        return ratio < 0.5 ? -Math.Log(ratio) : -StableMath.Log1p(-others / sum);
    }

    /// <summary>p, or 2^-149 where the target class has p = 0 (its logarithm would be infinite).</summary>
    private static double Effective(float p, float t) => p == 0 && t != 0 ? SmallestProbability : p;
}
