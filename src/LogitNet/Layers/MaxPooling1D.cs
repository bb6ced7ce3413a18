using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The maximum of each window, per channel, over channels-last sequences: Keras's <c>MaxPooling1D</c>.
/// Input <c>[steps, channels]</c>, output <c>[outSteps, channels]</c>.
/// </summary>
/// <remarks>
/// Keras's defaults: a window of 2 steps, strides equal to the window (non-overlapping), <see cref="Padding.Valid"/>.
/// Under <see cref="Padding.Same"/> the padded steps are not part of any maximum. The backward pass gives each output's gradient to the first step of its window holding the maximum.
/// </remarks>
/// <example><c>new MaxPooling1D(poolSize: 5)</c> turns a 195 × 20 feature sequence into 39 × 20.</example>
public sealed class MaxPooling1D : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private Window2D _window;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="poolSize">The window's length in steps; positive (default 2).</param>
    /// <param name="strides">The step between windows, or null for the window's length.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="name">The layer's name, or null for <c>max_pooling1d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="padding"/> is not Valid or Same.</exception>
    public MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(name)
    {
        SequenceWindow.RequirePositive(poolSize, nameof(poolSize));
        SequenceWindow.RequirePositive(strides ?? poolSize, nameof(strides));
        WindowArguments.RequireDefined(padding);
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        Padding = padding;
    }

    /// <summary>The window's length in steps.</summary>
    public int PoolSize { get; }

    /// <summary>The step between windows.</summary>
    public int Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "max_pooling1d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _window = SequenceWindow.Geometry(Name, inputShape, PoolSize, Strides, 1, Padding, "pool size");
        _outputShape = [_window.OutputWidth, _window.Channels];
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
