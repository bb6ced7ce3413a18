using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// A 2-D convolution over channels-last images, as Keras's <c>Conv2D</c>: input <c>[height, width, channels]</c>,
/// output <c>[outHeight, outWidth, filters]</c>, <c>y = activation(conv(x, W) + b)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The kernel W has Keras's shape and layout, <c>[kernelHeight, kernelWidth, channels, filters]</c>, so
/// weights move between LogitNet and Keras unchanged. It starts Glorot-uniform (limits
/// ±√(6 / (fanIn + fanOut)), fanIn = kernelHeight·kernelWidth·channels, fanOut = kernelHeight·kernelWidth·filters)
/// from the layer's <see cref="Layer.Seed"/>, the bias at zero, as in Keras; <c>kernelInitializer:</c> and
/// <c>biasInitializer:</c> choose others, <c>kernelRegularizer:</c> and <c>biasRegularizer:</c> add penalties.
/// </para>
/// <para>
/// Keras's defaults: strides 1, <see cref="Padding.Valid"/>, dilation 1, no activation, a bias. As in Keras,
/// strides above 1 cannot be combined with a dilation above 1.
/// </para>
/// <para>
/// The convolution is lowered onto LogitNet's GEMM (im2col), with the bias and a ReLU fused into the
/// product; a sample's output is bitwise the same in any batch and on any number of threads.
/// </para>
/// </remarks>
/// <example>
/// Keras's "simple MNIST convnet":
/// <code>
/// var model = new Sequential(
///     new Input(28, 28, 1),
///     new Conv2D(32, kernelSize: 3, activation: Activation.Relu),
///     new MaxPooling2D(poolSize: 2),
///     new Conv2D(64, kernelSize: 3, activation: Activation.Relu),
///     new MaxPooling2D(poolSize: 2),
///     new Flatten(),
///     new Dropout(0.5f),
///     new Dense(10));
/// </code>
/// </example>
public sealed class Conv2D : Layer
{
    private Parameter? _kernel;
    private Parameter? _bias;
    private ConvolutionPasses? _passes;

    /// <summary>Creates the layer with a square kernel, strides and dilation.</summary>
    /// <param name="filters">The number of output channels; positive.</param>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    /// <param name="strides">The step between windows along both axes; positive (default 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="dilationRate">The spacing of the kernel's taps along both axes; positive (default 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="name">The layer's name, or null for <c>conv2d</c>.</param>
    /// <param name="kernelInitializer">How the kernel starts (Keras's <c>kernel_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts (Keras's <c>bias_initializer</c>), or null for <see cref="Initializers.Zeros"/>.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel, such as <c>Regularizers.L2(0.01f)</c> (Keras's <c>kernel_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias (Keras's <c>bias_regularizer</c>), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true, string? name = null,
        Initializers.Initializer? kernelInitializer = null, Initializers.Initializer? biasInitializer = null,
        Regularizers.Regularizer? kernelRegularizer = null, Regularizers.Regularizer? biasRegularizer = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, (dilationRate, dilationRate), activation, useBias, name,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer)
    {
    }

    /// <summary>Creates the layer with a rectangular kernel, strides or dilation (height, width), as Keras's tuples.</summary>
    /// <param name="filters">The number of output channels; positive.</param>
    /// <param name="kernelSize">The kernel's (height, width); positive.</param>
    /// <param name="strides">The step between windows (height, width); null for (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="dilationRate">The spacing of the kernel's taps (height, width); null for (1, 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="name">The layer's name, or null for <c>conv2d</c>.</param>
    /// <param name="kernelInitializer">How the kernel starts (Keras's <c>kernel_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts (Keras's <c>bias_initializer</c>), or null for <see cref="Initializers.Zeros"/>.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel, such as <c>Regularizers.L2(0.01f)</c> (Keras's <c>kernel_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias (Keras's <c>bias_regularizer</c>), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public Conv2D(int filters, (int Height, int Width) kernelSize, (int Height, int Width)? strides = null, Padding padding = Padding.Valid,
        (int Height, int Width)? dilationRate = null, Activation activation = Activation.Linear, bool useBias = true, string? name = null,
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

        (int Height, int Width) stride = strides ?? (1, 1);
        (int Height, int Width) dilation = dilationRate ?? (1, 1);
        WindowArguments.RequirePositive(kernelSize, nameof(kernelSize));
        WindowArguments.RequirePositive(stride, nameof(strides));
        WindowArguments.RequirePositive(dilation, nameof(dilationRate));
        WindowArguments.RequireDefined(padding);
        if (Math.Max(stride.Height, stride.Width) > 1 && Math.Max(dilation.Height, dilation.Width) > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(strides), stride,
                $"Strides above 1 cannot be combined with a dilation rate above 1 (received dilation {dilation}), as in Keras. Use strides 1 or dilation 1.");
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected one of the values of Activation.");
        }

        Filters = filters;
        KernelSize = kernelSize;
        Strides = stride;
        Padding = padding;
        DilationRate = dilation;
        Activation = activation;
        UseBias = useBias;
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The kernel's (height, width).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>The step between windows (height, width).</summary>
    public (int Height, int Width) Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    /// <summary>The spacing of the kernel's taps (height, width).</summary>
    public (int Height, int Width) DilationRate { get; }

    /// <summary>The activation applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer adds a bias per filter.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernel starts (default <see cref="Initializers.GlorotUniform"/>, from the layer's <see cref="Layer.Seed"/>).</summary>
    public Initializers.Initializer KernelInitializer { get; }

    /// <summary>How the bias starts (default <see cref="Initializers.Zeros"/>).</summary>
    public Initializers.Initializer BiasInitializer { get; }

    /// <summary>
    /// The kernel's penalty, or null: the constructor's until the layer is built, then <see cref="Kernel"/>'s own
    /// <see cref="Parameter.Regularizer"/>, so a penalty set on the parameter is the one training applies and Save writes.
    /// </summary>
    public Regularizers.Regularizer? KernelRegularizer { get => IsBuilt ? _kernel!.Regularizer : field; }

    /// <summary>
    /// The bias's penalty, or null: the constructor's until the layer is built, then <see cref="Bias"/>'s own
    /// <see cref="Parameter.Regularizer"/> when it has a bias.
    /// </summary>
    public Regularizers.Regularizer? BiasRegularizer { get => IsBuilt && _bias is { } bias ? bias.Regularizer : field; }

    /// <summary>The kernel W, <c>[kernelHeight, kernelWidth, channels, filters]</c>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Kernel => _kernel ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet; its kernel is created from the first input.");

    /// <summary>The bias b, <c>[filters]</c>, or null without one.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    protected override string DefaultName => "conv2d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        Window2D window = WindowArguments.Geometry(Name, inputShape, KernelSize, Strides, DilationRate, Padding, "kernel");
        int channels = inputShape[2];
        _kernel = AddWeight("kernel", [KernelSize.Height, KernelSize.Width, channels, Filters], KernelInitializer, Seed, KernelRegularizer);
        _bias = UseBias ? AddWeight("bias", [Filters], BiasInitializer, Initializers.Sampling.BiasSeed(Seed), BiasRegularizer) : null;
        int[] outputShape = [window.OutputHeight, window.OutputWidth, Filters];
        _passes = new ConvolutionPasses(window, Filters, Activation, _kernel, _bias, outputShape);
        return outputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context) => _passes!.Forward(input, context);

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) =>
        _passes!.Backward(outputGradient, context, InputShapeSpan);
}
