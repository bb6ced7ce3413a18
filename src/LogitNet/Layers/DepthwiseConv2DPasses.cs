using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// <see cref="DepthwiseConv2D"/>'s passes on the calling thread and the <see cref="WorkerPool"/>: the forward pass and
/// the input gradient in chunks of whole samples (each with its expansion or reduction and its activation), the
/// kernel and bias gradients in chunks of channels.
/// </summary>
/// <remarks>
/// <para>
/// Samples share nothing in the forward pass and the input gradient, and each kernel or bias gradient entry sums over
/// samples then pixels on its own: neither cut changes a bit, and both are fixed by the shape, never by the thread
/// count. A cut by samples would have needed partial sums for the kernel gradient, whose adding changes the bits once.
/// </para>
/// <para>
/// A layer keeps one instance per execution context (<c>LayerContext.State</c>) and sets it before each pass, so a
/// warm pass allocates nothing and two contexts never share one.
/// </para>
/// </remarks>
internal sealed class DepthwiseConv2DPasses : IParallelJob
{
    /// <summary>
    /// Multiply-adds a chunk does at least (about 50 µs on one core here): below it, handing chunks to the pool costs
    /// more than it saves, and a small batch stays one chunk on the calling thread.
    /// </summary>
    private const int ChunkWork = 256 * 1024;

    /// <summary>A kernel-gradient chunk's channels come in blocks of 16 (32 or 64 in wider layers): whole 64-byte cache lines, whole vectors of 4, 8 or 16 lanes.</summary>
    private const int ChannelBlock = 16;

    private Pass _pass;
    private Window2D _g;
    private int _batch;
    private int _channels;
    private int _multiplier;
    private Activation _activation;
    private int _perChunk;
    private int _chunks;
    private Tensor? _input;
    private Tensor? _expanded;
    private Tensor? _kernel;
    private Tensor? _bias;
    private Tensor? _product;
    private Tensor? _output;
    private Tensor? _outputGradient;
    private Tensor? _productGradient;
    private Tensor? _expandedGradient;
    private Tensor? _inputGradient;

    private enum Pass
    {
        Forward,
        InputGradient,
        KernelGradient,
    }

    /// <inheritdoc/>
    public int Count => _chunks;

    /// <summary>
    /// <c>output = activation(product)</c>, <c>product = depthwise(input, kernel) + bias</c> (the same tensor for a linear
    /// activation or ReLU, which runs in place); <paramref name="expanded"/> receives the input repeated to C·M channels (null when M is 1).
    /// </summary>
    public void Forward(in Window2D g, int batch, int channels, int multiplier, Activation activation, Tensor input, Tensor? expanded,
        Tensor kernel, Tensor? bias, Tensor product, Tensor output)
    {
        (_g, _batch, _channels, _multiplier, _activation) = (g, batch, channels, multiplier, activation);
        (_input, _expanded, _kernel, _bias, _product, _output) = (input, expanded, kernel, bias, product, output);
        RunBySamples(Pass.Forward);
    }

    /// <summary>
    /// dL/d(product) into <paramref name="productGradient"/> (unless the activation is linear: then it is
    /// <paramref name="outputGradient"/>), and dL/d(input) into <paramref name="inputGradient"/> when it is not null,
    /// through <paramref name="expandedGradient"/> when M is above 1. <paramref name="product"/> is read only by activations
    /// other than linear and ReLU (ReLU's derivative comes from the output's sign).
    /// </summary>
    public void InputGradient(in Window2D g, int batch, int channels, int multiplier, Activation activation, Tensor? product, Tensor output,
        Tensor outputGradient, Tensor productGradient, Tensor kernel, Tensor? expandedGradient, Tensor? inputGradient)
    {
        (_g, _batch, _channels, _multiplier, _activation) = (g, batch, channels, multiplier, activation);
        (_product, _output, _outputGradient, _productGradient, _kernel, _expandedGradient, _inputGradient) =
            (product, output, outputGradient, productGradient, kernel, expandedGradient, inputGradient);
        RunBySamples(Pass.InputGradient);
    }

