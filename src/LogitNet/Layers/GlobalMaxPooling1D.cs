namespace LogitNet.Layers;

/// <summary>
/// The maximum over all steps of each channel of channels-last sequences: Keras's <c>GlobalMaxPooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[channels]</c> (or <c>[1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from a 1-D convolution (or an embedding) to the Dense classifier on top; the gradient goes to the first step holding the maximum.</remarks>
/// <example><c>new GlobalMaxPooling1D()</c> turns 200 word vectors of 16 values into 16 features.</example>
public sealed class GlobalMaxPooling1D : GlobalPoolingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the steps axis as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_max_pooling1d</c>.</param>
    public GlobalMaxPooling1D(bool keepDims = false, string? name = null)
        : base(name, Reduce.Max, keepDims, images: false)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling1d";
}
