namespace LogitNet.Initializers;

/// <summary>
/// Glorot (Xavier) normal, as Keras 3's: a truncated normal (redrawn beyond two standard deviations) with
/// stddev √(2 / (fanIn + fanOut)) / 0.87962566103423978, so the values' variance is 2 / (fanIn + fanOut).
/// </summary>
/// <example><c>new Conv2D(32, 3, kernelInitializer: new GlorotNormal())</c></example>
public sealed class GlorotNormal : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed)
    {
        (long fanIn, long fanOut) = ComputeFans(shape);
        Sampling.ScaledTruncatedNormal(values, 1.0, (fanIn + fanOut) / 2.0, seed);
    }

    /// <summary>The Keras name.</summary>
    /// <returns><c>GlorotNormal()</c>.</returns>
    public override string ToString() => "GlorotNormal()";
}
