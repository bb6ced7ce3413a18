using System.Buffers;

namespace LogitNet.Kernels;

/// <summary>
/// Focal cross-entropy (Lin et al., "Focal loss for dense object detection", 2017), binary and
/// categorical, from logits or probabilities, in double with the cross-entropy parts of the exact kernels.
/// </summary>
/// <remarks>
/// <para>
/// Binary: L = w·f^γ·b with b the binary cross-entropy, f = 1 - p_t = y·σ(-z) + (1-y)·σ(z) (two terms
/// ≥ 0, so no cancellation) and w = y·α + (1-y)·(1-α) when class balancing is on, else 1. Gradient
/// w·(γ·f^(γ-1)·f'·b + f^γ·b'), f' = σ(z)σ(-z)(1 - 2y), b' = σ(z) - y; for hard labels both terms have
/// the same sign, so the value keeps double accuracy (within 1 float32 ulp); for soft labels the two
/// terms can cancel, as the exact value does.
/// </para>
/// <para>
/// Categorical (Keras's form): L = Σ_i α·t_i·(1 - p_i)^γ·(-ln p_i). With ℓ_i = -ln p_i and
/// w_i = t_i·(γ(1 - p_i)^(γ-1)·p_i·ℓ_i + (1 - p_i)^γ) ≥ 0, the gradient with respect to logits is
/// α·(p_j·W - w_j), W = Σ w_i: the soft cross-entropy's structure with t replaced by w, and the same
/// treatment of the largest class k (1 - p_k = Σ_{j≠k} e_j / S, never 1 - p_k by subtraction).
/// </para>
/// </remarks>
internal static class FocalKernels
{
    /// <summary>Binary focal cross-entropy from logits.</summary>
    internal readonly struct BinaryLogits(double alpha, double gamma, bool balance, double labelSmoothing) : IElementwiseLossKernel
    {
        private readonly double _keep = 1.0 - labelSmoothing;
        private readonly double _half = labelSmoothing / 2;

        public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
        {
            for (int i = 0; i < yPred.Length; i++)
            {
                double y = yTrue[i] * _keep + _half;
                double z = yPred[i];
                double b = BinaryCrossentropyKernel.LogitsScalar(z, y, out double slope, out double s, out double c);
                double f = y * c + (1.0 - y) * s;
                double weight = balance ? y * alpha + (1.0 - y) * (1.0 - alpha) : 1.0;
                double modulation = Math.Pow(f, gamma);
                loss[i] = weight * modulation * b;
                double focus = gamma == 0 || f == 0 ? 0.0 : gamma * Math.Pow(f, gamma - 1.0) * (s * c * (1.0 - 2.0 * y)) * b;
                gradient[i] = weight * (focus + modulation * slope);
            }
        }
    }

    /// <summary>Binary focal cross-entropy from probabilities (p = 0 and 1 as in binary cross-entropy).</summary>
    internal readonly struct BinaryProbabilities(double alpha, double gamma, bool balance, double labelSmoothing) : IElementwiseLossKernel
    {
        private readonly double _keep = 1.0 - labelSmoothing;
        private readonly double _half = labelSmoothing / 2;

        public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
        {
            for (int i = 0; i < yPred.Length; i++)
            {
                double y = yTrue[i] * _keep + _half;
                double p = yPred[i];
                double b = BinaryCrossentropyKernel.Loss(p, y);
                double f = y * (1.0 - p) + (1.0 - y) * p;
                double weight = balance ? y * alpha + (1.0 - y) * (1.0 - alpha) : 1.0;
                double modulation = Math.Pow(f, gamma);
                loss[i] = weight * modulation * b;
                double focus = gamma == 0 || f == 0 ? 0.0 : gamma * Math.Pow(f, gamma - 1.0) * (1.0 - 2.0 * y) * b;
                gradient[i] = weight * (focus + modulation * BinaryCrossentropyKernel.Slope(p, y));
            }
        }
    }

