namespace LogitNet.Layers;

/// <summary>
/// The mean of each window, per channel, over channels-last sequences: Keras's <c>AveragePooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[outSteps, channels]</c>.
/// </summary>
/// <remarks>
/// Keras's defaults: a window of 2 steps, strides equal to the window (non-overlapping), <see cref="Padding.Valid"/>.
/// Under <see cref="Padding.Same"/> a window's mean is over its steps inside the sequence (the padding counts neither in the sum nor in the count), as in Keras.
/// </remarks>
/// <example><c>new AveragePooling1D(poolSize: 3, strides: 1, padding: Padding.Same)</c> smooths a sequence and keeps its length.</example>
public sealed class AveragePooling1D : Pooling1DLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="poolSize">The window's length in steps; positive (default 2).</param>
    /// <param name="strides">The step between windows, or null for the window's length.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The layer's name, or null for <c>average_pooling1d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="padding"/> is not Valid or Same.</exception>
    public AveragePooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(name, Reduce.Average, poolSize, strides, padding)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "average_pooling1d";
}
