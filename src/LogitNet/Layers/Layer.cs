namespace LogitNet.Layers;

/// <summary>
/// The base of every layer: a function of a batch with a hand-written backward pass. A layer holds its
/// configuration and its parameters; what a pass writes lives in a <see cref="LayerContext"/>.
/// </summary>
/// <remarks>
/// <para>
/// Shapes: the first axis of every tensor is the batch; <see cref="InputShape"/> and
/// <see cref="OutputShape"/> are per-sample shapes without it. A layer is built once, from the
/// first input shape it sees (or from <see cref="Build"/>), and then accepts only that sample shape.
/// </para>
/// <para>
/// To write a custom layer, override <see cref="BuildCore"/> (create parameters with
/// <see cref="AddParameter"/> and return the output shape), <see cref="ForwardCore"/> and
/// <see cref="BackwardCore"/>. The backward pass receives dL/d(output) for the batch of the context's
/// last forward pass (<see cref="LayerContext.Input"/> and <see cref="LayerContext.Output"/> hold
/// that pass's tensors), writes dL/d(parameter) into each <see cref="Parameter.Gradient"/>
/// (overwriting), and returns dL/d(input). Check it with <see cref="GradientCheck"/>.
/// </para>
/// <para>
/// The contract that makes one model safe to share between threads: <see cref="ForwardCore"/> and
/// <see cref="BackwardCore"/> write no field of the layer. Anything a pass keeps — saved activations,
/// output buffers, random generators — goes in the context (<see cref="LayerContext.Buffer"/>,
/// <see cref="LayerContext.State{T}"/>). Only a training pass writes the parameters' gradients, and a
/// model trains one batch at a time.
/// </para>
/// <para>
/// <see cref="Forward"/> and <see cref="Backward"/> called on a layer directly (tests, experiments) run
/// in the layer's own context, one caller at a time; a tensor they return may be overwritten by the
/// next call (call <see cref="Tensor.Clone"/> to keep it). Models give each caller a context of its own.
/// </para>
/// </remarks>
/// <example>
/// A layer that scales its input by a learned factor per feature:
/// <code>
/// sealed class Scale : Layer
/// {
///     private Parameter _factor = null!;
///     public Scale() : base(null) { }
///     protected override int[] BuildCore(int[] inputShape)
///     {
///         _factor = AddParameter("factor", Tensor.Ones(inputShape));
///         return inputShape;
///     }
///     protected override Tensor ForwardCore(Tensor input, LayerContext context) =>
///         Ops.Multiply(input, _factor.Value);
///     protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
///     {
///         Ops.Sum(Ops.Multiply(outputGradient, context.Input), axis: 0).AsSpan().CopyTo(_factor.Gradient.AsSpan());
///         return Ops.Multiply(outputGradient, _factor.Value);
///     }
/// }
/// </code>
/// </example>
public abstract class Layer
{
    private readonly List<Parameter> _parameters = [];
    private readonly Lock _buildGate = new();
    private int[]? _inputShape;
    private int[]? _outputShape;
    private LayerContext? _ownContext;
    private bool _trainable = true;

    // Even while no Fit trains the layer, odd while one does; every Fit that trains it adds 2. The gate lives on the layer,
    // not the model, because a layer may sit in more than one model: a model's inference call reads its layers' versions
    // before and after its pass, so a Fit of any model holding one of them refuses it.
    private int _trainingVersion;
    private int _trainingThread;

    /// <summary>Creates a layer.</summary>
    /// <param name="name">The layer's name; when null, a model names it after its type (<c>dense</c>, <c>dense_1</c>, ...).</param>
    protected Layer(string? name)
    {
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        Name = name ?? DefaultName;
        NameGiven = name is not null;
    }

    /// <summary>Whether the name was given to the constructor (a model refuses a second layer of that name) rather than
    /// the default (which a model suffixes when taken).</summary>
    internal bool NameGiven { get; }

    /// <summary>The layer's name, unique within a model.</summary>
    public string Name { get; internal set; }

