namespace LogitNet.Initializers;

/// <summary>
/// Glorot (Xavier) uniform, Keras's default kernel initializer: uniform in ±√(6 / (fanIn + fanOut)).
/// </summary>
/// <remarks>The limit is computed in float32 as LogitNet has always computed it, so models keep their seeds' weights.</remarks>
/// <example><c>new Dense(10, kernelInitializer: new GlorotUniform())</c> is the same as <c>new Dense(10)</c>.</example>
public sealed class GlorotUniform : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed)
    {
        (long fanIn, long fanOut) = ComputeFans(shape);
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        Sampling.Uniform(values, -limit, limit, seed);
    }

    /// <summary>The Keras name.</summary>
    /// <returns><c>GlorotUniform()</c>.</returns>
    public override string ToString() => "GlorotUniform()";
}
