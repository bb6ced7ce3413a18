using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of the pooling layers: the maximum or the mean of each window, per channel, with no parameters.
/// The 1-D and global layers are windows over the same channels-last layout, so one pair of passes serves all.
/// </summary>
/// <remarks>Only LogitNet's own pooling layers derive from it, through <see cref="Pooling2DLayer"/>,
/// <see cref="Pooling1DLayer"/> and <see cref="GlobalPoolingLayer"/>.</remarks>
public abstract class PoolingLayer : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private readonly Reduce _reduce;
    private Window2D _window;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name, or null for the subclass's default.</param>
    /// <param name="reduce">Whether a window gives its maximum or its mean.</param>
    private protected PoolingLayer(string? name, Reduce reduce)
        : base(name)
    {
        _reduce = reduce;
    }

    /// <summary>What a window gives.</summary>
    private protected enum Reduce
    {
        Max,
        Average,
    }

    /// <inheritdoc/>
    protected sealed override int[] BuildCore(int[] inputShape)
    {
        (_window, _outputShape) = Geometry(inputShape);
        return (int[])_outputShape.Clone();
    }

    /// <summary>The window over a sample of <paramref name="inputShape"/> and the output sample shape; throws on a wrong shape.</summary>
    private protected abstract (Window2D Window, int[] OutputShape) Geometry(int[] inputShape);

    /// <inheritdoc/>
    protected sealed override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        // Every rank runs on the pool in chunks of whole samples (Pooling2DPasses: a small batch stays one chunk).
        if (_reduce == Reduce.Max)
        {
            context.State<Pooling2DPasses>().MaxForward(_window, input, context.BatchSize, output);
        }
        else
        {
            context.State<Pooling2DPasses>().AverageForward(_window, input, context.BatchSize, output);
        }

        return output;
    }

    /// <inheritdoc/>
    protected sealed override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        if (_reduce == Reduce.Max)
        {
            context.State<Pooling2DPasses>().MaxBackward(_window, context.Input, context.Output, outputGradient, context.BatchSize, inputGradient);
        }
        else
        {
            context.State<Pooling2DPasses>().AverageBackward(_window, outputGradient, context.BatchSize, inputGradient);
        }

        return inputGradient;
    }
}
