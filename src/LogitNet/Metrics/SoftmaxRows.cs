namespace LogitNet.Metrics;

/// <summary>The probabilities of one row of softmax logits, for the metrics that score probabilities (<see cref="ILogitsAware"/>).</summary>
internal static class SoftmaxRows
{
    /// <summary>
    /// probabilities[j] = e^(z_j − max z) / Σ_k e^(z_k − max z), in double, rounded once to float. A NaN logit makes the
    /// row NaN; a row of a +∞ logit (or all −∞) is NaN as the softmax family makes it.
    /// </summary>
    public static void Probabilities(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        float max = float.NegativeInfinity;
        bool nan = false;
        foreach (float z in logits)
        {
            nan |= float.IsNaN(z);
            max = Math.Max(max, z);
        }

        if (nan || float.IsInfinity(max))
        {
            probabilities.Fill(float.NaN);
            return;
        }

        double sum = 0;
        foreach (float z in logits)
        {
            sum += Math.Exp((double)z - max);
        }

        for (int j = 0; j < logits.Length; j++)
        {
            probabilities[j] = (float)(Math.Exp((double)logits[j] - max) / sum);
        }
    }
}
