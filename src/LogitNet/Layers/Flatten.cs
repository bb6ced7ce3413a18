namespace LogitNet.Layers;

/// <summary>
/// Flattens each sample to one axis, <c>[batch, d1, d2, ...]</c> to <c>[batch, d1·d2·...]</c>, as
/// Keras's <c>Flatten</c> (channels last): a view of the same values, no copy.
/// </summary>
/// <example><c>new Sequential(new Input(28, 28), new Flatten(), new Dense(10))</c></example>
public sealed class Flatten : Layer
{
    private int _features;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name, or null for <c>flatten</c>.</param>
    public Flatten(string? name = null)
        : base(name)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "flatten";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        long features = 1;
        foreach (int size in inputShape)
        {
            features *= size;
        }

        if (features > int.MaxValue)
        {
            throw new ArgumentException($"Layer '{Name}': samples of shape {ShapeText.Format(inputShape)} hold more than {int.MaxValue} values.", nameof(inputShape));
        }

        _features = (int)features;
        return [_features];
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context) => input.Reshape(input.ShapeSpan[0], _features);

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) => outputGradient.Reshape([outputGradient.ShapeSpan[0], .. InputShape]);
}
