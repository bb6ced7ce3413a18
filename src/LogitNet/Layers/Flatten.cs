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
    protected override Tensor ForwardCore(Tensor input, LayerContext context) =>
        context.State<Views>().Forward.Of(input, [_features]);

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) =>
        context.State<Views>().Backward.Of(outputGradient, InputShapeSpan);

    /// <summary>
    /// The last view made of each direction's tensor: the tensors a model hands over are its reused buffers, so a
    /// warm step finds the same tensor again and allocates no new view.
    /// </summary>
    private sealed class Views
    {
        public ViewCache Forward { get; } = new();

        public ViewCache Backward { get; } = new();
    }

    private sealed class ViewCache
    {
        private Tensor? _source;
        private Tensor? _view;

        public Tensor Of(Tensor source, ReadOnlySpan<int> sampleShape)
        {
            // A tensor's shape and storage never change, so the same object gives the same view.
            if (!ReferenceEquals(source, _source))
            {
                _view = source.Reshape([source.ShapeSpan[0], .. sampleShape]);
                _source = source;
            }

            return _view!;
        }
    }
}
