namespace LogitNet.Initializers;

/// <summary>
/// LeCun normal, as Keras 3's: a truncated normal (redrawn beyond two standard deviations) with stddev
/// √(1 / fanIn) / 0.87962566103423978, so the values' variance is 1 / fanIn. Suits SELU layers.
/// </summary>
/// <example><c>new Dense(64, Activation.Selu, kernelInitializer: new LecunNormal())</c></example>
public sealed class LecunNormal : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) =>
        Sampling.ScaledTruncatedNormal(values, 1.0, ComputeFans(shape).FanIn, seed);

    /// <summary>The Keras name.</summary>
    /// <returns><c>LecunNormal()</c>.</returns>
    public override string ToString() => "LecunNormal()";
}
