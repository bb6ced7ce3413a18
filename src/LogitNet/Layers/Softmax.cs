using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// Softmax over the last axis as a layer, as Keras's <c>layers.Softmax</c> (axis −1): each row becomes a
/// probability distribution, computed stably (the row's maximum subtracted first).
/// </summary>
/// <remarks>
/// <para>
/// A model that ends in this layer and is compiled with a probability loss (<c>fromLogits: false</c>) is
/// treated as one ending in <c>Dense(..., Activation.Softmax)</c> or <c>ActivationLayer(Activation.Softmax)</c>:
/// training skips the layer and hands its input, the logits, to the exact fused loss, while <c>Predict</c>
/// still returns probabilities; compiled with <c>fromLogits: true</c> it gets the double-softmax warning.
/// </para>
/// <para>
/// Only the last axis is supported (Keras's default): Keras's <c>axis</c> counts the batch axis, so −1 and
/// the index of the last axis are the same; another axis is refused when the layer is built.
/// Keras's mask argument is not supported.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var model = new Sequential(new Dense(10), new Softmax());
/// model.Compile(new SparseCategoricalCrossentropy(), new Adam());   // trains on the logits, predicts probabilities
/// </code>
/// </example>
public sealed class Softmax : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axis to normalize, counting the batch axis as Keras does: −1 (default) or the last axis's index.</param>
    /// <param name="name">The layer's name, or null for <c>softmax</c>.</param>
    public Softmax(int axis = -1, string? name = null)
        : base(name)
    {
        Axis = axis;
    }

    /// <summary>The axis normalized, as given (−1: the last).</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        // Keras's axis counts the batch axis: the last axis of a [batch, ...sample] tensor is sample rank.
        if (Axis != -1 && Axis != inputShape.Length)
        {
            throw new ArgumentException(
                $"Softmax layer '{Name}' normalizes axis {Axis} of inputs [batch, {string.Join(", ", inputShape)}]; LogitNet's Softmax takes the last axis only (-1 or {inputShape.Length}). Move the axis last (Reshape) or use axis -1.");
        }

        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, InputShapeSpan);
        SoftmaxKernel.Rows(input.AsSpan(), output.AsSpan(), input.ShapeSpan[^1]);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        ActivationFunction.Backward(Activation.Softmax, context.Input.AsSpan(), context.Output.AsSpan(), outputGradient.AsSpan(),
            inputGradient.AsSpan(), outputGradient.ShapeSpan[^1]);
        return inputGradient;
    }
}
