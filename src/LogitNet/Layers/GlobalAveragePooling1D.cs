namespace LogitNet.Layers;

/// <summary>
/// The mean over all steps of each channel of channels-last sequences: Keras's <c>GlobalAveragePooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[channels]</c> (or <c>[1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from an embedding (a bag of word vectors) or a 1-D convolution to the Dense classifier on top. Keras's masking (mean over the unmasked steps) does not apply: LogitNet's Embedding does not mask.</remarks>
/// <example><c>new GlobalAveragePooling1D()</c> turns 200 word vectors of 16 values into 16 features.</example>
public sealed class GlobalAveragePooling1D : GlobalPoolingLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the steps axis as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_average_pooling1d</c>.</param>
    public GlobalAveragePooling1D(bool keepDims = false, string? name = null)
        : base(name, Reduce.Average, keepDims, images: false)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling1d";
}
