namespace LogitNet.Layers;

/// <summary>
/// Sets a random fraction of its inputs to 0 during training and scales the rest by 1/(1 − rate)
/// (inverted dropout, Srivastava et al. 2014), so nothing changes at inference.
/// </summary>
/// <remarks>
/// Active only in training passes (<c>Fit</c>); <c>Predict</c> and <c>Evaluate</c> pass the input
/// through unchanged. The masks come from the layer's <see cref="Layer.Seed"/>: the same seed gives
/// the same masks, run after run.
/// </remarks>
/// <example><c>new Sequential(new Dense(128, Activation.Relu), new Dropout(0.2f), new Dense(10))</c></example>
public sealed class Dropout : Layer, IMaskedLayer
{
    private const int OutputSlot = 0;
    private const int MaskSlot = 1;
    private const int InputGradientSlot = 2;

    private int[] _sampleShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of inputs to drop, in [0, 1).</param>
    /// <param name="name">The layer's name, or null for <c>dropout</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public Dropout(float rate, string? name = null)
        : base(name)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Expected a dropout rate in [0, 1): the fraction of inputs set to 0 in training.");
        }

        Rate = rate;
    }

    /// <summary>The fraction of inputs dropped in training.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _sampleShape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        if (!context.Training || Rate == 0)
        {
            return input;
        }

        // Each context draws its own masks, from the layer's seed: a model's training step keeps one
        // generator for the whole run (saved with the model), and direct calls have their own.
        RandomSource random = MaskGenerator.For(context, Seed);
        Tensor mask = context.Buffer(MaskSlot, _sampleShape);
        Tensor output = context.Buffer(OutputSlot, _sampleShape);
        Span<float> m = mask.AsSpan();
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> y = output.AsSpan();
        float keep = 1f / (1f - Rate);
        random.FillKeepMask(m, Rate, keep);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x, m, y);

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        if (Rate == 0)
        {
            return outputGradient;
        }

        Tensor mask = context.Buffer(MaskSlot, _sampleShape);
        Tensor inputGradient = context.Buffer(InputGradientSlot, _sampleShape);
        System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.AsSpan(), mask.AsSpan(), inputGradient.AsSpan());
        return inputGradient;
    }
}
