namespace LogitNet.Layers;

/// <summary>
/// Gives each sample another shape with the same number of values, as Keras's <c>Reshape</c>: a
/// view of the same values in the same (row-major) order, no copy.
/// </summary>
/// <example><c>new Sequential(new Input(784), new Reshape(28, 28), new Flatten())</c></example>
public sealed class Reshape : Layer
{
    private readonly int[] _targetShape;
    private int[] _resolved = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="targetShape">The per-sample shape, without the batch axis; one size may be -1, inferred from the sample's value count.</param>
    /// <exception cref="ArgumentException">The shape is empty, has more than 3 axes, a size below -1 or 0, or more than one -1.</exception>
    public Reshape(params int[] targetShape)
        : this(targetShape, null)
    {
    }

    /// <summary>Creates the layer with a name.</summary>
    /// <param name="targetShape">The per-sample shape; one size may be -1.</param>
    /// <param name="name">The layer's name, or null for <c>reshape</c>.</param>
    /// <exception cref="ArgumentException">The shape is invalid (see the other constructor).</exception>
    public Reshape(int[] targetShape, string? name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Length is 0 or >= Tensor.MaxRank || targetShape.Any(d => d == 0 || d < -1) || targetShape.Count(d => d == -1) > 1)
        {
            throw new ArgumentException(
                $"Expected a per-sample target shape of 1 to {Tensor.MaxRank - 1} positive sizes, one of which may be -1; received {ShapeText.Format(targetShape)}.",
                nameof(targetShape));
        }

        _targetShape = (int[])targetShape.Clone();
    }

    /// <summary>The target shape as given (with its -1, if any).</summary>
    public int[] TargetShape => (int[])_targetShape.Clone();

    /// <inheritdoc/>
    protected override string DefaultName => "reshape";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        long values = inputShape.Aggregate(1L, (p, d) => p * d);
        long known = _targetShape.Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
        int[] resolved = (int[])_targetShape.Clone();
        int open = Array.IndexOf(resolved, -1);
        if (open >= 0 && known > 0 && values % known == 0)
        {
            resolved[open] = (int)(values / known);
            known = values;
        }

        if (known != values)
        {
            throw new ArgumentException(
                $"Layer '{Name}' cannot reshape samples of shape {ShapeText.Format(inputShape)} ({values} values) to {ShapeText.Format(_targetShape)}.",
                nameof(inputShape));
        }

        _resolved = resolved;
        return resolved;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context) => input.Reshape([input.ShapeSpan[0], .. _resolved]);

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) => outputGradient.Reshape([outputGradient.ShapeSpan[0], .. InputShape]);
}
