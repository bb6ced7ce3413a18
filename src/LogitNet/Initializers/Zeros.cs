namespace LogitNet.Initializers;

/// <summary>All zeros, Keras's default bias initializer.</summary>
/// <example><c>new Dense(10, biasInitializer: new Zeros())</c> is the same as <c>new Dense(10)</c>.</example>
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => values.Clear();

    /// <summary>The Keras name.</summary>
    /// <returns><c>Zeros()</c>.</returns>
    public override string ToString() => "Zeros()";
}
