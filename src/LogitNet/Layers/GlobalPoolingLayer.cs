using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of the global pooling layers (<see cref="GlobalMaxPooling2D"/>, <see cref="GlobalAveragePooling2D"/>,
/// <see cref="GlobalMaxPooling1D"/>, <see cref="GlobalAveragePooling1D"/>): one window over the whole of each channel.
/// Images <c>[height, width, channels]</c> or sequences <c>[steps, channels]</c> in, <c>[channels]</c> out (or the
/// input's rank with the pooled axes of size 1, with <see cref="KeepDims"/>).
/// </summary>
public abstract class GlobalPoolingLayer : PoolingLayer
{
    private readonly bool _images;

    /// <param name="name">The layer's name, or null for the subclass's default.</param>
    /// <param name="reduce">Whether a window gives its maximum or its mean.</param>
    /// <param name="keepDims">Whether the output keeps the pooled axes as size 1.</param>
    /// <param name="images">True for images (two spatial axes), false for sequences (one).</param>
    private protected GlobalPoolingLayer(string? name, Reduce reduce, bool keepDims, bool images)
        : base(name, reduce)
    {
        KeepDims = keepDims;
        _images = images;
    }

    /// <summary>Whether the output keeps the pooled axes (the steps axis, or the two spatial axes) as size 1.</summary>
    public bool KeepDims { get; }

    private protected override (Window2D Window, int[] OutputShape) Geometry(int[] inputShape)
    {
        if (_images)
        {
            WindowArguments.RequireImage(Name, inputShape);
            Window2D image = WindowArguments.Geometry(Name, inputShape, (inputShape[0], inputShape[1]), (1, 1), (1, 1), Padding.Valid, "pool size");
            return (image, KeepDims ? [1, 1, inputShape[2]] : [inputShape[2]]);
        }

        SequenceWindow.RequireSequence(Name, inputShape);
        Window2D sequence = SequenceWindow.Geometry(Name, inputShape, inputShape[0], 1, 1, Padding.Valid, "pool size");
        return (sequence, KeepDims ? [1, inputShape[1]] : [inputShape[1]]);
    }
}
