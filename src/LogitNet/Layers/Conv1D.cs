using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// A 1-D (temporal) convolution over channels-last sequences, as Keras's <c>Conv1D</c>: input <c>[steps, channels]</c>,
/// output <c>[outSteps, filters]</c>, <c>y = activation(conv(x, W) + b)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The kernel W has Keras's shape and layout, <c>[kernelSize, channels, filters]</c>, so weights move between
/// LogitNet and Keras unchanged. It starts Glorot-uniform (limits ±√(6 / (fanIn + fanOut)),
/// fanIn = kernelSize·channels, fanOut = kernelSize·filters) from the layer's <see cref="Layer.Seed"/>, the bias
/// at zero, as in Keras.
/// </para>
/// <para>
/// Keras's defaults: strides 1, <see cref="Padding.Valid"/>, dilation 1, no activation, a bias.
/// <see cref="Padding.Causal"/> pads dilation·(kernelSize − 1) zeros before the sequence, so output step t sees
/// input steps up to t only. As in Keras, strides above 1 cannot be combined with a dilation above 1.
/// </para>
/// <para>
/// A sequence is an image of height 1, so the layer runs the 2-D convolution's kernels (im2col lowered onto the
/// GEMM, bias and ReLU fused): a sample's output is bitwise the same in any batch and on any number of threads.
/// </para>
/// </remarks>
/// <example>
/// A small text classifier over word ids (sequences of 200 ids from a vocabulary of 5,000):
/// <code>
/// var model = new Sequential(
///     new Input(200),
///     new Embedding(5000, 40),
///     new Conv1D(20, kernelSize: 6, activation: Activation.Relu),
///     new MaxPooling1D(poolSize: 5),
///     new Conv1D(20, kernelSize: 6, activation: Activation.Relu),
///     new GlobalMaxPooling1D(),
///     new Dense(1));                          // logits
/// </code>
/// </example>
public sealed class Conv1D : Layer
{
    private const int OutputSlot = 0;
    private const int PreActivationSlot = 1;
    private const int PatchSlot = 2;
    private const int ActivationGradientSlot = 3;
    private const int PatchGradientSlot = 4;
    private const int InputGradientSlot = 5;

    private Parameter? _kernel;
    private Parameter? _bias;
    private Window2D _window;
    private int[] _outputShape = [];
    private int[] _patchShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">The number of output channels; positive.</param>
    /// <param name="kernelSize">The kernel's length in steps; positive.</param>
    /// <param name="strides">The step between windows; positive (default 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default), <see cref="Padding.Same"/> or <see cref="Padding.Causal"/>.</param>
    /// <param name="dilationRate">The spacing of the kernel's taps; positive (default 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="name">The layer's name, or null for <c>conv1d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true, string? name = null)
        : base(name)
    {
        if (filters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(filters), filters, "Expected a positive number of filters (output channels).");
        }

        SequenceWindow.RequirePositive(kernelSize, nameof(kernelSize));
        SequenceWindow.RequirePositive(strides, nameof(strides));
        SequenceWindow.RequirePositive(dilationRate, nameof(dilationRate));
        if (!Enum.IsDefined(padding))
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "Expected Padding.Valid, Padding.Same or Padding.Causal.");
        }

        if (strides > 1 && dilationRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(strides), strides,
                $"Strides above 1 cannot be combined with a dilation rate above 1 (received dilation {dilationRate}), as in Keras. Use strides 1 or dilation 1.");
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected one of the values of Activation.");
        }

        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DilationRate = dilationRate;
        Activation = activation;
        UseBias = useBias;
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The kernel's length in steps.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows.</summary>
    public int Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    /// <summary>The spacing of the kernel's taps.</summary>
    public int DilationRate { get; }

    /// <summary>The activation applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer adds a bias per filter.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel W, <c>[kernelSize, channels, filters]</c>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Kernel => _kernel ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet; its kernel is created from the first input.");

    /// <summary>The bias b, <c>[filters]</c>, or null without one.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    protected override string DefaultName => "conv1d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _window = SequenceWindow.Geometry(Name, inputShape, KernelSize, Strides, DilationRate, Padding, "kernel size");
        int channels = inputShape[1];
        int fanIn = KernelSize * channels;
        int fanOut = KernelSize * Filters;
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        int[] kernelShape = [KernelSize, channels, Filters];
        Tensor kernel = Tensor.ZerosAligned(kernelShape);
        Tensor.RandomUniform(kernelShape, -limit, limit, Seed).AsSpan().CopyTo(kernel.AsSpan());
        _kernel = AddParameter("kernel", kernel);
        _bias = UseBias ? AddParameter("bias", Tensor.ZerosAligned([Filters])) : null;
        _outputShape = [_window.OutputWidth, Filters];
        _patchShape = [_window.OutputPixels, _window.PatchLength];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Window2D g = _window;
        bool fusedEpilogue = Activation is Activation.Linear or Activation.Relu;
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        Tensor product = fusedEpilogue ? output : context.Buffer(PreActivationSlot, _outputShape);
        // The patch buffer keeps this pass's im2col matrix for the backward pass.
        Tensor? patches = Convolution2D.InputIsPatchMatrix(g) ? null : context.Buffer(PatchSlot, _patchShape);
        context.State<Convolution2DForward>().Run(g, Filters, context.BatchSize, input, patches, _kernel!.Value, _bias?.Value,
            Activation == Activation.Relu, product);
        if (!fusedEpilogue)
        {
            ActivationFunction.Forward(Activation, product.AsSpan(), output.AsSpan(), Filters);
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Window2D g = _window;
        int batch = context.BatchSize;
        int rows = batch * g.OutputPixels;

        // dZ = f'(z) ⊙ dY, as in Conv2D: ReLU's derivative from the stored output's sign, the bias gradient
        // summed in the same pass.
        Tensor dz;
        Span<float> biasGradient = _bias is null ? default : _bias.Gradient.AsSpan();
        bool biasDone = false;
        if (Activation == Activation.Linear)
        {
            dz = outputGradient;
        }
        else if (Activation == Activation.Relu)
        {
            dz = context.Buffer(ActivationGradientSlot, _outputShape);
            BiasGradient.ReluBackward(context.Output.AsSpan(), outputGradient.AsSpan(), dz.AsSpan(), rows, Filters, biasGradient);
            biasDone = true;
        }
        else
        {
            dz = context.Buffer(ActivationGradientSlot, _outputShape);
            ActivationFunction.Backward(Activation, context.Buffer(PreActivationSlot, _outputShape).AsSpan(), context.Output.AsSpan(),
                outputGradient.AsSpan(), dz.AsSpan(), Filters);
        }

        if (!biasDone && !biasGradient.IsEmpty)
        {
            BiasGradient.ColumnSums(dz.AsSpan(), rows, Filters, biasGradient);
        }

        ReadOnlySpan<float> patches = Convolution2D.InputIsPatchMatrix(g) ? context.Input.AsSpan() : context.Buffer(PatchSlot, _patchShape).AsSpan();
        Convolution2D.BackwardKernel(rows, g.PatchLength, Filters, patches, dz.AsSpan(), _kernel!.Gradient.AsSpan());
        if (!context.NeedsInputGradient)
        {
            // A model's first trained layer: nothing reads dL/d(input).
            return outputGradient;
        }

        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        Tensor? patchGradient = Convolution2D.InputIsPatchMatrix(g) ? null : context.Buffer(PatchGradientSlot, _patchShape);
        context.State<Convolution2DInputGradient>().Run(g, Filters, batch, dz, _kernel.Value, patchGradient, inputGradient);
        return inputGradient;
    }
}
