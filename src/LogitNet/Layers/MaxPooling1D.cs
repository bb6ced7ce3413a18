namespace LogitNet.Layers;

/// <summary>
/// The maximum of each window, per channel, over channels-last sequences: Keras's <c>MaxPooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[outSteps, channels]</c>.
/// </summary>
/// <remarks>
/// Keras's defaults: a window of 2 steps, strides equal to the window (non-overlapping), <see cref="Padding.Valid"/>.
/// Under <see cref="Padding.Same"/> the padded steps are not part of any maximum. The backward pass gives each output's gradient to the first step of its window holding the maximum.
/// </remarks>
/// <example><c>new MaxPooling1D(poolSize: 5)</c> turns a 195 × 20 feature sequence into 39 × 20.</example>
public sealed class MaxPooling1D : Pooling1DLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="poolSize">The window's length in steps; positive (default 2).</param>
    /// <param name="strides">The step between windows, or null for the window's length.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The layer's name, or null for <c>max_pooling1d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="padding"/> is not Valid or Same.</exception>
    public MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(name, Reduce.Max, poolSize, strides, padding)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling1d";
}
