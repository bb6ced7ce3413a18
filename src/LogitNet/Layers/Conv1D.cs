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
/// at zero, as in Keras; <c>kernelInitializer:</c> and <c>biasInitializer:</c> choose others, <c>kernelRegularizer:</c>
/// and <c>biasRegularizer:</c> add penalties.
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
    private Parameter? _kernel;
    private Parameter? _bias;
    private ConvolutionPasses? _passes;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">The number of output channels; positive.</param>
    /// <param name="kernelSize">The kernel's length in steps; positive.</param>
    /// <param name="strides">The step between windows; positive (default 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default), <see cref="Padding.Same"/> or <see cref="Padding.Causal"/>.</param>
    /// <param name="dilationRate">The spacing of the kernel's taps; positive (default 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="name">The layer's name, or null for <c>conv1d</c>.</param>
    /// <param name="kernelInitializer">How the kernel starts (Keras's <c>kernel_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts (Keras's <c>bias_initializer</c>), or null for <see cref="Initializers.Zeros"/>.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel, such as <c>Regularizers.L2(0.01f)</c> (Keras's <c>kernel_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias (Keras's <c>bias_regularizer</c>), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true, string? name = null,
        Initializers.Initializer? kernelInitializer = null, Initializers.Initializer? biasInitializer = null,
        Regularizers.Regularizer? kernelRegularizer = null, Regularizers.Regularizer? biasRegularizer = null)
        : base(name)
    {
        KernelInitializer = kernelInitializer ?? new Initializers.GlorotUniform();
        BiasInitializer = biasInitializer ?? new Initializers.Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
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

    /// <summary>How the kernel starts (default <see cref="Initializers.GlorotUniform"/>, from the layer's <see cref="Layer.Seed"/>).</summary>
    public Initializers.Initializer KernelInitializer { get; }

    /// <summary>How the bias starts (default <see cref="Initializers.Zeros"/>).</summary>
    public Initializers.Initializer BiasInitializer { get; }

    /// <summary>
    /// The kernel's penalty, or null: the constructor's until the layer is built, then the kernel's own
    /// <see cref="Parameter.Regularizer"/>, so a penalty set on the parameter is the one training applies and Save writes.
    /// </summary>
    public Regularizers.Regularizer? KernelRegularizer { get => IsBuilt ? _kernel!.Regularizer : field; }

    /// <summary>
    /// The bias's penalty, or null: the constructor's until the layer is built, then the bias's own
    /// <see cref="Parameter.Regularizer"/> when it has a bias.
    /// </summary>
    public Regularizers.Regularizer? BiasRegularizer { get => IsBuilt && _bias is { } bias ? bias.Regularizer : field; }

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
        Window2D window = SequenceWindow.Geometry(Name, inputShape, KernelSize, Strides, DilationRate, Padding, "kernel size");
        int channels = inputShape[1];
        _kernel = AddWeight("kernel", [KernelSize, channels, Filters], KernelInitializer, Seed, KernelRegularizer);
        _bias = UseBias ? AddWeight("bias", [Filters], BiasInitializer, Initializers.Sampling.BiasSeed(Seed), BiasRegularizer) : null;
        int[] outputShape = [window.OutputWidth, Filters];
        _passes = new ConvolutionPasses(window, Filters, Activation, _kernel, _bias, outputShape);
        return outputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context) => _passes!.Forward(input, context);

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) =>
        _passes!.Backward(outputGradient, context, InputShapeSpan);
}
