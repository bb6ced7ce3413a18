namespace LogitNet.Layers;

/// <summary>
/// The leaky rectified linear unit as a layer, as Keras 3's <c>layers.LeakyReLU</c>:
/// <c>f(x) = x</c> for x ≥ 0, <c>negativeSlope·x</c> below, with Keras 3's default slope 0.3.
/// </summary>
/// <remarks>
/// The layer's default slope (0.3) is not the <see cref="Activation.LeakyRelu"/> activation's (0.2), as in
/// Keras 3. The derivative is 1 above 0 and the slope at and below 0. NaN in gives NaN out.
/// </remarks>
/// <example><c>new LeakyReLU().Forward(Tensor.FromArray([-10f, 0f, 2f], 1, 3))</c> gives [-3, 0, 2].</example>
public sealed class LeakyReLU : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">The slope below 0; finite and non-negative (default 0.3, Keras 3's).</param>
    /// <param name="name">The layer's name, or null for <c>leaky_re_lu</c> (Keras's).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="negativeSlope"/> is negative or not finite.</exception>
    public LeakyReLU(float negativeSlope = 0.3f, string? name = null)
        : base(name)
    {
        if (!(negativeSlope >= 0 && float.IsFinite(negativeSlope)))
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "Expected a finite, non-negative slope such as 0.3, as Keras requires.");
        }

        NegativeSlope = negativeSlope;
    }

    /// <summary>The slope below 0.</summary>
    public float NegativeSlope { get; }

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, InputShapeSpan);
        ActivationFunction.LeakyForward(input.AsSpan(), output.AsSpan(), NegativeSlope);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        ActivationFunction.LeakyBackward(context.Input.AsSpan(), outputGradient.AsSpan(), inputGradient.AsSpan(), NegativeSlope);
        return inputGradient;
    }
}
