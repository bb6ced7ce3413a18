using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet;

/// <summary>
/// A stack of layers, each feeding the next: build, <see cref="Compile"/>, <see cref="Fit"/>,
/// <see cref="Evaluate"/> and <see cref="Predict(Tensor, int?)"/>, as Keras's <c>Sequential</c>.
/// </summary>
/// <remarks>
/// <para>
/// The model is built from the first data it sees, or earlier from an <see cref="Input"/> layer or
/// <see cref="Build"/>. Its layers take their initial weights from <see cref="Seed"/>, and training
/// shuffles with it too, so the same seed and data give bitwise-identical weights after
/// <see cref="Fit"/>, run after run.
/// </para>
/// <para>
/// From logits, by design: a classifier should end in a linear layer and be compiled with a loss
/// taking <c>fromLogits: true</c>; <see cref="PredictProba(Tensor, int?)"/> then applies the softmax or sigmoid
/// at inference. A model that ends in a softmax or sigmoid and is compiled with a
/// <c>fromLogits: false</c> loss is trained on the logits before that activation, through the
/// fused loss, and still predicts probabilities.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var model = new Sequential(
///     new Dense(25, Activation.Relu),
///     new Dense(15, Activation.Relu),
///     new Dense(10, Activation.Linear));            // outputs logits
/// model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f),
///               metrics: [Metrics.SparseCategoricalAccuracy]);
/// History history = model.Fit(x, y, epochs: 40, batchSize: 32, validationSplit: 0.2);
/// Tensor probabilities = model.PredictProba(xTest);
/// </code>
/// </example>
public sealed partial class Sequential
{
    private readonly List<Layer> _layers = [];
    private Compiled? _compiled;
    private Parameter[] _parameters = [];
    private int _firstTrainedLayer;
    private bool _isBuilt;

