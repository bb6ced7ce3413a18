using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// A fully connected layer: <c>y = activation(x·W + b)</c>, on the last axis of its input, as
/// Keras's <c>Dense</c>.
/// </summary>
/// <remarks>
/// <para>
/// The kernel W (<c>[features, units]</c>) starts Glorot-uniform (limits ±√(6 / (features + units)))
/// from the layer's <see cref="Layer.Seed"/>, the bias at zero, as in Keras; <c>kernelInitializer:</c> and
/// <c>biasInitializer:</c> choose others (<see cref="Initializers.HeNormal"/>, ...). Weights are created on
/// the first input (or by an <see cref="Input"/> layer in front).
/// </para>
/// <para>
/// The product runs on LogitNet's GEMM with the bias (and a ReLU) applied as the result is stored.
/// For a classifier's output use <see cref="Activation.Linear"/> and a loss with
/// <c>fromLogits: true</c>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var hidden = new Dense(25, Activation.Relu);
/// var logits = new Dense(10);                  // linear: outputs logits
/// </code>
/// </example>
public sealed class Dense : Layer
{
    private const int OutputSlot = 0;
    private const int PreActivationSlot = 1;
    private const int ActivationGradientSlot = 2;
    private const int InputGradientSlot = 3;

    private Parameter? _kernel;
    private Parameter? _bias;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The number of outputs per sample; positive.</param>
    /// <param name="activation">The activation (default <see cref="Activation.Linear"/>: logits).</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="name">The layer's name, or null for <c>dense</c>.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel, such as <c>Regularizers.L2(0.01f)</c> (Keras's <c>kernel_regularizer</c>), or null.</param>
    /// <param name="biasRegularizer">A penalty on the bias (Keras's <c>bias_regularizer</c>), or null.</param>
    /// <param name="kernelInitializer">How the kernel starts (Keras's <c>kernel_initializer</c>), or null for <see cref="Initializers.GlorotUniform"/>.</param>
    /// <param name="biasInitializer">How the bias starts (Keras's <c>bias_initializer</c>), or null for <see cref="Initializers.Zeros"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive, or <paramref name="activation"/> is not defined.</exception>
    public Dense(int units, Activation activation = Activation.Linear, bool useBias = true, string? name = null,
        Regularizers.Regularizer? kernelRegularizer = null, Regularizers.Regularizer? biasRegularizer = null,
        Initializers.Initializer? kernelInitializer = null, Initializers.Initializer? biasInitializer = null)
        : base(name)
    {
        KernelInitializer = kernelInitializer ?? new Initializers.GlorotUniform();
        BiasInitializer = biasInitializer ?? new Initializers.Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        if (units <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "Expected a positive number of units (outputs per sample).");
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected one of the values of Activation.");
        }

        Units = units;
        Activation = activation;
        UseBias = useBias;
    }

    /// <summary>The number of outputs per sample.</summary>
    public int Units { get; }

    /// <summary>The activation applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer adds a bias.</summary>
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

    /// <summary>The kernel W, <c>[features, units]</c>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Kernel => _kernel ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet; its kernel is created from the first input.");

    /// <summary>The bias b, <c>[units]</c>, or null without one.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    protected override string DefaultName => "dense";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        int features = inputShape[^1];
        _kernel = AddWeight("kernel", [features, Units], KernelInitializer, Seed, KernelRegularizer);
        _bias = UseBias ? AddWeight("bias", [Units], BiasInitializer, Initializers.Sampling.BiasSeed(Seed), BiasRegularizer) : null;
        int[] outputShape = (int[])inputShape.Clone();
        outputShape[^1] = Units;
        _outputShape = outputShape;
        return outputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        int features = input.ShapeSpan[^1];
        int rows = input.Length / Math.Max(1, features);
        ReadOnlySpan<float> bias = _bias is null ? default : _bias.Value.AsSpan();
        bool fusedEpilogue = Activation is Activation.Linear or Activation.Relu || SkipsActivation(context);

        // The last layer of a prediction writes straight into the caller's result.
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        Tensor product = fusedEpilogue ? output : context.Buffer(PreActivationSlot, _outputShape);
        Gemm.Multiply(false, false, rows, Units, features, input.AsSpan(), features, _kernel!.Value.AsSpan(), Units,
            product.AsSpan(), Units, new GemmEpilogue { Bias = bias, Relu = Activation == Activation.Relu, CutByK = context.Training });
        if (!fusedEpilogue)
        {
            ActivationFunction.Forward(Activation, product.AsSpan(), output.AsSpan(), Units);
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor input = context.Input;
        int features = input.ShapeSpan[^1];
        int rows = outputGradient.Length / Units;

        // dZ = f'(z) ⊙ dY; for a linear output (or logits handed to the loss) dY is dZ already.
        ReadOnlySpan<float> dz;
        bool biasSummed = false;
        if (Activation == Activation.Linear || SkipsActivation(context))
        {
            dz = outputGradient.AsSpan();
        }
        else if (Activation == Activation.Relu)
        {
            // Relu's epilogue stores only the output; its derivative reads the output's sign, in the same
            // pass that sums db (below, the sums would be a second pass over dZ).
            Tensor activationGradient = context.Buffer(ActivationGradientSlot, _outputShape);
            BiasGradient.ReluBackward(context.Output.AsSpan(), outputGradient.AsSpan(), activationGradient.AsSpan(), rows, Units,
                _bias is null ? default : _bias.Gradient.AsSpan());
            dz = activationGradient.AsSpan();
            biasSummed = true;
        }
        else
        {
            Tensor activationGradient = context.Buffer(ActivationGradientSlot, _outputShape);
            Tensor output = context.Output;
            ActivationFunction.Backward(Activation, context.Buffer(PreActivationSlot, _outputShape).AsSpan(), output.AsSpan(),
                outputGradient.AsSpan(), activationGradient.AsSpan(), Units);
            dz = activationGradient.AsSpan();
        }

        // dW = Xᵀ·dZ, db = Σ_rows dZ, dX = dZ·Wᵀ.
        Gemm.Multiply(true, false, features, Units, rows, input.AsSpan(), features, dz, Units,
            _kernel!.Gradient.AsSpan(), Units, GemmEpilogue.None);
        if (_bias is not null && !biasSummed)
        {
            BiasGradient.ColumnSums(dz, rows, Units, _bias.Gradient.AsSpan());
        }

        if (!context.NeedsInputGradient)
        {
            // A model's first trained layer: nothing reads dL/d(input), so it is neither computed nor given a buffer.
            return outputGradient;
        }

        Tensor inputGradient = context.Buffer(InputGradientSlot, input.ShapeSpan[1..]);
        Gemm.Multiply(false, true, rows, features, Units, dz, Units, _kernel.Value.AsSpan(), Units,
            inputGradient.AsSpan(), features, GemmEpilogue.None);
        return inputGradient;
    }

    /// <summary>Whether this pass outputs the logits before a softmax or sigmoid, for a loss that takes logits.</summary>
    private bool SkipsActivation(LayerContext context) =>
        context.OutputLogits && Activation is Activation.Softmax or Activation.Sigmoid;
}
