namespace LogitNet.Layers;

/// <summary>
/// Multiplies its input by a fixed scale and adds a fixed offset, <c>y = x·scale + offset</c>, as
/// Keras's <c>Rescaling</c>: pixel values 0–255 to [0, 1] with <c>new Rescaling(1f / 255)</c>, or
/// to [−1, 1] with <c>new Rescaling(1f / 127.5f, -1)</c>. It has no trainable weights.
/// </summary>
/// <example><c>new Sequential(new Input(784), new Rescaling(1f / 255), new Dense(10))</c></example>
public sealed class Rescaling : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;
    private int[] _sampleShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="scale">The factor; finite.</param>
    /// <param name="offset">The value added after scaling; finite.</param>
    /// <param name="name">The layer's name, or null for <c>rescaling</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> or <paramref name="offset"/> is not finite.</exception>
    public Rescaling(float scale, float offset = 0f, string? name = null)
        : base(name)
    {
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a finite scale, such as 1/255.");
        }

        if (!float.IsFinite(offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "Expected a finite offset, such as 0 or -1.");
        }

        Scale = scale;
        Offset = offset;
    }

    /// <summary>The factor.</summary>
    public float Scale { get; }

    /// <summary>The value added after scaling.</summary>
    public float Offset { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "rescaling";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        _sampleShape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _sampleShape);
        Apply(input.AsSpan(), output.AsSpan(), Scale, Offset);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, _sampleShape);
        Apply(outputGradient.AsSpan(), inputGradient.AsSpan(), Scale, 0f);
        return inputGradient;
    }

    /// <summary>y = x·scale + offset, each rounded once from the exact value (the product and sum in double).</summary>
    private static void Apply(ReadOnlySpan<float> x, Span<float> y, float scale, float offset)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)((double)x[i] * scale + offset);
        }
    }
}
