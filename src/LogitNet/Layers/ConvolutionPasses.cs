using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The forward and backward passes of a convolution lowered onto the GEMM (im2col, bias and ReLU fused), shared by
/// <see cref="Conv2D"/> and <see cref="Conv1D"/>: a sequence is an image of height 1, so one set of passes serves both.
/// </summary>
/// <remarks>
/// A layer creates one when it is built. It holds only what the build fixed (geometry, activation, parameters,
/// shapes); a pass writes the caller's <see cref="LayerContext"/> and the parameters' gradients, never a field here,
/// so the layer stays safe to share between threads.
/// </remarks>
internal sealed class ConvolutionPasses
{
    private const int OutputSlot = 0;
    private const int PreActivationSlot = 1;
    private const int PatchSlot = 2;
    private const int ActivationGradientSlot = 3;
    private const int PatchGradientSlot = 4;
    private const int InputGradientSlot = 5;

    private readonly Window2D _window;
    private readonly int _filters;
    private readonly Activation _activation;
    private readonly Parameter _kernel;
    private readonly Parameter? _bias;
    private readonly int[] _outputShape;
    private readonly int[] _patchShape;

    /// <summary>The passes of a built layer.</summary>
    /// <param name="window">The geometry: the input image (a sequence as height 1), kernel, strides, dilation and padding.</param>
    /// <param name="filters">The output channels.</param>
    /// <param name="activation">The layer's activation; Linear and ReLU are fused into the product.</param>
    /// <param name="kernel">The kernel, in Keras's layout (its values read as a [patchLength, filters] matrix).</param>
    /// <param name="bias">The bias, or null.</param>
    /// <param name="outputShape">The per-sample output shape.</param>
    public ConvolutionPasses(Window2D window, int filters, Activation activation, Parameter kernel, Parameter? bias, int[] outputShape)
    {
        _window = window;
        _filters = filters;
        _activation = activation;
        _kernel = kernel;
        _bias = bias;
        _outputShape = (int[])outputShape.Clone();
        _patchShape = [window.OutputPixels, window.PatchLength];
    }

    /// <summary>The layer's forward pass: <c>activation(conv(x, W) + b)</c>, keeping in the context what the backward pass reads.</summary>
    public Tensor Forward(Tensor input, LayerContext context)
    {
        Window2D g = _window;
        int batch = context.BatchSize;
        bool fusedEpilogue = _activation is Activation.Linear or Activation.Relu;
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        Tensor product = fusedEpilogue ? output : context.Buffer(PreActivationSlot, _outputShape);
        // The patch buffer keeps a training pass's im2col matrix for the backward pass; an inference pass has none.
        Tensor? patches = Convolution2D.InputIsPatchMatrix(g) || !context.Training ? null : context.Buffer(PatchSlot, _patchShape);
        context.State<Convolution2DForward>().Run(g, _filters, batch, input, patches, _kernel.Value, _bias?.Value,
            _activation == Activation.Relu, product);
        if (!fusedEpilogue)
        {
            ActivationFunction.Forward(_activation, product.AsSpan(), output.AsSpan(), _filters);
        }

        return output;
    }

    /// <summary>The layer's backward pass for the context's last training batch: writes dW and db, returns dL/d(input).</summary>
    /// <param name="outputGradient">dL/d(output).</param>
    /// <param name="context">The context of the forward pass.</param>
    /// <param name="inputShape">The layer's per-sample input shape.</param>
    public Tensor Backward(Tensor outputGradient, LayerContext context, ReadOnlySpan<int> inputShape)
    {
        Window2D g = _window;
        int batch = context.BatchSize;
        int rows = batch * g.OutputPixels;
        Tensor input = context.Input;

        // dZ = f'(z) ⊙ dY; a linear output's dY is dZ already. ReLU's epilogue stored only the output, whose
        // sign gives the derivative; its pass also sums the bias gradient while dZ is in registers.
        Tensor dz;
        Span<float> biasGradient = _bias is null ? default : _bias.Gradient.AsSpan();
        bool biasDone = false;
        if (_activation == Activation.Linear)
        {
            dz = outputGradient;
        }
        else if (_activation == Activation.Relu)
        {
            dz = context.Buffer(ActivationGradientSlot, _outputShape);
            BiasGradient.ReluBackward(context.Output.AsSpan(), outputGradient.AsSpan(), dz.AsSpan(), rows, _filters, biasGradient);
            biasDone = true;
        }
        else
        {
            dz = context.Buffer(ActivationGradientSlot, _outputShape);
            ActivationFunction.Backward(_activation, context.Buffer(PreActivationSlot, _outputShape).AsSpan(), context.Output.AsSpan(),
                outputGradient.AsSpan(), dz.AsSpan(), _filters);
        }

        if (!biasDone && !biasGradient.IsEmpty)
        {
            BiasGradient.ColumnSums(dz.AsSpan(), rows, _filters, biasGradient);
        }

        // The forward pass of this context left its im2col matrix in the patch buffer.
        ReadOnlySpan<float> patches = Convolution2D.InputIsPatchMatrix(g) ? input.AsSpan() : context.Buffer(PatchSlot, _patchShape).AsSpan();
        Convolution2D.BackwardKernel(rows, g.PatchLength, _filters, patches, dz.AsSpan(), _kernel.Gradient.AsSpan());
        if (!context.NeedsInputGradient)
        {
            // A model's first trained layer: nothing reads dL/d(input).
            return outputGradient;
        }

        Tensor inputGradient = context.Buffer(InputGradientSlot, inputShape);
        Tensor? patchGradient = Convolution2D.InputIsPatchMatrix(g) ? null : context.Buffer(PatchGradientSlot, _patchShape);
        context.State<Convolution2DInputGradient>().Run(g, _filters, batch, dz, _kernel.Value, patchGradient, inputGradient);
        return inputGradient;
    }
}
