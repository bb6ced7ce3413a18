namespace LogitNet.Initializers;

/// <summary>
/// He normal, as Keras 3's: a truncated normal (redrawn beyond two standard deviations) with stddev
/// √(2 / fanIn) / 0.87962566103423978, so the values' variance is 2 / fanIn. Suits ReLU layers.
/// </summary>
/// <example><c>new Dense(64, Activation.Relu, kernelInitializer: new HeNormal())</c></example>
public sealed class HeNormal : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) =>
        Sampling.ScaledTruncatedNormal(values, 2.0, ComputeFans(shape).FanIn, seed);

    /// <summary>The Keras name.</summary>
    /// <returns><c>HeNormal()</c>.</returns>
    public override string ToString() => "HeNormal()";
}
