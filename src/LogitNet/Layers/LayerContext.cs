namespace LogitNet.Layers;

/// <summary>
/// What one layer needs while it runs in one execution context: the input and output of its last
/// forward pass, reusable buffers, and any per-pass state. A layer holds its configuration and
/// parameters; everything a pass writes lives here.
/// </summary>
/// <remarks>
/// <para>
/// A model gives each caller its own contexts (the training step has one, each concurrent
/// <c>Predict</c> or <c>Evaluate</c> call rents one from a pool), so one model serves any number of
/// threads at once. A context is used by one thread at a time.
/// </para>
/// <para>
/// Buffers are reused from pass to pass, so a warm pass allocates nothing: a tensor returned by
/// <see cref="Buffer"/> keeps its storage while the batch size does not grow, and its values are left
/// as the previous pass wrote them.
/// </para>
/// </remarks>
/// <example>
/// A layer that scales its input by a learned factor per feature reads the forward pass's input back in
/// its backward pass:
/// <code>
/// protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
/// {
///     Ops.Sum(Ops.Multiply(outputGradient, context.Input), axis: 0).AsSpan().CopyTo(_factor.Gradient.AsSpan());
///     return Ops.Multiply(outputGradient, _factor.Value);
/// }
/// </code>
/// </example>
public sealed class LayerContext
{
    private readonly List<BatchBuffer?> _buffers = [];
    private readonly List<int[]> _bufferShapes = [];
    private readonly Dictionary<Type, object> _states = [];
    private Tensor? _input;
    private Tensor? _output;

    internal LayerContext(Layer layer) => Layer = layer;

    /// <summary>Whether the current (or last) pass is a training pass: dropout is active and a backward pass may follow.</summary>
    public bool Training { get; private set; }

    /// <summary>The number of samples in the current (or last) pass.</summary>
    public int BatchSize { get; private set; }

    /// <summary>The input of this context's last forward pass: what a backward pass differentiates at.</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run in this context.</exception>
    public Tensor Input => _input ?? throw NoForwardPass();

    /// <summary>The output of this context's last forward pass (after its activation, if any).</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run in this context, or it has not returned yet.</exception>
    public Tensor Output => _output ?? throw NoForwardPass();

    /// <summary>The layer this context belongs to.</summary>
    internal Layer Layer { get; }

    /// <summary>
    /// The row of the caller's data this pass's first sample is, for messages that name a sample (a model's Predict and Evaluate
    /// run in slices); -1 for a training batch, whose rows are shuffled samples.
    /// </summary>
    internal int FirstRow { get; set; }

    /// <summary>Whether the next backward pass must compute dL/d(input); a model's training context turns it off for its first trained layer.</summary>
    internal bool NeedsInputGradient { get; set; } = true;

    /// <summary>
    /// Set on the last layer of a loss path whose loss takes the logits: a Dense layer ending in softmax or
    /// sigmoid then outputs its pre-activation (the fused, exact path). Never set for Predict.
    /// </summary>
    internal bool OutputLogits { get; set; }

    /// <summary>
    /// Where the layer may write its output for the current pass (a slice of the caller's result), or null.
    /// Layers that support it write straight there; the model copies from any other output.
    /// </summary>
    internal Tensor? OutputTarget { get; set; }

    /// <summary>Whether the last forward pass was a training pass with this batch size, so a backward pass may follow.</summary>
    internal bool HasTrainingPass => _input is not null && _output is not null && Training;

    /// <summary>A reusable tensor <c>[BatchSize, ...sampleShape]</c> for this context's passes; its values are left as they were.</summary>
    /// <param name="slot">The buffer's number, chosen by the layer (0, 1, ...): each slot is its own storage.</param>
    /// <param name="sampleShape">The per-sample shape.</param>
    /// <returns>The buffer for the current batch size.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is negative.</exception>
    public Tensor Buffer(int slot, ReadOnlySpan<int> sampleShape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        while (_buffers.Count <= slot)
        {
            _buffers.Add(null);
            _bufferShapes.Add([]);
        }

        BatchBuffer? buffer = _buffers[slot];
        if (buffer is null || !_bufferShapes[slot].AsSpan().SequenceEqual(sampleShape))
        {
            buffer = new BatchBuffer(sampleShape);
            _buffers[slot] = buffer;
            _bufferShapes[slot] = sampleShape.ToArray();
        }

        return buffer.For(BatchSize);
    }

    /// <summary>A per-layer object of type <typeparamref name="T"/> kept in this context, created on first use.</summary>
    /// <typeparam name="T">The state's type; one instance per type and context.</typeparam>
    /// <returns>The state.</returns>
    public T State<T>()
        where T : class, new()
    {
        if (_states.TryGetValue(typeof(T), out object? state))
        {
            return (T)state;
        }

        var created = new T();
        _states[typeof(T)] = created;
        return created;
    }

    /// <summary>The state of type <typeparamref name="T"/> if one was created, without creating it.</summary>
    internal T? ExistingState<T>()
        where T : class =>
        _states.TryGetValue(typeof(T), out object? state) ? (T)state : null;

    /// <summary>Starts a forward pass.</summary>
    internal void BeginForward(Tensor input, bool training)
    {
        _input = input;
        _output = null;
        Training = training;
        BatchSize = input.ShapeSpan[0];
    }

    /// <summary>Records the forward pass's output.</summary>
    internal void EndForward(Tensor output) => _output = output;

    /// <summary>Drops the references to the last pass's tensors (the caller's data), keeping the buffers.</summary>
    internal void Release()
    {
        _input = null;
        _output = null;
        OutputTarget = null;
    }

    private InvalidOperationException NoForwardPass() =>
        new($"Layer '{Layer.Name}': this context has no forward pass yet; run Forward first.");
}
