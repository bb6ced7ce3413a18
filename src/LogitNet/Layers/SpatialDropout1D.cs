namespace LogitNet.Layers;

/// <summary>
/// Dropout of whole 1-D feature maps (whole channels of a sequence), as Keras's <c>SpatialDropout1D</c>: in training, each channel of each sample is set
/// to 0 at every position with probability <c>rate</c>, and the kept ones are scaled by 1/(1 − rate).
/// Input and output <c>[steps, channels]</c>.
/// </summary>
/// <remarks>
/// Neighbouring steps of a channel are strongly correlated (word vectors, early convolutions), so dropping single values regularizes little; dropping the channel does (Tompson et al. 2014). Active only in training passes (<c>Fit</c>); <c>Predict</c> and <c>Evaluate</c> pass the input through
/// unchanged. The masks come from the layer's <see cref="Layer.Seed"/>, drawn and saved as <see cref="Dropout"/>'s are.
/// </remarks>
/// <example><c>new Sequential(new Input(280), new Embedding(5000, 128), new SpatialDropout1D(0.4f), new Conv1D(64, 5, activation: Activation.Relu), ...)</c> drops whole embedding dimensions, the same ones at every word of a sample.</example>
public sealed class SpatialDropout1D : SpatialDropoutLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of channels to drop, in [0, 1).</param>
    /// <param name="name">The layer's name, or null for <c>spatial_dropout1d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public SpatialDropout1D(float rate, string? name = null)
        : base(rate, name, images: false)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "spatial_dropout1d";
}
