namespace LogitNet.Layers;

/// <summary>
/// Declares the per-sample input shape at the start of a model, so the model is built (and
/// <c>Summary()</c> shows every shape) before any data is seen. It computes nothing.
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential(new Input(784), new Dense(25, Activation.Relu), new Dense(10));
/// model.Summary();   // prints shapes and parameter counts, before Fit
/// </code>
/// </example>
public sealed class Input : Layer
{
    private readonly int[] _shape;

    /// <summary>Creates the declaration.</summary>
    /// <param name="shape">The per-sample shape, without the batch axis: <c>784</c> for flat MNIST images.</param>
    /// <exception cref="ArgumentException">The shape is empty, has more than 3 axes, or a size that is not positive.</exception>
    public Input(params int[] shape)
        : base(null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length is 0 or >= Tensor.MaxRank || shape.Any(d => d <= 0))
        {
            throw new ArgumentException(
                $"Expected a per-sample shape of 1 to {Tensor.MaxRank - 1} positive sizes, without the batch axis; received {ShapeText.Format(shape)}.",
                nameof(shape));
        }

        _shape = (int[])shape.Clone();
        Build(_shape);
    }

    /// <summary>The declared per-sample shape.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The declared shape without a copy, for checks on the inference path.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <inheritdoc/>
    protected override string DefaultName => "input";

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context) => input;

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) => outputGradient;
}
