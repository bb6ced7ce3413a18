using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// A depthwise 2-D convolution over channels-last images, as Keras's <c>DepthwiseConv2D</c>: each input channel
/// is convolved with its own <c>depthMultiplier</c> filters, input <c>[height, width, channels]</c>, output
/// <c>[outHeight, outWidth, channels·depthMultiplier]</c>, <c>y = activation(depthwise(x, W) + b)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The kernel has Keras's shape and layout, <c>[kernelHeight, kernelWidth, channels, depthMultiplier]</c>; output
/// channel <c>c·depthMultiplier + m</c> comes from input channel c and its filter m, as in Keras and TensorFlow.
/// It starts Glorot-uniform from the layer's <see cref="Layer.Seed"/> with Keras's fans of that shape
/// (fanIn = kh·kw·channels, fanOut = kh·kw·depthMultiplier), the bias at zero.
/// </para>
/// <para>
/// Keras's defaults: strides 1, <see cref="Padding.Valid"/>, depth multiplier 1, dilation 1, no activation, a bias.
/// Strides above 1 cannot be combined with a dilation above 1, as in Keras. "same" pads as TensorFlow does (the
/// extra row and column at the bottom and right).
/// </para>
/// <para>
/// Computed by direct loops vectorised over the channels (see <c>Kernels/DepthwiseConvolution2D</c>), on the worker
/// pool in chunks of whole samples (forward, input gradient) and of channels (kernel and bias gradients): a sample's
/// output is bitwise the same in any batch, on any number of threads and on every instruction set.
/// </para>
/// </remarks>
/// <example>
/// A MobileNet-style block:
/// <code>
/// new DepthwiseConv2D(3, padding: Padding.Same, activation: Activation.Relu),
/// new Conv2D(64, 1, activation: Activation.Relu),
/// </code>
/// </example>
public sealed class DepthwiseConv2D : Layer
{
    private const int OutputSlot = 0;
    private const int PreActivationSlot = 1;
    private const int ExpandedInputSlot = 2;
    private const int ActivationGradientSlot = 3;
    private const int ExpandedInputGradientSlot = 4;
    private const int InputGradientSlot = 5;

    private Parameter? _kernel;
    private Parameter? _bias;
    private Window2D _window;
    private int[] _outputShape = [];
    private int[] _expandedShape = [];

