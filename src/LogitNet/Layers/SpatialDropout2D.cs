namespace LogitNet.Layers;

/// <summary>
/// Dropout of whole 2-D feature maps (whole channels of an image), as Keras's <c>SpatialDropout2D</c>: in training, each channel of each sample is set
/// to 0 at every position with probability <c>rate</c>, and the kept ones are scaled by 1/(1 − rate).
/// Input and output <c>[height, width, channels]</c>.
/// </summary>
/// <remarks>
/// Neighbouring pixels of a feature map are strongly correlated, so dropping single values regularizes little; dropping the map does (Tompson et al. 2014). Active only in training passes (<c>Fit</c>); <c>Predict</c> and <c>Evaluate</c> pass the input through
/// unchanged. The masks come from the layer's <see cref="Layer.Seed"/>, drawn and saved as <see cref="Dropout"/>'s are.
/// </remarks>
/// <example><c>new Sequential(new Input(28, 28, 1), new Conv2D(32, 3, activation: Activation.Relu), new SpatialDropout2D(0.2f), ...)</c></example>
public sealed class SpatialDropout2D : SpatialDropoutLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of channels to drop, in [0, 1).</param>
    /// <param name="name">The layer's name, or null for <c>spatial_dropout2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public SpatialDropout2D(float rate, string? name = null)
        : base(rate, name, images: true)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "spatial_dropout2d";
}
