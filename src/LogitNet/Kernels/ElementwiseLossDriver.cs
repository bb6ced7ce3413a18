namespace LogitNet.Kernels;

/// <summary>
/// Runs an <see cref="IElementwiseLossKernel"/> over a batch in chunks that stay in L1, takes the mean
/// over each row's <see cref="LossBatch.RowLength"/> values, and weights, scales and rounds the outputs.
/// </summary>
internal static class ElementwiseLossDriver
{
    /// <summary>Values per chunk: two double buffers of 4 KB each.</summary>
    public const int Chunk = 512;

    public static double Run<TKernel>(TKernel kernel, in LossBatch batch)
        where TKernel : struct, IElementwiseLossKernel
    {
        ReadOnlySpan<float> yTrue = batch.YTrue;
        ReadOnlySpan<float> yPred = batch.YPred;
        Span<float> gradient = batch.Gradient;
        bool wantGradient = batch.WantsGradient;
        int n = yPred.Length;
        int k = batch.RowLength;
        Span<double> loss = stackalloc double[Chunk];
        Span<double> slope = stackalloc double[Chunk];

        if (batch.Weights.IsEmpty && !batch.WantsPerSample)
        {
            // The training step's path: one uniform gradient factor, and only the total is needed.
            double gradientFactor = batch.GradientScale / k;
            double total = 0;
            for (int start = 0; start < n; start += Chunk)
            {
                int length = Math.Min(Chunk, n - start);
                kernel.Evaluate(yTrue.Slice(start, length), yPred.Slice(start, length), loss[..length], slope[..length], wantGradient);
                total += LossVectorMath.Sum(loss[..length]);
                if (wantGradient)
                {
                    LossVectorMath.ScaleNarrow(slope[..length], gradientFactor, gradient.Slice(start, length));
                }
            }

            return total / k;
        }

        double weightedTotal = 0;
        double rowSum = 0;
        int sample = 0;
        int column = 0;
        double weight = batch.Samples > 0 ? batch.WeightOf(0) : 1.0;
        double rowFactor = batch.GradientScale * weight / k;
        for (int start = 0; start < n; start += Chunk)
        {
            int length = Math.Min(Chunk, n - start);
            kernel.Evaluate(yTrue.Slice(start, length), yPred.Slice(start, length), loss[..length], slope[..length], wantGradient);
            for (int i = 0; i < length; i++)
            {
                rowSum += loss[i];
                if (wantGradient)
                {
                    gradient[start + i] = (float)(slope[i] * rowFactor);
                }

                if (++column == k)
                {
                    double value = weight * (rowSum / k);
                    weightedTotal += value;
                    if (batch.WantsPerSample)
                    {
                        batch.PerSample[sample] = (float)value;
                    }

                    sample++;
                    column = 0;
                    rowSum = 0;
                    if (sample < batch.Samples)
                    {
                        weight = batch.WeightOf(sample);
                        rowFactor = batch.GradientScale * weight / k;
                    }
                }
            }
        }

        return weightedTotal;
    }
}
