namespace LogitNet.Kernels;

/// <summary>
/// The <see cref="Pooling2D"/> passes of a batch cut into chunks of whole samples, run on the calling
/// thread and the <see cref="WorkerPool"/>. Samples share nothing, so the cut changes no bit.
/// </summary>
/// <remarks>
/// A layer keeps one instance per execution context (<c>LayerContext.State</c>) and sets it before each
/// pass, so a warm pass allocates nothing and two contexts never share one. The first pooling of a
/// convnet (26×26×32 per image) is 5–7% of a training step on one thread; left on one thread it
/// would be twice that share on two.
/// </remarks>
internal sealed class Pooling2DPasses : IParallelJob
{
    /// <summary>Input values a chunk reads at least (64 KB): below it, handing chunks to the pool costs more than it saves.</summary>
    private const int ChunkFloats = 16 * 1024;

    private Pass _pass;
    private Window2D _g;
    private int _batch;
    private int _samplesPerChunk;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _outputGradient;
    private Tensor? _inputGradient;

    private enum Pass
    {
        MaxForward,
        MaxBackward,
        AverageForward,
        AverageBackward,
    }

    /// <inheritdoc/>
    public int Count => (_batch + _samplesPerChunk - 1) / _samplesPerChunk;

    /// <summary><see cref="Pooling2D.MaxForward"/> over the batch.</summary>
    public void MaxForward(in Window2D g, Tensor input, int batch, Tensor output) =>
        Start(Pass.MaxForward, g, batch, input, output, null, null);

    /// <summary><see cref="Pooling2D.MaxBackward"/> over the batch.</summary>
    public void MaxBackward(in Window2D g, Tensor input, Tensor output, Tensor outputGradient, int batch, Tensor inputGradient) =>
        Start(Pass.MaxBackward, g, batch, input, output, outputGradient, inputGradient);

    /// <summary><see cref="Pooling2D.AverageForward"/> over the batch.</summary>
    public void AverageForward(in Window2D g, Tensor input, int batch, Tensor output) =>
        Start(Pass.AverageForward, g, batch, input, output, null, null);

    /// <summary><see cref="Pooling2D.AverageBackward"/> over the batch.</summary>
    public void AverageBackward(in Window2D g, Tensor outputGradient, int batch, Tensor inputGradient) =>
        Start(Pass.AverageBackward, g, batch, null, null, outputGradient, inputGradient);

    /// <inheritdoc/>
    public void Run(int index)
    {
        int first = index * _samplesPerChunk;
        int count = Math.Min(_samplesPerChunk, _batch - first);
        int inLength = _g.InputLength, outLength = _g.OutputPixels * _g.Channels;
        switch (_pass)
        {
            case Pass.MaxForward:
                Pooling2D.MaxForward(_g, Slice(_input!, first, count, inLength), count, Slice(_output!, first, count, outLength));
                break;
            case Pass.MaxBackward:
                Pooling2D.MaxBackward(_g, Slice(_input!, first, count, inLength), Slice(_output!, first, count, outLength),
                    Slice(_outputGradient!, first, count, outLength), count, Slice(_inputGradient!, first, count, inLength));
                break;
            case Pass.AverageForward:
                Pooling2D.AverageForward(_g, Slice(_input!, first, count, inLength), count, Slice(_output!, first, count, outLength));
                break;
            default:
                Pooling2D.AverageBackward(_g, Slice(_outputGradient!, first, count, outLength), count, Slice(_inputGradient!, first, count, inLength));
                break;
        }
    }

    private static Span<float> Slice(Tensor tensor, int first, int count, int length) =>
        tensor.AsSpan().Slice(first * length, count * length);

    private void Start(Pass pass, in Window2D g, int batch, Tensor? input, Tensor? output, Tensor? outputGradient, Tensor? inputGradient)
    {
        (_pass, _g, _batch, _input, _output, _outputGradient, _inputGradient) = (pass, g, batch, input, output, outputGradient, inputGradient);
        _samplesPerChunk = Math.Max(1, ChunkFloats / Math.Max(1, g.InputLength));
        try
        {
            WorkerPool.Run(this, WorkerPool.MaxThreads);
        }
        finally
        {
            (_input, _output, _outputGradient, _inputGradient) = (null, null, null, null);
        }
    }
}
