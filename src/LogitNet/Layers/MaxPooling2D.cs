namespace LogitNet.Layers;

/// <summary>
/// The maximum of each window, per channel, over channels-last images: Keras's <c>MaxPooling2D</c>.
/// Input <c>[height, width, channels]</c>, output <c>[outHeight, outWidth, channels]</c>.
/// </summary>
/// <remarks>
/// Keras's defaults: a 2 × 2 window, strides equal to the window (non-overlapping), <see cref="Padding.Valid"/>.
/// Under <see cref="Padding.Same"/> the padded positions are not part of any maximum. The backward pass
/// gives each output's gradient to the first position (row by row) holding the window's maximum.
/// </remarks>
/// <example><c>new MaxPooling2D(poolSize: 2)</c> halves a 26 × 26 × 32 feature map to 13 × 13 × 32.</example>
public sealed class MaxPooling2D : Pooling2DLayer
{
    /// <summary>Creates the layer with a square window.</summary>
    /// <param name="poolSize">The window's height and width; positive (default 2).</param>
    /// <param name="strides">The step between windows along both axes, or null for the window size.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The layer's name, or null for <c>max_pooling2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="padding"/> is not defined.</exception>
    public MaxPooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : this((poolSize, poolSize), strides is { } s ? (s, s) : null, padding, name)
    {
    }

    /// <summary>Creates the layer with a rectangular window or strides (height, width).</summary>
    /// <param name="poolSize">The window's (height, width); positive.</param>
    /// <param name="strides">The step between windows (height, width), or null for the window size.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The layer's name, or null for <c>max_pooling2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="padding"/> is not defined.</exception>
    public MaxPooling2D((int Height, int Width) poolSize, (int Height, int Width)? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(name, Reduce.Max, poolSize, strides, padding)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling2d";
}
