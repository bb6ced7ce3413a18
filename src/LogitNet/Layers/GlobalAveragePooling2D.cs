namespace LogitNet.Layers;

/// <summary>
/// The mean over all positions of each channel of channels-last images: Keras's <c>GlobalAveragePooling2D</c>.
/// Input <c>[height, width, channels]</c>, output <c>[channels]</c> (or <c>[1, 1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from a convolutional stack to the Dense classifier on top, in place of Flatten.</remarks>
/// <example><c>new GlobalAveragePooling2D()</c> turns a 7 × 7 × 512 feature map into 512 features.</example>
public sealed class GlobalAveragePooling2D : GlobalPoolingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the spatial axes as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_average_pooling2d</c>.</param>
    public GlobalAveragePooling2D(bool keepDims = false, string? name = null)
        : base(name, Reduce.Average, keepDims, images: true)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling2d";
}