    /// <summary>Whether the layer has been built (its shapes and parameters exist).</summary>
    public bool IsBuilt => Volatile.Read(ref _outputShape) is not null;

    /// <summary>The per-sample input shape (without the batch axis).</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public int[] InputShape => (int[])(_inputShape ?? throw NotBuilt()).Clone();

    /// <summary>The per-sample output shape (without the batch axis).</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public int[] OutputShape => (int[])(_outputShape ?? throw NotBuilt()).Clone();

    /// <summary>The layer's parameters, in creation order (empty before the layer is built).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The number of values in all parameters.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Value.Length);

    /// <summary>
    /// Whether training updates this layer's parameters, as Keras's <c>layer.trainable</c>. Setting it
    /// freezes or unfreezes every weight of the layer (and those it creates when built later), but never its state
    /// (<see cref="Parameter.IsState"/>: moving statistics stay frozen); a frozen layer's regularizers add nothing to the
    /// loss, and a frozen <see cref="BatchNormalization"/> normalizes with its moving statistics in training too, as in Keras.
    /// </summary>
    /// <example><c>model.GetLayer("features").Trainable = false;   // fine-tune only the layers above</c></example>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (Parameter parameter in _parameters)
            {
                // A layer's state (moving statistics, adapted means) is never trained, whatever the layer's flag says.
                if (!parameter.IsState)
                {
                    parameter.Trainable = value;
                }
            }
        }
    }

    /// <summary>
    /// Copies of the layer's weights in Keras's order (for <see cref="Dense"/>: kernel, then bias), as
    /// Keras's <c>get_weights()</c>.
    /// </summary>
    /// <returns>One new tensor per parameter; empty for a layer without parameters or not built yet.</returns>
    /// <example><c>Tensor[] w = model.GetLayer("layer1").GetWeights();   // [kernel [2, 3], bias [3]]</c></example>
    public Tensor[] GetWeights() => _parameters.Select(p => p.Value.Clone()).ToArray();

    /// <summary>
    /// Replaces the layer's weights, in Keras's order (for <see cref="Dense"/>: kernel, then bias), as
    /// Keras's <c>set_weights([...])</c>. The values are copied; the shapes must match exactly.
    /// </summary>
    /// <param name="weights">One tensor per parameter, each shaped like it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> or one of its tensors is null.</exception>
    /// <exception cref="InvalidOperationException">The layer is not built yet (its shapes are unknown): build the model first.</exception>
    /// <exception cref="ArgumentException">The count or a shape differs; the message lists what the layer expects.</exception>
    /// <example>
    /// <code>
    /// model.GetLayer("layer1").SetWeights(
    ///     Tensor.FromArray(new float[,] { { -8.94f, 0.29f, 12.89f }, { -0.17f, -7.34f, 10.79f } }),   // kernel [2, 3]
    ///     Tensor.FromArray([-9.87f, -9.28f, 1.01f], 3));                                            // bias [3]
    /// </code>
    /// </example>
    public void SetWeights(params Tensor[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!IsBuilt)
        {
            throw new InvalidOperationException(
                $"Layer '{Name}' is not built yet, so its weight shapes are unknown. Build the model first: model.Build(features), or model.Build() for a model that starts with an Input layer (model.GetLayer(name) builds it too), or one Predict; then set the weights.");
        }

        string expected = _parameters.Count == 0
            ? "no weights"
            : string.Join(", ", _parameters.Select(p => $"{p.Name[(p.Name.LastIndexOf('/') + 1)..]} {ShapeText.Format(p.Value.ShapeSpan)}"));
        if (weights.Length != _parameters.Count)
        {
            throw new ArgumentException(
                $"Layer '{Name}' has {_parameters.Count} weight tensors ({expected}); received {weights.Length}. Pass them in this order.",
                nameof(weights));
        }

        for (int i = 0; i < weights.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(weights[i], $"{nameof(weights)}[{i}]");
            if (!weights[i].ShapeSpan.SequenceEqual(_parameters[i].Value.ShapeSpan))
            {
                throw new ArgumentException(
                    $"Layer '{Name}': weights[{i}] has shape {ShapeText.Format(weights[i].ShapeSpan)}, but {_parameters[i].Name} is {ShapeText.Format(_parameters[i].Value.ShapeSpan)} (the layer expects {expected}).",
                    nameof(weights));
            }
        }

        for (int i = 0; i < weights.Length; i++)
        {
            weights[i].AsSpan().CopyTo(_parameters[i].Value.AsSpan());
        }
    }

    /// <summary>
    /// The seed for the layer's random initialisation and any randomness it uses (dropout masks).
    /// A model sets it from its own seed and the layer's position, so the same model seed gives
    /// the same weights.
    /// </summary>
    public long Seed { get; set; }

    /// <summary>A short description for summaries: the type's name, lower-case, such as <c>dense</c>.</summary>
    protected virtual string DefaultName => ToSnakeCase(GetType().Name);

    /// <summary>Whether the input is integer ids rather than values (an <see cref="Embedding"/>): it has no derivative to check.</summary>
    internal virtual bool TakesIds => false;

    internal ReadOnlySpan<int> OutputShapeSpan => _outputShape ?? throw NotBuilt();

    internal ReadOnlySpan<int> InputShapeSpan => _inputShape ?? throw NotBuilt();

    /// <summary>Builds the layer for a per-sample input shape: creates its parameters and fixes its output shape.</summary>
    /// <param name="inputShape">The per-sample input shape, without the batch axis (at most 3 axes).</param>
    /// <exception cref="ArgumentNullException"><paramref name="inputShape"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape is invalid for this layer.</exception>
    /// <exception cref="InvalidOperationException">The layer was already built for another shape.</exception>
    public void Build(params int[] inputShape) => BuildSeeded(inputShape, seedIfUnbuilt: null);

    /// <summary>
    /// <see cref="Build"/>, first setting <see cref="Seed"/> to <paramref name="seedIfUnbuilt"/> (when given) if the layer
    /// is not built yet: a model seeds each layer it builds, and under the layer's lock a layer shared with another
    /// model being built at once takes the seed of the model that builds it, never a mix.
    /// </summary>
    internal void BuildSeeded(int[] inputShape, long? seedIfUnbuilt)
    {
        ArgumentNullException.ThrowIfNull(inputShape);

        // A layer may sit in two models that two threads build at once, and each model locks only itself: without this
        // lock both threads would run BuildCore and the layer would end with its weights twice. The output shape is
        // published last, with a release, and read by IsBuilt with an acquire, so a thread that finds the layer built
        // without the lock sees its weights too (Arm may otherwise make a later store visible first).
        lock (_buildGate)
        {
            if (_inputShape is not null)
            {
                if (!_inputShape.AsSpan().SequenceEqual(inputShape))
                {
                    throw new InvalidOperationException(
                        $"Layer '{Name}' was built for samples of shape {ShapeText.Format(_inputShape)} and cannot take {ShapeText.Format(inputShape)}.");
                }

                return;
            }

            if (inputShape.Length is 0 or >= Tensor.MaxRank || inputShape.Any(d => d <= 0))
            {
                throw new ArgumentException(
                    $"Layer '{Name}': expected a per-sample shape of 1 to {Tensor.MaxRank - 1} positive sizes (the batch axis comes on top); received {ShapeText.Format(inputShape)}.",
                    nameof(inputShape));
            }

            if (seedIfUnbuilt is { } seed)
            {
                Seed = seed;
            }

            int[] outputShape = BuildCore((int[])inputShape.Clone());
            _inputShape = (int[])inputShape.Clone();
            Volatile.Write(ref _outputShape, (int[])outputShape.Clone());
        }
    }

    /// <summary>Runs the layer on a batch in the layer's own context, building it first if needed.</summary>
    /// <param name="input">A batch: shape <c>[batch, ...InputShape]</c>.</param>
    /// <param name="training">Whether this is a training pass (dropout is active, and <see cref="Backward"/> may follow).</param>
    /// <returns>The output batch, <c>[batch, ...OutputShape]</c>; see the remarks on buffer reuse.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">The input's per-sample shape differs from the one the layer was built for.</exception>
    public Tensor Forward(Tensor input, bool training = false) => ForwardIn(OwnContext, input, training);

    /// <summary>Runs the backward pass for the last training forward pass of <see cref="Forward"/> (the layer's own context).</summary>
    /// <param name="outputGradient">dL/d(output), shape <c>[batch, ...OutputShape]</c> of that pass.</param>
    /// <returns>dL/d(input), shape <c>[batch, ...InputShape]</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="outputGradient"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No training forward pass came before.</exception>
    /// <exception cref="ArgumentException">The gradient's shape differs from the last output's.</exception>
    public Tensor Backward(Tensor outputGradient) => BackwardIn(OwnContext, outputGradient);

    /// <summary>The context that direct calls of <see cref="Forward"/> and <see cref="Backward"/> use.</summary>
    internal LayerContext OwnContext => _ownContext ??= new LayerContext(this);

    /// <summary>A new context for this layer: one per caller that runs it.</summary>
    internal LayerContext CreateContext() => new(this);

    /// <summary>The layer's training version: odd while a Fit trains it (see <see cref="TryEnterTraining"/>).</summary>
    internal int TrainingVersion => Volatile.Read(ref _trainingVersion);

    /// <summary>Whether <paramref name="version"/>, read from <see cref="TrainingVersion"/>, is a Fit's on a thread other than this one.</summary>
    internal bool IsTrainedElsewhere(int version) =>
        (version & 1) != 0 && Volatile.Read(ref _trainingThread) != Environment.CurrentManagedThreadId;

    /// <summary>Marks the layer as trained by the calling thread's Fit; false, changing nothing, if a Fit already trains it.</summary>
    internal bool TryEnterTraining()
    {
        int version = Volatile.Read(ref _trainingVersion);
        if ((version & 1) != 0 || Interlocked.CompareExchange(ref _trainingVersion, version + 1, version) != version)
        {
            return false;
        }

        Volatile.Write(ref _trainingThread, Environment.CurrentManagedThreadId);
        return true;
    }

    /// <summary>Ends <see cref="TryEnterTraining"/>: the version moves on, so an inference call that overlapped the Fit sees it.</summary>
    internal void ExitTraining()
    {
        Volatile.Write(ref _trainingThread, 0);
        Interlocked.Increment(ref _trainingVersion);
    }

    /// <summary>Runs the layer on a batch in <paramref name="context"/>, building it first if needed.</summary>
    internal Tensor ForwardIn(LayerContext context, Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
        {
            throw new ArgumentException(
                $"Layer '{Name}' takes a batch with the samples on axis 0, shape [batch, features, ...]; received {ShapeText.Format(input.ShapeSpan)}. Reshape a single sample to [1, ...].",
                nameof(input));
        }

        ReadOnlySpan<int> sampleShape = input.ShapeSpan[1..];
        if (!IsBuilt)
        {
            Build(sampleShape.ToArray());
        }
        else if (!sampleShape.SequenceEqual(_inputShape!))
        {
            throw new ArgumentException(
                $"Layer '{Name}' expects samples of shape {ShapeText.Format(_inputShape)}; received a batch of shape {ShapeText.Format(input.ShapeSpan)}.",
                nameof(input));
        }

        context.BeginForward(input, training);
        Tensor output = ForwardCore(input, context);
        context.EndForward(output);
        return output;
    }

    /// <summary>Runs the backward pass for the last training forward pass in <paramref name="context"/>.</summary>
    internal Tensor BackwardIn(LayerContext context, Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!context.HasTrainingPass || _outputShape is null)
        {
            throw new InvalidOperationException(
                $"Layer '{Name}': Backward needs a Forward(input, training: true) on the same batch first.");
        }

        ReadOnlySpan<int> shape = outputGradient.ShapeSpan;
        int batch = context.BatchSize;
        if (shape.Length != _outputShape.Length + 1 || shape[0] != batch || !shape[1..].SequenceEqual(_outputShape))
        {
            throw new ArgumentException(
                $"Layer '{Name}': expected an output gradient of shape [{batch}, {string.Join(", ", _outputShape)}] (the last output); received {ShapeText.Format(shape)}.",
                nameof(outputGradient));
        }

        return BackwardCore(outputGradient, context);
    }

    /// <summary>A one-line description: name and shapes.</summary>
    /// <returns>For example <c>dense [784] -> [25]</c>.</returns>
    public override string ToString() =>
        IsBuilt ? $"{Name} {ShapeText.Format(_inputShape!)} -> {ShapeText.Format(_outputShape!)}" : $"{Name} (not built)";

    /// <summary>Creates the layer's parameters for a per-sample input shape and returns the per-sample output shape.</summary>
    /// <param name="inputShape">The per-sample input shape (a copy the layer may keep).</param>
    /// <returns>The per-sample output shape.</returns>
    protected virtual int[] BuildCore(int[] inputShape) => inputShape;

    /// <summary>Computes the output for a batch whose shape has been checked. Writes no field of the layer.</summary>
    /// <param name="input">The batch.</param>
    /// <param name="context">This caller's context: <see cref="LayerContext.Training"/>, buffers and state.</param>
    /// <returns>The output batch: a new tensor, a context buffer, or a view of the input.</returns>
    protected abstract Tensor ForwardCore(Tensor input, LayerContext context);

    /// <summary>Computes dL/d(input) and writes the parameters' gradients, for the context's last training batch.</summary>
    /// <param name="outputGradient">dL/d(output), its shape checked.</param>
    /// <param name="context">The context of the forward pass: <see cref="LayerContext.Input"/> and <see cref="LayerContext.Output"/>.</param>
    /// <returns>dL/d(input).</returns>
    protected abstract Tensor BackwardCore(Tensor outputGradient, LayerContext context);

    /// <summary>Creates a parameter owned by this layer, named <c>layer/name</c>.</summary>
    /// <param name="name">The parameter's short name, such as <c>kernel</c>.</param>
    /// <param name="value">Its initial value.</param>
    /// <param name="trainable">False for the layer's state rather than a weight (Keras's <c>add_weight(trainable=False)</c>,
    /// such as moving statistics): it is created frozen and stays frozen when <see cref="Trainable"/> is set
    /// (<see cref="Parameter.IsState"/>).</param>
    /// <returns>The parameter.</returns>
    protected Parameter AddParameter(string name, Tensor value, bool trainable = true)
    {
        var parameter = new Parameter($"{Name}/{name}", value) { Trainable = trainable && _trainable, IsState = !trainable };
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>
    /// Creates a learned weight as the built-in layers do (Keras's <c>add_weight</c>): cache-line-aligned storage
    /// filled by <paramref name="initializer"/> from <paramref name="seed"/>, with <paramref name="regularizer"/>'s penalty.
    /// </summary>
    /// <param name="name">The weight's short name, such as <c>kernel</c>.</param>
    /// <param name="shape">The weight's shape; the initializer's fans come from it.</param>
    /// <param name="initializer">How the weight starts.</param>
    /// <param name="seed">The draws' seed: the layer's <see cref="Seed"/> for its first weight, a seed derived from it
    /// (<c>Initializers.Sampling.BiasSeed</c>) for the bias, so the two do not start with the same values.</param>
    /// <param name="regularizer">A penalty on the weight, or null.</param>
    /// <returns>The parameter.</returns>
    private protected Parameter AddWeight(string name, int[] shape, Initializers.Initializer initializer, long seed, Regularizers.Regularizer? regularizer)
    {
        // Aligned storage: the optimizer's step cuts large parameters into fixed pieces (Optimizer's Pieces), each starting on a cache line.
        Tensor value = Tensor.ZerosAligned(shape);
        initializer.FillInto(value, seed);
        Parameter parameter = AddParameter(name, value);
        parameter.Regularizer = regularizer;
        return parameter;
    }

    private InvalidOperationException NotBuilt() =>
        new($"Layer '{Name}' is not built yet: give it an input (Forward), call Build(inputShape), or put an Input layer first in the model.");

    private static string ToSnakeCase(string typeName)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(typeName[i - 1]))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
