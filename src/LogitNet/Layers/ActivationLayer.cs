namespace LogitNet.Layers;

/// <summary>
/// Applies an <see cref="Activation"/> on its own, as Keras's <c>layers.Activation</c>: useful
/// after a layer built without one, or to end a model with a softmax.
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential(
///     new Dense(10),                          // logits
///     new ActivationLayer(Activation.Softmax));
/// </code>
/// </example>
public sealed class ActivationLayer : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private int[] _sampleShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="activation">The function to apply.</param>
    /// <param name="name">The layer's name, or null for <c>activation</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public ActivationLayer(Activation activation, string? name = null)
        : base(name)
    {
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected one of the values of Activation.");
        }

        Activation = activation;
    }

    /// <summary>The function applied.</summary>
    public Activation Activation { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "activation";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _sampleShape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _sampleShape);
        ActivationFunction.Forward(Activation, input.AsSpan(), output.AsSpan(), input.ShapeSpan[^1]);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, _sampleShape);
        ActivationFunction.Backward(Activation, context.Input.AsSpan(), context.Output.AsSpan(), outputGradient.AsSpan(),
            inputGradient.AsSpan(), outputGradient.ShapeSpan[^1]);
        return inputGradient;
    }
}
