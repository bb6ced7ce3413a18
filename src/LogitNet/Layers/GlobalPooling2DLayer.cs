using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of <see cref="GlobalMaxPooling2D"/> and <see cref="GlobalAveragePooling2D"/>: one window over the whole
/// of each channel of channels-last images. Input <c>[height, width, channels]</c>, output <c>[channels]</c>
/// (or <c>[1, 1, channels]</c> with <see cref="KeepDims"/>).
/// </summary>
public abstract class GlobalPooling2DLayer : PoolingLayer
{
    private protected GlobalPooling2DLayer(string? name, Reduce reduce, bool keepDims)
        : base(name, reduce, chunked: true) => KeepDims = keepDims;

    /// <summary>Whether the output keeps the spatial axes as size 1.</summary>
    public bool KeepDims { get; }

    private protected override (Window2D Window, int[] OutputShape) Geometry(int[] inputShape)
    {
        WindowArguments.RequireImage(Name, inputShape);
        Window2D g = WindowArguments.Geometry(Name, inputShape, (inputShape[0], inputShape[1]), (1, 1), (1, 1), Padding.Valid, "pool size");
        return (g, KeepDims ? [1, 1, inputShape[2]] : [inputShape[2]]);
    }
}
