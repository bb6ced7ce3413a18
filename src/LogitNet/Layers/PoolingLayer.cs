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
    private readonly bool _chunked;
    private Window2D _window;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name, or null for the subclass's default.</param>
    /// <param name="reduce">Whether a window gives its maximum or its mean.</param>
    /// <param name="chunked">
    /// Whether the batch is cut into chunks on the worker pool (<see cref="Pooling2DPasses"/>), as the 2-D layers do;
    /// the 1-D layers run on the calling thread, where they were measured.
    /// </param>
    private protected PoolingLayer(string? name, Reduce reduce, bool chunked)
        : base(name)
    {
        _reduce = reduce;
        _chunked = chunked;
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
        switch (_reduce, _chunked)
        {
            case (Reduce.Max, true):
                context.State<Pooling2DPasses>().MaxForward(_window, input, context.BatchSize, output);
                break;
            case (Reduce.Max, false):
                Pooling2D.MaxForward(_window, input.AsSpan(), context.BatchSize, output.AsSpan());
                break;
            case (_, true):
                context.State<Pooling2DPasses>().AverageForward(_window, input, context.BatchSize, output);
                break;
            default:
                Pooling2D.AverageForward(_window, input.AsSpan(), context.BatchSize, output.AsSpan());
                break;
        }

        return output;
    }

    /// <inheritdoc/>
    protected sealed override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        switch (_reduce, _chunked)
        {
            case (Reduce.Max, true):
                context.State<Pooling2DPasses>().MaxBackward(_window, context.Input, context.Output, outputGradient, context.BatchSize, inputGradient);
                break;
            case (Reduce.Max, false):
                Pooling2D.MaxBackward(_window, context.Input.AsSpan(), context.Output.AsSpan(), outputGradient.AsSpan(),
                    context.BatchSize, inputGradient.AsSpan());
                break;
            case (_, true):
                context.State<Pooling2DPasses>().AverageBackward(_window, outputGradient, context.BatchSize, inputGradient);
                break;
            default:
                Pooling2D.AverageBackward(_window, outputGradient.AsSpan(), context.BatchSize, inputGradient.AsSpan());
                break;
        }

        return inputGradient;
    }
}
