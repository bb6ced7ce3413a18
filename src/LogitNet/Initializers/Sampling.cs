namespace LogitNet.Initializers;

/// <summary>The draws the built-in initializers share, on LogitNet's seeded generator.</summary>
internal static class Sampling
{
    /// <summary>
    /// The seed of a layer's second weight (the bias), apart from its kernel's: the same seed for both would start
    /// a random bias with the kernel's first values.
    /// </summary>
    public static long BiasSeed(long layerSeed) => layerSeed ^ unchecked((long)0x5851F42D4C957F2DUL);

    /// <summary>
    /// √(variance of the standard normal truncated to ±2): Keras divides a truncated normal's stddev by it so
    /// the values get the variance asked for.
    /// </summary>
    public const double TruncatedStddevCorrection = 0.87962566103423978;

    /// <summary>Uniform in [low, high), the loop <see cref="Tensor.RandomUniform"/> runs (the default Glorot-uniform start keeps its bits).</summary>
    public static void Uniform(Span<float> values, float low, float high, long seed) => new RandomSource(seed).FillUniform(values, low, high);

    /// <summary>Normal with the given mean and standard deviation, the loop <see cref="Tensor.RandomNormal"/> runs.</summary>
    public static void Normal(Span<float> values, double mean, double stddev, long seed) => new RandomSource(seed).FillNormal(values, mean, stddev);

    /// <summary>
    /// Zero-mean normal with <paramref name="stddev"/>, values beyond two standard deviations drawn again, as
    /// Keras's <c>truncated_normal</c>.
    /// </summary>
    public static void TruncatedNormal(Span<float> values, double stddev, long seed)
    {
        var random = new RandomSource(seed);
        for (int i = 0; i < values.Length; i++)
        {
            double z;
            do
            {
                z = random.NextNormal();
            }
            while (Math.Abs(z) > 2.0);

            values[i] = (float)(stddev * z);
        }
    }

    /// <summary>Keras's VarianceScaling with a truncated normal: stddev √(scale / n) / 0.8796....</summary>
    public static void ScaledTruncatedNormal(Span<float> values, double scale, double n, long seed) =>
        TruncatedNormal(values, Math.Sqrt(scale / Math.Max(1.0, n)) / TruncatedStddevCorrection, seed);

    /// <summary>Keras's VarianceScaling with a uniform distribution: limits ±√(3·scale / n).</summary>
    public static void ScaledUniform(Span<float> values, double scale, double n, long seed)
    {
        float limit = (float)Math.Sqrt(3.0 * scale / Math.Max(1.0, n));
        Uniform(values, -limit, limit, seed);
    }
}