    /// <summary>Creates a model from layers, in order.</summary>
    /// <param name="layers">The layers; more can be added with <see cref="Add"/>.</param>
    /// <exception cref="ArgumentNullException">A layer is null.</exception>
    /// <exception cref="ArgumentException">A layer appears twice.</exception>
    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null)
            {
                throw new ArgumentNullException(nameof(layers), $"layers[{i}] is null; every entry must be a layer.");
            }

            Add(layers[i]);
        }
    }

    /// <summary>
    /// The layers, in order (an <see cref="Input"/> declaration included, as the first). Reading it changes nothing: a model
    /// that starts with an <see cref="Input"/> has its weights once <see cref="GetLayer"/>, <see cref="GetWeights"/>,
    /// <see cref="SetWeights"/>, <see cref="Summary"/>, <see cref="Build"/>, Fit or Predict has built it.
    /// </summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>
    /// The seed of the initial weights (each layer gets one derived from it and its position) and
    /// of the shuffling in <see cref="Fit"/>. Set it before the model is built.
    /// </summary>
    /// <exception cref="InvalidOperationException">Changed once the model is built: its weights were drawn with the old seed.</exception>
    public long Seed
    {
        get => _seed;
        set
        {
            if (IsBuilt && value != _seed)
            {
                // It used to be half applied: the weights kept the old seed, and the shuffling took the new one only if no
                // Fit had run yet.
                throw new InvalidOperationException(
                    $"Seed is set before the model is built; this model's weights were drawn with seed {_seed}. Set it when creating the model (new Sequential(...) {{ Seed = {value} }}), before Build, GetLayer, GetWeights, SetWeights, Summary, Fit or Predict.");
            }

            _seed = value;
        }
    }

    private long _seed;

    /// <summary>Whether the model is built: every layer has its shapes and weights, and the model knows its parameters.</summary>
    public bool IsBuilt
    {
        get => Volatile.Read(ref _isBuilt);
        private set => Volatile.Write(ref _isBuilt, value);
    }

    /// <summary>Set by a callback to end <see cref="Fit"/> after the current epoch (or batch, for <c>TerminateOnNaN</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Where progress lines and compile notes are written; <see cref="Console.Out"/> unless replaced.</summary>
    /// <exception cref="ArgumentNullException">Set to null (to silence the model, set <see cref="TextWriter.Null"/>).</exception>
    public TextWriter Log
    {
        get => _log;
        set => _log = value ?? throw new ArgumentNullException(nameof(value), "Log cannot be null; to silence the model's output set Log = TextWriter.Null.");
    }

    private TextWriter _log = Console.Out;

    /// <summary>The compiled loss, or null before <see cref="Compile"/>.</summary>
    public Loss? Loss => _compiled?.Loss;

    /// <summary>The compiled optimizer, or null before <see cref="Compile"/>.</summary>
    public Optimizer? Optimizer => _compiled?.Optimizer;

    /// <summary>The compiled metrics, updated without sample or class weights, as Keras's <c>metrics</c> (empty before <see cref="Compile"/>).</summary>
    public IReadOnlyList<Metric> Metrics => _compiled?.Metrics ?? [];

    /// <summary>The compiled weighted metrics, updated with the sample and class weights, as Keras's <c>weighted_metrics</c> (empty before <see cref="Compile"/>).</summary>
    public IReadOnlyList<Metric> WeightedMetrics => _compiled?.WeightedMetrics ?? [];

    /// <summary>The compiled metric whose value the logs hold under <paramref name="key"/> (without <c>val_</c>), or null.</summary>
    internal Metric? MetricLoggedAs(string key) =>
        _compiled is null ? null : Array.Find(_compiled.Logged, entry => entry.Key == key).Metric;

    /// <summary>All parameters of all layers, in layer order (empty until the model is built).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The layer with the given name, as Keras's <c>get_layer(name)</c>.</summary>
    /// <param name="name">The layer's name: the one given to its constructor, or the default the model gave it (<c>dense</c>, <c>dense_1</c>, ...).</param>
    /// <returns>The layer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">No layer has that name; the message lists the names there are.</exception>
    /// <example><c>model.GetLayer("layer1").SetWeights(w1, b1);</c></example>
    public Layer GetLayer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // A model that starts with an Input layer has its weights from the start, as in Keras.
        BuildFromInputLayer();
        return _layers.Find(layer => layer.Name == name)
            ?? throw new ArgumentException($"The model has no layer named '{name}'. Its layers: {string.Join(", ", _layers.Select(l => $"'{l.Name}'"))}.", nameof(name));
    }

    /// <summary>
    /// Copies of every layer's weights, layer after layer in Keras's order within each (a Dense's kernel, then its bias;
    /// a BatchNormalization's gamma, beta, moving mean and variance), as Keras's <c>model.get_weights()</c>.
    /// </summary>
    /// <returns>One new tensor per parameter; empty while the model is not built (one that starts with an <see cref="Input"/>
    /// is built by this call, as Keras builds it at once).</returns>
    /// <example><c>Tensor[] saved = model.GetWeights(); ...; model.SetWeights(saved);   // back to the saved weights</c></example>
    public Tensor[] GetWeights() => BuildFromInputLayer() ? _layers.SelectMany(layer => layer.GetWeights()).ToArray() : [];

    /// <summary>
    /// Replaces every layer's weights from one list, in the order <see cref="GetWeights"/> gives, as Keras's
    /// <c>model.set_weights(...)</c>: copy one model's weights to another of the same architecture. The values are copied,
    /// and every count and shape is checked before anything is written.
    /// </summary>
    /// <param name="weights">One tensor per parameter of the model, each shaped like it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> or one of its tensors is null.</exception>
    /// <exception cref="InvalidOperationException">The model is not built yet (its shapes are unknown): build it first.</exception>
    /// <exception cref="ArgumentException">The count or a shape differs; the message names the first that does.</exception>
    /// <example><c>copy.SetWeights(trained.GetWeights());</c></example>
    public void SetWeights(params Tensor[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!BuildFromInputLayer())
        {
            throw new InvalidOperationException(
                "The model is not built yet, so its weight shapes are unknown. Build it first (model.Build(features), or one Predict), then set the weights.");
        }

        IReadOnlyList<Parameter> parameters = _parameters;
        if (weights.Length != parameters.Count)
        {
            throw new ArgumentException(
                $"The model has {parameters.Count} weight tensors (GetWeights() lists them); received {weights.Length}.", nameof(weights));
        }

        for (int i = 0; i < weights.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(weights[i], $"{nameof(weights)}[{i}]");
            if (!weights[i].ShapeSpan.SequenceEqual(parameters[i].Value.ShapeSpan))
            {
                throw new ArgumentException(
                    $"weights[{i}] has shape {ShapeText.Format(weights[i].ShapeSpan)}; the model's weight {i} ({parameters[i].Name}) has shape {ShapeText.Format(parameters[i].Value.ShapeSpan)}. Nothing was written.",
                    nameof(weights));
            }
        }

        int next = 0;
        foreach (Layer layer in _layers)
        {
            int count = layer.Parameters.Count;
            if (count > 0)
            {
                layer.SetWeights(weights[next..(next + count)]);
                next += count;
            }
        }
    }

    /// <summary>
    /// Removes the last layer and returns it, as Keras's <c>pop()</c>: the transfer-learning step before a new head is
    /// added (<c>model.Pop(); model.Add(new Dense(3));</c>). The other layers keep their weights; <see cref="ClassNames"/>
    /// are cleared when they no longer fit the new output (a model whose input shape is not known yet keeps them until its
    /// build checks them).
    /// </summary>
    /// <returns>The removed layer.</returns>
    /// <exception cref="InvalidOperationException">The model is compiled (pop layers before compiling, as for <see cref="Add"/>), or has no layer to remove (an <see cref="Input"/> declaration is not one).</exception>
    public Layer Pop()
    {
        if (_compiled is not null)
        {
            throw new InvalidOperationException("Pop layers before Compile: the loss and optimizer are bound to the model's layers.");
        }

        if (_layers.Count == 0 || _layers[^1] is Input)
        {
            throw new InvalidOperationException("The model has no layer to pop.");
        }

        lock (_buildLock)
        {
            // Built first when it can be (a model starting with Input), so ClassNames are judged against the output either way.
            BuildFromInputLayer();
            Layer last = _layers[^1];
            _layers.RemoveAt(_layers.Count - 1);
            IsBuilt = false;
            _parameters = [];
            ResetContexts();
            if (_layers.Count > 0 && _layers.TrueForAll(layer => layer.IsBuilt))
            {
                if (_classNames is not null && ClassNamesProblem(_classNames, OutputUnits()) is not null)
                {
                    _classNames = null;
                }

                Build(_layers[0].InputShape);
            }
            else if (_layers.Count == 0)
            {
                _classNames = null;
            }

            return last;
        }
    }

    /// <summary>Appends a layer.</summary>
    /// <param name="layer">The layer. A layer named by default (<c>dense</c>) whose name is taken gets a numeric suffix
    /// (<c>dense_1</c>, ...); a name given to its constructor must be unique in the model, as Keras requires.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">The layer is already in the model, or its given name is another layer's.</exception>
    /// <exception cref="InvalidOperationException">The model is compiled; add layers before compiling.</exception>
    public void Add(Layer layer) => AddLayer(layer, renameGivenName: false);

    /// <summary>Appends a layer; <paramref name="renameGivenName"/> suffixes a taken name even when it was given (Keras files,
    /// whose names repeat across nested models).</summary>
    internal void AddLayer(Layer layer, bool renameGivenName)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_compiled is not null)
        {
            throw new InvalidOperationException("Add layers before Compile: the loss and optimizer are bound to the model's layers.");
        }

        if (_layers.Contains(layer))
        {
            throw new ArgumentException($"Layer '{layer.Name}' is already in this model; create a new layer to repeat it.", nameof(layer));
        }

        if (layer.NameGiven && !renameGivenName && _layers.FindIndex(l => l.Name == layer.Name) is var taken and >= 0)
        {
            throw new ArgumentException(
                $"Layer {_layers.Count} is named '{layer.Name}', the name of layer {taken} of this model; names must be unique within a model, as in Keras. Pass another name, or none for an automatic one ({layer.Name}_1, ...).",
                nameof(layer));
        }

        string baseName = layer.Name;
        for (int suffix = 1; _layers.Exists(l => l.Name == layer.Name); suffix++)
        {
            layer.Name = $"{baseName}_{suffix}";
        }

        _layers.Add(layer);
        IsBuilt = false;
        if (layer.IsBuilt && _layers.Count > 1 && _layers[^2].IsBuilt && !_layers[^2].OutputShapeSpan.SequenceEqual(layer.InputShape))
        {
            _layers.RemoveAt(_layers.Count - 1);
            throw new ArgumentException(
                $"Layer '{layer.Name}' was built for samples of shape {ShapeText.Format(layer.InputShape)}, but the layer before it outputs {ShapeText.Format(_layers[^1].OutputShapeSpan)}.",
                nameof(layer));
        }
    }

    /// <summary>Builds every layer for a per-sample input shape.</summary>
    /// <param name="inputShape">The per-sample input shape, without the batch axis: <c>784</c> for flat MNIST. None, for a
    /// model that starts with an <see cref="Input"/> layer: its declared shape.</param>
    /// <exception cref="InvalidOperationException">The model has no layers, was built for another shape, or has
    /// <see cref="ClassNames"/> that do not match its output.</exception>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public void Build(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (_layers.Count == 0)
        {
            throw new InvalidOperationException("The model has no layers: pass them to the constructor or call Add.");
        }

        if (inputShape.Length == 0 && _layers[0] is Input declared)
        {
            inputShape = declared.Shape;
        }

        lock (_buildLock)
        {
            if (IsBuilt && _layers[0].InputShape.AsSpan().SequenceEqual(inputShape))
            {
                return;
            }

            int[] shape = inputShape;
            for (int i = 0; i < _layers.Count; i++)
            {
                Layer layer = _layers[i];
                layer.BuildSeeded(shape, unchecked(Seed * 1_000_003 + i + 1));
                shape = layer.OutputShape;
            }

            _parameters = _layers.SelectMany(l => l.Parameters).ToArray();
            _firstTrainedLayer = Math.Max(0, _layers.FindIndex(l => l.Parameters.Count > 0));
            CheckClassNamesFitOutput();
            ResetContexts();
            IsBuilt = true;
        }
    }

    /// <summary>Builds the model from its <see cref="Input"/> layer if it starts with one and is not built yet.</summary>
    /// <returns>Whether the model is built.</returns>
    private bool BuildFromInputLayer()
    {
        if (!IsBuilt && _layers.Count > 0 && _layers[0] is Input input)
        {
            Build(input.Shape);
        }

        return IsBuilt;
    }

    /// <summary>Chooses the loss, the optimizer and the metrics for training.</summary>
    /// <param name="loss">The loss, such as <c>new SparseCategoricalCrossentropy(fromLogits: true)</c>.</param>
    /// <param name="optimizer">The optimizer, such as <c>new Adam(0.001f)</c>; it becomes bound to this model.</param>
    /// <param name="metrics">Metrics to report beside the loss, such as <c>[Metrics.SparseCategoricalAccuracy]</c>. As Keras's
    /// <c>metrics</c>, they count every sample alike: the <c>sampleWeight</c> and <c>classWeight</c> of <c>Fit</c> and
    /// <c>Evaluate</c> do not reach them.</param>
    /// <param name="weightedMetrics">Metrics weighted by the <c>sampleWeight</c> and <c>classWeight</c> of <c>Fit</c> and
    /// <c>Evaluate</c>, as Keras's <c>weighted_metrics</c>. A name already taken is logged with a <c>weighted_</c> prefix:
    /// <c>metrics: [Metrics.Accuracy]</c> with <c>weightedMetrics: [Metrics.Accuracy]</c> logs <c>accuracy</c> and
    /// <c>weighted_accuracy</c>. Without weights they give the unweighted values.</param>
    /// <remarks>A name repeated within <paramref name="metrics"/> is logged as Keras logs it, with <c>_1</c>, <c>_2</c>, ….</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="loss"/> or <paramref name="optimizer"/> is null, or a metrics list holds a null.</exception>
    /// <exception cref="ArgumentException">One metric object appears twice: each place needs its own instance, since a metric accumulates.</exception>
    /// <exception cref="InvalidOperationException">The model has no layers.</exception>
    public void Compile(Loss loss, Optimizer optimizer, IReadOnlyList<Metric>? metrics = null, IReadOnlyList<Metric>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_layers.Count == 0)
        {
            throw new InvalidOperationException("The model has no layers: add them before Compile.");
        }

        Metric[] metricArray = CheckMetrics(metrics, nameof(metrics));
        Metric[] weightedArray = CheckMetrics(weightedMetrics, nameof(weightedMetrics));
        var seen = new HashSet<Metric>(ReferenceEqualityComparer.Instance);
        foreach (Metric metric in metricArray.Concat(weightedArray))
        {
            if (!seen.Add(metric))
            {
                throw new ArgumentException(
                    $"The metric object '{metric.Name}' ({metric.GetType().Name}) is given twice. A metric accumulates its batches, so each place needs its own instance: pass a new one (for example Metrics.Accuracy again).",
                    weightedArray.Contains(metric) ? nameof(weightedMetrics) : nameof(metrics));
            }
        }

        _compiled = Compiled.Create(this, loss, optimizer, metricArray, weightedArray);
    }

    private static Metric[] CheckMetrics(IReadOnlyList<Metric>? metrics, string argument)
    {
        Metric[] array = metrics?.ToArray() ?? [];
        int index = Array.IndexOf(array, null);
        if (index >= 0)
        {
            throw new ArgumentNullException(argument, $"The {argument} list holds a null at index {index}.");
        }

        return array;
    }
}