    /// <summary>Creates the layer with a square kernel, strides and dilation.</summary>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    /// <param name="strides">The step between windows along both axes; positive (default 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="depthMultiplier">Filters per input channel; positive (default 1).</param>
    /// <param name="dilationRate">The spacing of the kernel's taps along both axes; positive (default 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per output channel.</param>
    /// <param name="name">The layer's name, or null for <c>depthwise_conv2d</c>.</param>
    /// <param name="depthwiseInitializer">How the kernel starts (Keras's <c>depthwise_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts, or null for <see cref="Initializers.Zeros"/>.</param>
    /// <param name="depthwiseRegularizer">A penalty on the kernel (Keras's <c>depthwise_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true, string? name = null,
        Initializers.Initializer? depthwiseInitializer = null, Initializers.Initializer? biasInitializer = null,
        Regularizers.Regularizer? depthwiseRegularizer = null, Regularizers.Regularizer? biasRegularizer = null)
        : this((kernelSize, kernelSize), (strides, strides), padding, depthMultiplier, (dilationRate, dilationRate), activation, useBias, name,
            depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer)
    {
    }

    /// <summary>Creates the layer with a rectangular kernel, strides or dilation (height, width), as Keras's tuples.</summary>
    /// <param name="kernelSize">The kernel's (height, width); positive.</param>
    /// <param name="strides">The step between windows (height, width); null for (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</param>
    /// <param name="depthMultiplier">Filters per input channel; positive (default 1).</param>
    /// <param name="dilationRate">The spacing of the kernel's taps (height, width); null for (1, 1).</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>).</param>
    /// <param name="useBias">Whether to add a learned bias per output channel.</param>
    /// <param name="name">The layer's name, or null for <c>depthwise_conv2d</c>.</param>
    /// <param name="depthwiseInitializer">How the kernel starts (Keras's <c>depthwise_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts, or null for <see cref="Initializers.Zeros"/>.</param>
    /// <param name="depthwiseRegularizer">A penalty on the kernel (Keras's <c>depthwise_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, an enum value is not defined, or strides and dilation are both above 1.</exception>
    public DepthwiseConv2D((int Height, int Width) kernelSize, (int Height, int Width)? strides = null, Padding padding = Padding.Valid,
        int depthMultiplier = 1, (int Height, int Width)? dilationRate = null, Activation activation = Activation.Linear, bool useBias = true,
        string? name = null, Initializers.Initializer? depthwiseInitializer = null, Initializers.Initializer? biasInitializer = null,
        Regularizers.Regularizer? depthwiseRegularizer = null, Regularizers.Regularizer? biasRegularizer = null)
        : base(name)
    {
        (int Height, int Width) stride = strides ?? (1, 1);
        (int Height, int Width) dilation = dilationRate ?? (1, 1);
        WindowArguments.RequirePositive(kernelSize, nameof(kernelSize));
        WindowArguments.RequirePositive(stride, nameof(strides));
        WindowArguments.RequirePositive(dilation, nameof(dilationRate));
        WindowArguments.RequireDefined(padding);
        if (depthMultiplier <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(depthMultiplier), depthMultiplier, "Expected a positive depth multiplier (filters per input channel), such as 1.");
        }

        if (Math.Max(stride.Height, stride.Width) > 1 && Math.Max(dilation.Height, dilation.Width) > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(strides), stride,
                $"Strides above 1 cannot be combined with a dilation rate above 1 (received dilation {dilation}), as in Keras. Use strides 1 or dilation 1.");
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected one of the values of Activation.");
        }

        KernelSize = kernelSize;
        Strides = stride;
        Padding = padding;
        DepthMultiplier = depthMultiplier;
        DilationRate = dilation;
        Activation = activation;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? new Initializers.GlorotUniform();
        BiasInitializer = biasInitializer ?? new Initializers.Zeros();
        DepthwiseRegularizer = depthwiseRegularizer;
        BiasRegularizer = biasRegularizer;
    }

    /// <summary>The kernel's (height, width).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>The step between windows (height, width).</summary>
    public (int Height, int Width) Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>The spacing of the kernel's taps (height, width).</summary>
    public (int Height, int Width) DilationRate { get; }

    /// <summary>The activation applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer adds a bias per output channel.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernel starts (default <see cref="Initializers.GlorotUniform"/>).</summary>
    public Initializers.Initializer DepthwiseInitializer { get; }

    /// <summary>How the bias starts (default <see cref="Initializers.Zeros"/>).</summary>
    public Initializers.Initializer BiasInitializer { get; }

    /// <summary>
    /// The kernel's penalty, or null: the constructor's until the layer is built, then <see cref="Kernel"/>'s own
    /// <see cref="Parameter.Regularizer"/>, so a penalty set on the parameter is the one training applies and Save writes.
    /// </summary>
    public Regularizers.Regularizer? DepthwiseRegularizer { get => IsBuilt ? _kernel!.Regularizer : field; }

    /// <summary>
    /// The bias's penalty, or null: the constructor's until the layer is built, then <see cref="Bias"/>'s own
    /// <see cref="Parameter.Regularizer"/> when it has a bias.
    /// </summary>
    public Regularizers.Regularizer? BiasRegularizer { get => IsBuilt && _bias is { } bias ? bias.Regularizer : field; }

    /// <summary>The kernel W, <c>[kernelHeight, kernelWidth, channels, depthMultiplier]</c>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Kernel => _kernel ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet; its kernel is created from the first input.");

    /// <summary>The bias b, <c>[channels·depthMultiplier]</c>, or null without one.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    protected override string DefaultName => "depthwise_conv2d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        WindowArguments.RequireImage(Name, inputShape);
        int channels = inputShape[2];
        long outputChannels = (long)channels * DepthMultiplier;
        if (outputChannels * inputShape[0] * inputShape[1] > Array.MaxLength)
        {
            throw new ArgumentException($"Layer '{Name}': {channels} channels × depth multiplier {DepthMultiplier} makes samples too large for one array.", nameof(inputShape));
        }

        // The kernels run on the input expanded to C·M channels, so the geometry's channel count is C·M.
        Window2D g = WindowArguments.Geometry(Name, [inputShape[0], inputShape[1], (int)outputChannels], KernelSize, Strides, DilationRate, Padding, "kernel");
        _window = g;
        _kernel = AddWeight("kernel", [KernelSize.Height, KernelSize.Width, channels, DepthMultiplier], DepthwiseInitializer, Seed, DepthwiseRegularizer);
        _bias = UseBias ? AddWeight("bias", [(int)outputChannels], BiasInitializer, Initializers.Sampling.BiasSeed(Seed), BiasRegularizer) : null;

        _outputShape = [g.OutputHeight, g.OutputWidth, (int)outputChannels];
        _expandedShape = [inputShape[0], inputShape[1], (int)outputChannels];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        // ReLU runs in place: its backward pass reads only the output.
        Tensor product = Activation is Activation.Linear or Activation.Relu ? output : context.Buffer(PreActivationSlot, _outputShape);
        // The expanded input stays in its buffer for the backward pass.
        Tensor? expanded = DepthMultiplier == 1 ? null : context.Buffer(ExpandedInputSlot, _expandedShape);
        context.State<DepthwiseConv2DPasses>().Forward(_window, context.BatchSize, InputShapeSpan[2], DepthMultiplier, Activation, input, expanded,
            _kernel!.Value, _bias?.Value, product, output);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Window2D g = _window;
        int batch = context.BatchSize;
        DepthwiseConv2DPasses passes = context.State<DepthwiseConv2DPasses>();
        bool linear = Activation == Activation.Linear;
        Tensor dz = linear ? outputGradient : context.Buffer(ActivationGradientSlot, _outputShape);
        Tensor? inputGradient = context.NeedsInputGradient ? context.Buffer(InputGradientSlot, InputShapeSpan) : null;
        if (!linear || inputGradient is not null)
        {
            passes.InputGradient(g, batch, InputShapeSpan[2], DepthMultiplier, Activation, Activation is Activation.Linear or Activation.Relu ? null : context.Buffer(PreActivationSlot, _outputShape),
                context.Output, outputGradient, dz, _kernel!.Value,
                inputGradient is not null && DepthMultiplier > 1 ? context.Buffer(ExpandedInputGradientSlot, _expandedShape) : null, inputGradient);
        }

        // The forward pass of this context left the expanded input in its buffer (or the input is it).
        Tensor expanded = DepthMultiplier == 1 ? context.Input : context.Buffer(ExpandedInputSlot, _expandedShape);
        passes.KernelGradient(g, batch, expanded, dz, _kernel!.Gradient, _bias?.Gradient);
        // A model's first trained layer: nothing reads dL/d(input).
        return inputGradient ?? outputGradient;
    }
}
