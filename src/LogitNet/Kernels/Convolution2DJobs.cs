namespace LogitNet.Kernels;

/// <summary>
/// The forward pass of a 2-D convolution cut into chunks of im2col rows (output pixels; a chunk may start and end
/// inside an image, so one image's pixels are shared between threads): each chunk writes its im2col rows and
/// multiplies them at once, while they are still in the core's cache, on any thread.
/// </summary>
/// <remarks>
/// Every output row is one GEMM row whose summation order depends on the patch length alone, so the
/// cut changes no bit. A caller keeps one instance per execution context and sets it before each run,
/// so a warm pass allocates nothing. A training pass keeps the whole batch's im2col matrix for the
/// backward pass; an inference pass, which has no backward pass, writes each chunk's rows into a scratch of
/// one chunk per thread, which stays in the core's cache instead of streaming the batch's matrix (a 3 × 3
/// kernel over 32 channels makes 288 floats of it per output pixel) out to memory and back; or, for a short
/// window, writes no rows at all and reads the windows from the images (<see cref="DirectConvolution2D"/>).
/// </remarks>
internal sealed class Convolution2DForward : IParallelJob
{
    private Window2D _g;
    private int _filters;
    private int _rows;
    private int _rowsPerChunk;
    private Tensor _input = null!;
    private Tensor? _patches;
    private Tensor _kernel = null!;
    private Tensor? _bias;
    private bool _relu;
    private Tensor _output = null!;

    // The inference scratch: one chunk's im2col rows per thread that may run the job at once, each thread
    // claiming a free one for the length of a chunk. A slot's array is made by the first thread that claims it, so a
    // job that runs on one thread (inside a row chunk, or with the pool busy) keeps one chunk whatever the thread count.
    private float[]?[] _scratch = [];
    private int[] _scratchTaken = [];
    private int _scratchChunkLength;

    // An inference pass over a short window (DirectConvolution2D) reads the images in place: the kernel and bias,
    // packed once per run into column groups, are all it needs.
    private bool _direct;
    private float[] _packed = [];

    /// <inheritdoc/>
    public int Count => (_rows + _rowsPerChunk - 1) / _rowsPerChunk;

    /// <summary>
    /// Y = relu?(im2col(X)·W + b) for <paramref name="batch"/> images. <paramref name="patches"/> receives the im2col
    /// matrix when the backward pass will read it; null when the input is its own patch matrix or, at inference,
    /// when nothing reads it (the rows then go through a scratch of one chunk per thread).
    /// </summary>
    public void Run(in Window2D g, int filters, int batch, Tensor input, Tensor? patches, Tensor kernel, Tensor? bias, bool relu, Tensor output)
    {
        (_g, _filters, _input, _patches, _kernel, _bias, _relu, _output) = (g, filters, input, patches, kernel, bias, relu, output);
        _rows = batch * g.OutputPixels;
        _rowsPerChunk = Convolution2D.ForwardRowsPerChunk(g, _rows);
        // A pass of fewer flops than the GEMM splits runs on one thread, for the GEMM's reason: its output would
        // otherwise move between the cores' caches to reach the next layer, which costs more than the second core saves
        // (one MNIST image through the convnet, in-process A/B on 2 threads: 0.94-0.96 of the time with its first layer
        // split; the text CNN, whose second convolution this makes serial, 1.00-1.04; session 18).
        long flops = 2L * _rows * g.PatchLength * filters;
        int maxThreads = flops < Gemm.ParallelFlopThreshold ? 1 : WorkerPool.MaxThreads;
        _direct = patches is null && !Convolution2D.InputIsPatchMatrix(g) && DirectConvolution2D.Applies(g, filters);
        if (_direct)
        {
            int length = DirectConvolution2D.PackedLength(g.PatchLength, filters);
            if (_packed.Length < length)
            {
                _packed = new float[length];
            }

            DirectConvolution2D.Pack(kernel.AsSpan(), bias is null ? default : bias.AsSpan(), g.PatchLength, filters, _packed);
        }
        else if (patches is null && !Convolution2D.InputIsPatchMatrix(g))
        {
            // At most min(threads, chunks) threads run chunks at once: one scratch chunk each.
            int slots = Math.Max(1, Math.Min(maxThreads, Count));
            _scratchChunkLength = _rowsPerChunk * g.PatchLength;
            if (_scratchTaken.Length < slots)
            {
                _scratchTaken = new int[slots];
                Array.Resize(ref _scratch, slots);
            }
        }

        try
        {
            WorkerPool.Run(this, maxThreads);
        }
        finally
        {
            (_input, _patches, _kernel, _bias, _output) = (null!, null, null!, null, null!);
        }
    }

    /// <inheritdoc/>
    public void Run(int index)
    {
        int first = index * _rowsPerChunk;
        int rows = Math.Min(_rowsPerChunk, _rows - first);
        int patch = _g.PatchLength;
        Span<float> output = _output.AsSpan().Slice(first * _filters, rows * _filters);
        ReadOnlySpan<float> bias = _bias is null ? default : _bias.AsSpan();
        if (Convolution2D.InputIsPatchMatrix(_g))
        {
            Convolution2D.Forward(rows, patch, _filters, _input.AsSpan().Slice(first * patch, rows * patch), _kernel.AsSpan(), bias, _relu, output);
            return;
        }

        if (_direct)
        {
            DirectConvolution2D.Forward(_g, _input.AsSpan(), first, rows, _packed, _filters, _bias is not null, _relu, _output.AsSpan());
            return;
        }

        if (_patches is not null)
        {
            Span<float> target = _patches.AsSpan().Slice(first * patch, rows * patch);
            Convolution2D.Im2ColRows(_g, _input.AsSpan(), first, rows, target);
            Convolution2D.Forward(rows, patch, _filters, target, _kernel.AsSpan(), bias, _relu, output);
            return;
        }

        int slot = ClaimScratch();
        try
        {
            float[] chunk = _scratch[slot] is { } existing && existing.Length >= _scratchChunkLength
                ? existing
                : _scratch[slot] = new float[_scratchChunkLength];
            Span<float> scratch = chunk.AsSpan(0, rows * patch);
            Convolution2D.Im2ColRows(_g, _input.AsSpan(), first, rows, scratch);
            Convolution2D.Forward(rows, patch, _filters, scratch, _kernel.AsSpan(), bias, _relu, output);
        }
        finally
        {
            Volatile.Write(ref _scratchTaken[slot], 0);
        }
    }

    /// <summary>A scratch chunk no other thread is using; one is always free, since no more threads run the job than there are chunks of scratch.</summary>
    private int ClaimScratch()
    {
        int[] taken = _scratchTaken;
        while (true)
        {
            for (int slot = 0; slot < taken.Length; slot++)
            {
                if (Volatile.Read(ref taken[slot]) == 0 && Interlocked.CompareExchange(ref taken[slot], 1, 0) == 0)
                {
                    return slot;
                }
            }
        }
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
