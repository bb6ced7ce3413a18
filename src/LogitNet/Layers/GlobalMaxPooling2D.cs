using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The maximum over all positions of each channel of channels-last images: Keras's <c>GlobalMaxPooling2D</c>.
/// Input <c>[height, width, channels]</c>, output <c>[channels]</c> (or <c>[1, 1, channels]</c> with <c>keepDims</c>).
/// </summary>
/// <remarks>The usual bridge from a convolutional stack to the Dense classifier on top, in place of Flatten; the gradient goes to the first position (row by row) holding the maximum.</remarks>
/// <example><c>new GlobalMaxPooling2D()</c> turns a 7 × 7 × 512 feature map into 512 features.</example>
public sealed class GlobalMaxPooling2D : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private Window2D _window;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="keepDims">Whether to keep the spatial axes as size 1 (Keras's <c>keepdims</c>, default false).</param>
    /// <param name="name">The layer's name, or null for <c>global_max_pooling2d</c>.</param>
    public GlobalMaxPooling2D(bool keepDims = false, string? name = null)
        : base(name) => KeepDims = keepDims;

    /// <summary>Whether the output keeps the spatial axes as size 1.</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "global_max_pooling2d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        WindowArguments.RequireImage(Name, inputShape);
        _window = WindowArguments.Geometry(Name, inputShape, (inputShape[0], inputShape[1]), (1, 1), (1, 1), Padding.Valid, "pool size");
        _outputShape = KeepDims ? [1, 1, inputShape[2]] : [inputShape[2]];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        context.State<Pooling2DPasses>().MaxForward(_window, input, context.BatchSize, output);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        context.State<Pooling2DPasses>().MaxBackward(_window, context.Input, context.Output, outputGradient, context.BatchSize, inputGradient);
        return inputGradient;
    }
}
