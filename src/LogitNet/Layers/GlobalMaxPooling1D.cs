using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The maximum over all steps of each channel of channels-last sequences: Keras's <c>GlobalMaxPooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[channels]</c> (or <c>[1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from a 1-D convolution (or an embedding) to the Dense classifier on top; the gradient goes to the first step holding the maximum.</remarks>
/// <example><c>new GlobalMaxPooling1D()</c> turns 200 word vectors of 16 values into 16 features.</example>
public sealed class GlobalMaxPooling1D : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private Window2D _window;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the steps axis as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_max_pooling1d</c>.</param>
    public GlobalMaxPooling1D(bool keepDims = false, string? name = null)
        : base(name) => KeepDims = keepDims;

    /// <summary>Whether the output keeps the steps axis as size 1.</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling1d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        SequenceWindow.RequireSequence(Name, inputShape);
        _window = SequenceWindow.Geometry(Name, inputShape, inputShape[0], 1, 1, Padding.Valid, "pool size");
        _outputShape = KeepDims ? [1, inputShape[1]] : [inputShape[1]];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        Pooling2D.MaxForward(_window, input.AsSpan(), context.BatchSize, output.AsSpan());
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        Pooling2D.MaxBackward(_window, context.Input.AsSpan(), context.Output.AsSpan(), outputGradient.AsSpan(),
            context.BatchSize, inputGradient.AsSpan());
        return inputGradient;
    }
}
