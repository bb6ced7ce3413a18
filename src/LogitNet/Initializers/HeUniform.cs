namespace LogitNet.Initializers;

/// <summary>He uniform, as Keras's: uniform in ±√(6 / fanIn).</summary>
/// <example><c>new Dense(64, Activation.Relu, kernelInitializer: new HeUniform())</c></example>
public sealed class HeUniform : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) =>
        Sampling.ScaledUniform(values, 2.0, ComputeFans(shape).FanIn, seed);

    /// <summary>The Keras name.</summary>
    /// <returns><c>HeUniform()</c>.</returns>
    public override string ToString() => "HeUniform()";
}
