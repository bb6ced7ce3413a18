namespace LogitNet.Layers;

/// <summary>
/// The base of <see cref="SpatialDropout1D"/> and <see cref="SpatialDropout2D"/>: dropout of whole channels, one
/// keep-or-drop draw per sample and channel (<c>[steps, channels]</c> or <c>[height, width, channels]</c>).
/// </summary>
public abstract class SpatialDropoutLayer : Layer, IMaskedLayer
{
    private readonly bool _images;
    private int[] _sampleShape = [];

    private protected SpatialDropoutLayer(float rate, string? name, bool images)
        : base(name)
    {
        SpatialMask.RequireRate(rate);
        Rate = rate;
        _images = images;
    }

    /// <summary>The fraction of channels dropped in training.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected sealed override int[] BuildCore(int[] inputShape)
    {
        if (_images)
        {
            WindowArguments.RequireImage(Name, inputShape);
        }
        else
        {
            SequenceWindow.RequireSequence(Name, inputShape);
        }

        _sampleShape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected sealed override Tensor ForwardCore(Tensor input, LayerContext context) =>
        !context.Training || Rate == 0 ? input : SpatialMask.Forward(input, context, Rate, Seed, _sampleShape);

    /// <inheritdoc/>
    protected sealed override Tensor BackwardCore(Tensor outputGradient, LayerContext context) =>
        Rate == 0 ? outputGradient : SpatialMask.Backward(outputGradient, context, _sampleShape);
}
