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
public sealed class Dropout : Layer
{
    private BatchBuffer? _output;
    private BatchBuffer? _mask;
    private BatchBuffer? _inputGradient;
    private RandomSource? _random;
    private Tensor? _lastMask;

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

    /// <summary>
    /// The state of the mask generator (<see cref="RandomSource.GetState"/>), or null before the first
    /// training pass; saved with a model so that training resumes with the masks it would have drawn.
    /// </summary>
    internal ulong[]? RandomState => _random?.GetState();

    /// <summary>Continues the masks from a saved generator state.</summary>
    internal void RestoreRandomState(RandomSource random) => _random = random;

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _output = new BatchBuffer(inputShape);
        _mask = new BatchBuffer(inputShape);
        _inputGradient = new BatchBuffer(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, bool training)
    {
        if (!training || Rate == 0)
        {
            _lastMask = null;
            return input;
        }

        _random ??= new RandomSource(Seed);
        int batch = input.ShapeSpan[0];
        Tensor mask = _mask!.For(batch);
        Tensor output = _output!.For(batch);
        Span<float> m = mask.AsSpan();
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> y = output.AsSpan();
        float keep = 1f / (1f - Rate);
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = _random.NextDouble() < Rate ? 0f : keep;
            y[i] = x[i] * m[i];
        }

        _lastMask = mask;
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient)
    {
        if (_lastMask is null)
        {
            return outputGradient;
        }

        Tensor inputGradient = _inputGradient!.For(outputGradient.ShapeSpan[0]);
        System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.AsSpan(), _lastMask.AsSpan(), inputGradient.AsSpan());
        return inputGradient;
    }
}