    /// <summary>Categorical focal cross-entropy with dense targets (smoothed by the caller), from logits or probabilities.</summary>
    public static double Categorical(in LossBatch batch, double alpha, double gamma, bool fromLogits)
    {
        int classes = batch.RowLength;
        double[] rented = ArrayPool<double>.Shared.Rent(2 * classes);
        try
        {
            Span<double> e = rented.AsSpan(0, classes);
            Span<double> w = rented.AsSpan(classes, classes);
            Span<float> maximum = stackalloc float[1];
            Span<double> rowSum = stackalloc double[1];
            double total = 0;
            for (int sample = 0; sample < batch.Samples; sample++)
            {
                ReadOnlySpan<float> z = batch.YPred.Slice(sample * classes, classes);
                ReadOnlySpan<float> t = batch.YTrue.Slice(sample * classes, classes);
                double scale = batch.GradientScale * batch.WeightOf(sample);
                Span<float> gradientRow = batch.WantsGradient ? batch.Gradient.Slice(sample * classes, classes) : default;
                double loss = fromLogits
                    ? FromLogitsRow(z, t, e, w, maximum, rowSum, alpha, gamma, scale, gradientRow)
                    : FromProbabilitiesRow(z, t, e, w, alpha, gamma, scale, gradientRow);
                double value = batch.WeightOf(sample) * loss;
                total += value;
                if (batch.WantsPerSample)
                {
                    batch.PerSample[sample] = (float)value;
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static double FromLogitsRow(
        ReadOnlySpan<float> z, ReadOnlySpan<float> t, Span<double> e, Span<double> w, Span<float> maximum, Span<double> rowSum,
        double alpha, double gamma, double scale, Span<float> gradientRow)
    {
        int classes = z.Length;
        SoftmaxCrossentropyKernel.ExponentiateBlock<AccurateExp>(z, classes, maximum, e, rowSum);
        double m = maximum[0];
        int k = Math.Max(0, z.IndexOf(maximum[0]));
        double rest = LossVectorMath.SumExcept(e, k);
        double sum = e[k] + rest;
        double logSum = StableMath.Log1p(rest);
        double loss = 0;
        double weightSum = 0;
        double weightRest = 0;
        for (int i = 0; i < classes; i++)
        {
            w[i] = 0;
            if (t[i] == 0)
            {
                continue;
            }

            double p = e[i] / sum;
            double oneMinusP = i == k ? rest / sum : 1.0 - p;
            double surprise = (m - z[i]) + logSum;
            double modulation = Math.Pow(oneMinusP, gamma);
            loss += alpha * t[i] * modulation * surprise;
            double focus = gamma == 0 || surprise == 0 ? 0.0 : gamma * Math.Pow(oneMinusP, gamma - 1.0) * p * surprise;
            w[i] = t[i] * (focus + modulation);
            weightSum += w[i];
            if (i != k)
            {
                weightRest += w[i];
            }
        }

        if (!gradientRow.IsEmpty)
        {
            double factor = alpha * scale;
            for (int j = 0; j < classes; j++)
            {
                gradientRow[j] = (float)((e[j] / sum * weightSum - w[j]) * factor);
            }

            double restShare = rest / sum * weightSum;
            if (weightRest + restShare < e[k] / sum * weightSum + w[k])
            {
                gradientRow[k] = (float)((weightRest - restShare) * factor);
            }
        }

        return loss;
    }

    private static double FromProbabilitiesRow(
        ReadOnlySpan<float> q, ReadOnlySpan<float> t, Span<double> a, Span<double> p,
        double alpha, double gamma, double scale, Span<float> gradientRow)
    {
        int classes = q.Length;
        int k = 0;
        double sum = 0;
        for (int j = 0; j < classes; j++)
        {
            // A target class with probability 0 is evaluated at 2^-149, as in categorical cross-entropy.
            p[j] = q[j] == 0 && t[j] != 0 ? CategoricalCrossentropyKernel.SmallestProbability : q[j];
            sum += p[j];
            if (p[j] > p[k] || double.IsNaN(p[j]))
            {
                k = j;
            }
        }

        double rest = LossVectorMath.SumExcept(p, k);
        double loss = 0;
        double pull = 0;
        double pullRest = 0;
        double oneMinusPk = rest / sum;
        for (int i = 0; i < classes; i++)
        {
            a[i] = 0;
            if (t[i] == 0)
            {
                continue;
            }

            double pi = p[i] / sum;
            double oneMinusP = i == k ? oneMinusPk : 1.0 - pi;
            double surprise = i == k ? CategoricalCrossentropyKernel.NegativeLogRatio(p[k], rest, sum) : -Math.Log(pi);
            double modulation = Math.Pow(oneMinusP, gamma);
            loss += alpha * t[i] * modulation * surprise;
            double focus = gamma == 0 || surprise == 0 ? 0.0 : gamma * Math.Pow(oneMinusP, gamma - 1.0) * surprise;
            a[i] = alpha * t[i] * (focus + modulation / pi);
            pull += pi * a[i];
            if (i != k)
            {
                pullRest += pi * a[i];
            }
        }

        if (!gradientRow.IsEmpty)
        {
            // ∂L/∂q_j = (Σ_i p_i a_i - a_j)/S; for k, (Σ_{i≠k} p_i a_i - (1 - p_k)·a_k)/S when smaller.
            for (int j = 0; j < classes; j++)
            {
                gradientRow[j] = (float)((pull - a[j]) / sum * scale);
            }

            if (pullRest + oneMinusPk * a[k] < pull + a[k])
            {
                gradientRow[k] = (float)((pullRest - oneMinusPk * a[k]) / sum * scale);
            }
        }

        return loss;
    }
}
