namespace LogitNet.Layers;

/// <summary>
/// The maximum over all positions of each channel of channels-last images: Keras's <c>GlobalMaxPooling2D</c>.
/// Input <c>[height, width, channels]</c>, output <c>[channels]</c> (or <c>[1, 1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from a convolutional stack to the Dense classifier on top, in place of Flatten; the gradient goes to the first position (row by row) holding the maximum.</remarks>
/// <example><c>new GlobalMaxPooling2D()</c> turns a 7 × 7 × 512 feature map into 512 features.</example>
public sealed class GlobalMaxPooling2D : GlobalPoolingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the spatial axes as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_max_pooling2d</c>.</param>
    public GlobalMaxPooling2D(bool keepDims = false, string? name = null)
        : base(name, Reduce.Max, keepDims, images: true)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling2d";
}
