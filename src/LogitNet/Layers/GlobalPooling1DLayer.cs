using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of <see cref="GlobalMaxPooling1D"/> and <see cref="GlobalAveragePooling1D"/>: one window over all steps
/// of each channel of channels-last sequences. Input <c>[steps, channels]</c>, output <c>[channels]</c>
/// (or <c>[1, channels]</c> with <see cref="KeepDims"/>).
/// </summary>
public abstract class GlobalPooling1DLayer : PoolingLayer
{
    private protected GlobalPooling1DLayer(string? name, Reduce reduce, bool keepDims)
        : base(name, reduce, chunked: false) => KeepDims = keepDims;

    /// <summary>Whether the output keeps the steps axis as size 1.</summary>
    public bool KeepDims { get; }

    private protected override (Window2D Window, int[] OutputShape) Geometry(int[] inputShape)
    {
        SequenceWindow.RequireSequence(Name, inputShape);
        Window2D g = SequenceWindow.Geometry(Name, inputShape, inputShape[0], 1, 1, Padding.Valid, "pool size");
        return (g, KeepDims ? [1, inputShape[1]] : [inputShape[1]]);
    }
}
