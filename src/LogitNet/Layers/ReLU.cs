using System.Globalization;

namespace LogitNet.Layers;

/// <summary>
/// The rectified linear unit as a layer with Keras 3's options, as Keras's <c>layers.ReLU</c>:
/// <c>f(x) = min(x, maxValue)</c> for x above <c>threshold</c>, <c>negativeSlope·(x − threshold)</c> otherwise.
/// </summary>
/// <remarks>
/// <para>
/// With the defaults it is <c>max(x, 0)</c>. As in Keras 3's <c>relu</c>, the value at x = threshold is 0
/// (only inputs strictly above the threshold pass), and the output is clipped to at most <c>maxValue</c>.
/// The derivative is 1 between the threshold and <c>maxValue</c>, 0 at and above <c>maxValue</c>, and
/// <c>negativeSlope</c> at and below the threshold. NaN in gives NaN out in both directions.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// new ReLU(maxValue: 6f);                       // ReLU6
/// new ReLU(negativeSlope: 0.5f).Forward(Tensor.FromArray([-10f, -5f, 0f, 5f, 10f], 1, 5));   // [-5, -2.5, 0, 5, 10]
/// </code>
/// </example>
public sealed class ReLU : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    /// <summary>Creates the layer.</summary>
    /// <param name="maxValue">The largest output, non-negative; null (default) for no limit.</param>
    /// <param name="negativeSlope">The slope at and below the threshold; non-negative (default 0).</param>
    /// <param name="threshold">The input above which values pass; non-negative (default 0).</param>
    /// <param name="name">The layer's name, or null for <c>re_lu</c> (Keras's).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is negative or not finite.</exception>
    public ReLU(float? maxValue = null, float negativeSlope = 0f, float threshold = 0f, string? name = null)
        : base(name)
    {
        if (maxValue is { } max && !(max >= 0 && float.IsFinite(max)))
        {
            throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "Expected a finite, non-negative maximum (or null for none), as Keras requires.");
        }

        if (!(negativeSlope >= 0 && float.IsFinite(negativeSlope)))
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "Expected a finite, non-negative slope, as Keras requires.");
        }

        if (!(threshold >= 0 && float.IsFinite(threshold)))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Expected a finite, non-negative threshold, as Keras requires.");
        }

        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
    }

    /// <summary>The largest output, or null for none.</summary>
    public float? MaxValue { get; }

    /// <summary>The slope at and below the threshold.</summary>
    public float NegativeSlope { get; }

    /// <summary>The input above which values pass.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, InputShapeSpan);
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> y = output.AsSpan();
        float max = MaxValue ?? float.PositiveInfinity, slope = NegativeSlope, threshold = Threshold;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            // Keras 3: x·[x > t] clipped to [0, max], minus slope·relu(t − x); slope·(x − t) is that, exactly.
            y[i] = v > threshold ? MathF.Min(v, max) : slope == 0 && !float.IsNaN(v) ? 0f : slope * (v - threshold);
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        ReadOnlySpan<float> x = context.Input.AsSpan(), dy = outputGradient.AsSpan();
        Span<float> dx = inputGradient.AsSpan();
        float max = MaxValue ?? float.PositiveInfinity, slope = NegativeSlope, threshold = Threshold;
        for (int i = 0; i < dx.Length; i++)
        {
            float v = x[i];
            dx[i] = float.IsNaN(v) ? float.NaN : v > threshold ? (v < max ? dy[i] : 0f) : slope * dy[i];
        }

        return inputGradient;
    }

    /// <summary>The settings, as C# would write them.</summary>
    /// <returns>For example <c>re_lu ReLU(maxValue: 6, negativeSlope: 0, threshold: 0)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{base.ToString()} ReLU(maxValue: {(MaxValue is { } m ? m.ToString(CultureInfo.InvariantCulture) : "null")}, negativeSlope: {NegativeSlope}, threshold: {Threshold})");
}