    /// <summary>The kernel's and the bias's gradients (overwritten) from the expanded input and dL/d(product).</summary>
    public void KernelGradient(in Window2D g, int batch, Tensor expandedInput, Tensor productGradient, Tensor kernelGradient, Tensor? biasGradient)
    {
        (_g, _batch) = (g, batch);
        (_expanded, _productGradient, _kernel, _bias) = (expandedInput, productGradient, kernelGradient, biasGradient);
        long perChannel = Math.Max(1L, (long)batch * g.OutputPixels * g.KernelHeight * g.KernelWidth);
        // Wider chunks for wider layers: each chunk streams the whole batch again for its channels, and narrow slices of
        // wide pixels cost more than their share (measured at 96 and 256 channels, one thread: 64-channel chunks 1.2x
        // faster than 32, 2x faster than 16), while 16 channels still make two chunks of a 32-channel layer.
        int block = g.Channels >= 8 * ChannelBlock ? 4 * ChannelBlock : g.Channels >= 4 * ChannelBlock ? 2 * ChannelBlock : ChannelBlock;
        long blocks = Math.Max(1L, (ChunkWork + block * perChannel - 1) / (block * perChannel));
        _perChunk = (int)Math.Min(blocks * block, Math.Max(g.Channels, 1));
        _chunks = (g.Channels + _perChunk - 1) / _perChunk;
        Start(Pass.KernelGradient);
    }

    /// <inheritdoc/>
    public void Run(int index)
    {
        if (_pass == Pass.KernelGradient)
        {
            int first = index * _perChunk, end = Math.Min(_g.Channels, first + _perChunk);
            DepthwiseConvolution2D.BackwardKernel(_g, _batch, _expanded!.AsSpan(), _productGradient!.AsSpan(), _kernel!.AsSpan(),
                _bias is null ? default : _bias.AsSpan(), first, end);
            return;
        }

        int firstSample = index * _perChunk;
        int count = Math.Min(_perChunk, _batch - firstSample);
        int k = _g.Channels, inputLength = _g.InputLength / _multiplier, expandedLength = _g.InputLength, outputLength = _g.OutputPixels * k;
        if (_pass == Pass.Forward)
        {
            Span<float> x = Slice(_input!, firstSample, count, inputLength);
            Span<float> xe = x;
            if (_expanded is not null)
            {
                xe = Slice(_expanded, firstSample, count, expandedLength);
                DepthwiseConvolution2D.Expand(x, xe, _channels, _multiplier);
            }

            Span<float> product = Slice(_product!, firstSample, count, outputLength);
            DepthwiseConvolution2D.Forward(_g, count, xe, _kernel!.AsSpan(), _bias is null ? default : _bias.AsSpan(), product);
            if (_activation != Activation.Linear)
            {
                ActivationFunction.Forward(_activation, product, Slice(_output!, firstSample, count, outputLength), k);
            }

            return;
        }

        Span<float> dz = Slice(_productGradient!, firstSample, count, outputLength);
        if (_activation == Activation.Relu)
        {
            // Vectorised selects, the bits of ActivationFunction.Backward's branches (which mispredict on random signs).
            BiasGradient.ReluBackward(Slice(_output!, firstSample, count, outputLength), Slice(_outputGradient!, firstSample, count, outputLength), dz,
                count * _g.OutputPixels, k, default);
        }
        else if (_activation != Activation.Linear)
        {
            ActivationFunction.Backward(_activation, Slice(_product!, firstSample, count, outputLength), Slice(_output!, firstSample, count, outputLength),
                Slice(_outputGradient!, firstSample, count, outputLength), dz, k);
        }

        if (_inputGradient is null)
        {
            return;
        }

        Span<float> dx = Slice(_inputGradient, firstSample, count, inputLength);
        if (_expandedGradient is null)
        {
            DepthwiseConvolution2D.BackwardInput(_g, count, dz, _kernel!.AsSpan(), dx);
            return;
        }

        Span<float> dxe = Slice(_expandedGradient, firstSample, count, expandedLength);
        DepthwiseConvolution2D.BackwardInput(_g, count, dz, _kernel!.AsSpan(), dxe);
        DepthwiseConvolution2D.Reduce(dxe, dx, _channels, _multiplier);
    }

    private static Span<float> Slice(Tensor tensor, int first, int count, int length) =>
        tensor.AsSpan().Slice(first * length, count * length);

    private void RunBySamples(Pass pass)
    {
        long perSample = Math.Max(1L, (long)_g.OutputPixels * _g.Channels * _g.KernelHeight * _g.KernelWidth);
        _perChunk = (int)Math.Clamp(ChunkWork / perSample, 1, Math.Max(1, _batch));
        _chunks = (_batch + _perChunk - 1) / _perChunk;
        Start(pass);
    }

    private void Start(Pass pass)
    {
        _pass = pass;
        try
        {
            WorkerPool.Run(this, WorkerPool.MaxThreads);
        }
        finally
        {
            (_input, _expanded, _kernel, _bias, _product, _output) = (null, null, null, null, null, null);
            (_outputGradient, _productGradient, _expandedGradient, _inputGradient) = (null, null, null, null);
        }
    }
}
