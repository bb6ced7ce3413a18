namespace LogitNet.Kernels;

/// <summary>
/// The forward pass of a 2-D convolution cut into chunks of whole samples: each chunk writes its im2col
/// rows and multiplies them at once, while they are still in the core's cache, on either thread.
/// </summary>
/// <remarks>
/// Every output row is one GEMM row whose summation order depends on the patch length alone, so the
/// cut changes no bit. A caller keeps one instance per execution context and sets it before each run,
/// so a warm pass allocates nothing.
/// </remarks>
internal sealed class Convolution2DForward : IParallelJob
{
    private Window2D _g;
    private int _filters;
    private int _batch;
    private int _samplesPerChunk;
    private Tensor _input = null!;
    private Tensor? _patches;
    private Tensor _kernel = null!;
    private Tensor? _bias;
    private bool _relu;
    private Tensor _output = null!;

    /// <inheritdoc/>
    public int Count => (_batch + _samplesPerChunk - 1) / _samplesPerChunk;

    /// <summary>Y = relu?(im2col(X)·W + b) for <paramref name="batch"/> images; <paramref name="patches"/> receives the im2col matrix (null when the input is its own).</summary>
    public void Run(in Window2D g, int filters, int batch, Tensor input, Tensor? patches, Tensor kernel, Tensor? bias, bool relu, Tensor output)
    {
        (_g, _filters, _batch, _input, _patches, _kernel, _bias, _relu, _output) = (g, filters, batch, input, patches, kernel, bias, relu, output);
        _samplesPerChunk = Convolution2D.SamplesPerChunk(g);
        try
        {
            WorkerPool.Run(this, WorkerPool.MaxThreads);
        }
        finally
        {
            (_input, _patches, _kernel, _bias, _output) = (null!, null, null!, null, null!);
        }
    }

    /// <inheritdoc/>
    public void Run(int index)
    {
        int first = index * _samplesPerChunk;
        int count = Math.Min(_samplesPerChunk, _batch - first);
        int pixels = _g.OutputPixels, patch = _g.PatchLength;
        int rows = count * pixels;
        ReadOnlySpan<float> col;
        if (_patches is null)
        {
            col = _input.AsSpan().Slice(first * pixels * patch, rows * patch);
        }
        else
        {
            Span<float> target = _patches.AsSpan().Slice(first * pixels * patch, rows * patch);
            Convolution2D.Im2Col(_g, _input.AsSpan().Slice(first * _g.InputLength, count * _g.InputLength), count, target);
            col = target;
        }

        Convolution2D.Forward(rows, patch, _filters, col, _kernel.AsSpan(), _bias is null ? default : _bias.AsSpan(), _relu,
            _output.AsSpan().Slice(first * pixels * _filters, rows * _filters));
    }
}

/// <summary>
/// dL/d(input) of a 2-D convolution cut into chunks of whole samples: dcol = dZ·Wᵀ for the chunk's rows,
/// then col2im into the chunk's images. Samples do not share input values, so the cut changes no bit.
/// </summary>
internal sealed class Convolution2DInputGradient : IParallelJob
{
    private Window2D _g;
    private int _filters;
    private int _batch;
    private int _samplesPerChunk;
    private Tensor _outputGradient = null!;
    private Tensor _kernel = null!;
    private Tensor? _patchGradient;
    private Tensor _inputGradient = null!;

    /// <inheritdoc/>
    public int Count => (_batch + _samplesPerChunk - 1) / _samplesPerChunk;

    /// <summary>dX for <paramref name="batch"/> images; <paramref name="patchGradient"/> is scratch for dcol (null when the input is its own patch matrix).</summary>
    public void Run(in Window2D g, int filters, int batch, Tensor outputGradient, Tensor kernel, Tensor? patchGradient, Tensor inputGradient)
    {
        (_g, _filters, _batch, _outputGradient, _kernel, _patchGradient, _inputGradient) = (g, filters, batch, outputGradient, kernel, patchGradient, inputGradient);
        _samplesPerChunk = Convolution2D.SamplesPerChunk(g);
        try
        {
            WorkerPool.Run(this, WorkerPool.MaxThreads);
        }
        finally
        {
            (_outputGradient, _kernel, _patchGradient, _inputGradient) = (null!, null!, null, null!);
        }
    }

    /// <inheritdoc/>
    public void Run(int index)
    {
        int first = index * _samplesPerChunk;
        int count = Math.Min(_samplesPerChunk, _batch - first);
        int pixels = _g.OutputPixels, patch = _g.PatchLength;
        int rows = count * pixels;
        ReadOnlySpan<float> dz = _outputGradient.AsSpan().Slice(first * pixels * _filters, rows * _filters);
        Span<float> dx = _inputGradient.AsSpan().Slice(first * _g.InputLength, count * _g.InputLength);
        if (_patchGradient is null)
        {
            Convolution2D.BackwardPatches(rows, patch, _filters, dz, _kernel.AsSpan(), dx);
            return;
        }

        Span<float> dcol = _patchGradient.AsSpan().Slice(first * pixels * patch, rows * patch);
        Convolution2D.BackwardPatches(rows, patch, _filters, dz, _kernel.AsSpan(), dcol);
        Convolution2D.Col2Im(_g, dcol, count, dx);
    }
}
