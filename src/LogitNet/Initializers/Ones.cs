namespace LogitNet.Initializers;

/// <summary>All ones, as Keras's <c>Ones</c>.</summary>
/// <example><c>new Dense(10, biasInitializer: new Ones())</c></example>
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => values.Fill(1f);

    /// <summary>The Keras name.</summary>
    /// <returns><c>Ones()</c>.</returns>
    public override string ToString() => "Ones()";
}
