using System.Globalization;
using System.Text.Json;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization;

/// <summary>
/// The architecture and compile settings of a <see cref="Sequential"/> as JSON (<c>config.json</c>
/// in a saved model), in Keras's vocabulary: <c>class_name</c> and a <c>config</c> per layer, loss
/// and optimizer, snake_case keys.
/// </summary>
/// <remarks>
/// Reading validates every value and computes the parameter count the architecture implies before
/// any layer is built, so a crafted config cannot make the loader allocate more than the weights
/// file can hold.
/// </remarks>
internal static partial class ModelConfig
{
    public const string Format = "logitnet.sequential";
    public const int FormatVersion = 1;

    /// <summary>The most units or features a loaded layer may declare (2^24).</summary>
    private const int MaxSize = 1 << 24;

    public static byte[] Write(Sequential model)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("logitnet_version", typeof(Sequential).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
            json.WriteNumber("seed", model.Seed);
            json.WriteStartArray("input_shape");
            foreach (int size in model.Layers[0].InputShape)
            {
                json.WriteNumberValue(size);
            }

            json.WriteEndArray();
            json.WriteStartArray("layers");
            foreach (Layer layer in model.Layers)
            {
                WriteLayer(json, layer);
            }

            json.WriteEndArray();
            WriteClassNames(json, model.ClassNames);

            // Frozen parameters change what the next Fit does, so they are part of the model (Keras keeps
            // a layer's "trainable"; LogitNet freezes single parameters, so it lists them).
            json.WriteStartArray("frozen_parameters");
            foreach (Parameter parameter in model.Parameters)
            {
                if (!parameter.Trainable)
                {
                    json.WriteStringValue(parameter.Name);
                }
            }

            json.WriteEndArray();
            if (model.Loss is { } loss && model.Optimizer is { } optimizer)
            {
                json.WriteStartObject("compile");
                WriteLoss(json, loss);
                WriteOptimizer(json, optimizer);
                json.WriteStartArray("metrics");
                foreach (Metric metric in model.Metrics)
                {
                    WriteMetric(json, metric);
                }

                json.WriteEndArray();

                // Written only when there are any, so files without them stay as they were and older readers read them.
                if (model.WeightedMetrics.Count > 0)
                {
                    json.WriteStartArray("weighted_metrics");
                    foreach (Metric metric in model.WeightedMetrics)
                    {
                        WriteMetric(json, metric);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("compile");
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Parses and checks a config; returns the model (not yet built), the parameter bytes it implies,
    /// what to set once it is built (dropout seeds, frozen parameters), and how to compile it.
    /// </summary>
    public static (Sequential Model, int[] InputShape, long ParameterBytes, Action<Sequential> AfterBuild, Action<Sequential>? Compile) Read(
        ReadOnlySpan<byte> config, string file)
    {
        // As in SafeTensors: the JSON reader checks the text of strings only when they are read.
        if (!System.Text.Unicode.Utf8.IsValid(config))
        {
            throw new DataFormatException("config.json is not valid UTF-8 text.", file, "config.json");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(config.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"config.json is not valid JSON: {e.Message}", file, "config.json", e.BytePositionInLine, innerException: e);
        }

        using (document)
        {
            var reader = new Reader(document.RootElement, file);
            string format = reader.String("format");
            if (format != Format)
            {
                throw reader.Error($"Expected format '{Format}'; this file says '{format}'. It is not a LogitNet Sequential model.");
            }

            int version = reader.Int("format_version", 1, int.MaxValue);
            if (version > FormatVersion)
            {
                throw reader.Error($"This model was saved in format version {version}; this LogitNet reads up to version {FormatVersion}. Update LogitNet.");
            }

            long seed = reader.Long("seed");
            int[] inputShape = reader.Shape("input_shape");
            var model = new Sequential { Seed = seed, Log = TextWriter.Null };
            int[] shape = inputShape;
            long parameters = 0;
            int index = 0;
            var seeds = new List<(Layer Layer, long Seed)>();
            foreach (JsonElement layerElement in reader.Array("layers"))
            {
                var layer = new Reader(layerElement, file, $"layers[{index}]");
                (Layer created, long count, int[] outputShape) = ReadLayer(layer, shape);
                if (created is IMaskedLayer && layer.Config() is { } dropoutConfig && dropoutConfig.Optional("seed") is not null)
                {
                    seeds.Add((created, dropoutConfig.Long("seed")));
                }

                if (layer.Config().Optional("trainable") is { } trainable)
                {
                    created.Trainable = layer.Config().Bool("trainable");
                }

                model.Add(created);
                parameters += count;
                shape = outputShape;
                index++;
            }

            if (index == 0)
            {
                throw reader.Error("The model has no layers.");
            }

            model.ClassNames = ReadClassNames(document.RootElement, file, shape);
            // Absent from files written before LogitNet saved them: then nothing is frozen and the
            // dropout seeds are the ones the model derives from its own.
            bool listsFrozen = reader.Optional("frozen_parameters") is not null;
            string[] frozen = listsFrozen ? reader.Strings("frozen_parameters") : [];
            void AfterBuild(Sequential built)
            {
                foreach ((Layer layer, long seed) in seeds)
                {
                    layer.Seed = seed;
                }

                foreach (string name in frozen)
                {
                    _ = built.Parameters.FirstOrDefault(p => p.Name == name)
                        ?? throw reader.Error($"'frozen_parameters' names '{name}', which the model does not have.");
                }

                // The list is the whole truth where the file has it: a weight unfrozen in a frozen layer stays unfrozen (the
                // layer's flag froze all of its weights before Build). State (moving statistics) is frozen either way.
                if (listsFrozen)
                {
                    var frozenNames = new HashSet<string>(frozen, StringComparer.Ordinal);
                    foreach (Parameter parameter in built.Parameters)
                    {
                        if (!parameter.IsState)
                        {
                            parameter.Trainable = !frozenNames.Contains(parameter.Name);
                        }
                    }
                }
            }

            Action<Sequential>? compile = null;
            JsonElement compileElement = reader.Element("compile");
            if (compileElement.ValueKind != JsonValueKind.Null)
            {
                var compileReader = new Reader(compileElement, file, "compile");
                Loss loss = ReadLoss(new Reader(compileReader.Element("loss"), file, "compile.loss"));
                Optimizer optimizer = ReadOptimizer(new Reader(compileReader.Element("optimizer"), file, "compile.optimizer"));
                Metric[] metrics = compileReader.Array("metrics").Select(m => ReadMetric(m, compileReader)).ToArray();
                Metric[] weightedMetrics = compileReader.Optional("weighted_metrics") is null
                    ? []
                    : compileReader.Array("weighted_metrics").Select(m => ReadMetric(m, compileReader)).ToArray();
                compile = target => target.Compile(loss, optimizer, metrics, weightedMetrics);
            }

            return (model, inputShape, parameters * sizeof(float), AfterBuild, compile);
        }
    }

    private static void WriteLayer(Utf8JsonWriter json, Layer layer)
    {
        json.WriteStartObject();
        switch (layer)
        {
            case Dense dense:
                BeginConfig(json, "Dense", dense.Name);
                json.WriteNumber("units", dense.Units);
                json.WriteString("activation", ActivationName(dense.Activation));
                json.WriteBoolean("use_bias", dense.UseBias);
                WriteRegularizer(json, "kernel_regularizer", dense.KernelRegularizer, dense.Name);
                WriteRegularizer(json, "bias_regularizer", dense.BiasRegularizer, dense.Name);
                WriteInitializer(json, "kernel_initializer", dense.KernelInitializer, dense.Name);
                WriteInitializer(json, "bias_initializer", dense.BiasInitializer, dense.Name);
                break;
            case Dropout dropout:
                BeginConfig(json, "Dropout", dropout.Name);
                json.WriteNumber("rate", dropout.Rate);
                json.WriteNumber("seed", dropout.Seed);
                break;
            case ActivationLayer activation:
                BeginConfig(json, "Activation", activation.Name);
                json.WriteString("activation", ActivationName(activation.Activation));
                break;
            case Flatten flatten:
                BeginConfig(json, "Flatten", flatten.Name);
                break;
            case Reshape reshape:
                BeginConfig(json, "Reshape", reshape.Name);
                WriteInts(json, "target_shape", reshape.TargetShape);
                break;
            case Rescaling rescaling:
                BeginConfig(json, "Rescaling", rescaling.Name);
                json.WriteNumber("scale", rescaling.Scale);
                json.WriteNumber("offset", rescaling.Offset);
                break;
            case Normalization normalization:
                // The mean and variance are parameters, in the weights file with the others.
                BeginConfig(json, "Normalization", normalization.Name);
                json.WriteBoolean("per_feature", normalization.PerFeature);
                break;
            case Input input:
                BeginConfig(json, "InputLayer", input.Name);
                WriteInts(json, "shape", input.Shape);
                break;
            default:
                if (!TryWriteWindowLayer(json, layer) && !TryWriteSequenceLayer(json, layer) && !TryWriteMiscLayer(json, layer))
                {
                    throw new NotSupportedException(
                        $"Layer '{layer.Name}' is a {layer.GetType().Name}, which Save cannot describe: only Dense, Dropout, ActivationLayer, Input, Flatten, Reshape, Rescaling, Normalization, Conv2D, the 2-D pooling layers, BatchNormalization, the sequence layers (Conv1D, the 1-D pooling layers, Embedding, SpatialDropout1D/2D), ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D are saved. Save its weights yourself from Parameters.");
                }

                break;
        }

        // Keras writes "trainable" in every layer's config; older LogitNet files lack it (read as true).
        json.WriteBoolean("trainable", layer.Trainable);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A regularizer in Keras's form, <c>{"class_name": "L1L2", "config": {"l1": ..., "l2": ...}}</c>, or null.</summary>
    private static void WriteRegularizer(Utf8JsonWriter json, string key, Regularizers.Regularizer? regularizer, string layer)
    {
        switch (regularizer)
        {
            case null:
                json.WriteNull(key);
                break;
            case Regularizers.L1L2 penalty:
                json.WriteStartObject(key);
                BeginConfig(json, "L1L2");
                json.WriteNumber("l1", penalty.L1);
                json.WriteNumber("l2", penalty.L2);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                throw new NotSupportedException(
                    $"Layer '{layer}' has a {regularizer.GetType().Name} as {key}, which Save cannot describe (a custom regularizer is code). Use Regularizers.L1/L2/L1L2 to save it.");
        }
    }

    /// <summary>Reads what <see cref="WriteRegularizer"/> wrote (also Keras's L1, L2 and L1L2); an absent key is none.</summary>
    private static Regularizers.Regularizer? ReadRegularizer(Reader config, string key)
    {
        if (config.Optional(key) is not { } element)
        {
            return null;
        }

        Reader regularizer = config.Nested(element, key);
        string className = regularizer.String("class_name");
        Reader settings = regularizer.Config();
        float Factor(string name) => settings.Optional(name) is not null ? settings.Float(name) : 0f;
        try
        {
            return className switch
            {
                "L1L2" or "L1" or "L2" => new Regularizers.L1L2(Factor("l1"), Factor("l2")),
                _ => throw regularizer.Error($"Unknown regularizer class '{className}'; LogitNet reads L1, L2 and L1L2."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw settings.Error($"Invalid {className} factor: {e.Message}");
        }
    }

    private static (Layer, long, int[]) ReadLayer(Reader layer, int[] inputShape)
    {
        string className = layer.String("class_name");
        Reader config = layer.Config();
        string name = config.String("name");
        switch (className)
        {
            case "Dense":
            {
                int units = config.Int("units", 1, MaxSize);
                var dense = new Dense(units, ParseActivation(config, "activation"), config.Bool("use_bias"), name,
                    ReadRegularizer(config, "kernel_regularizer"), ReadRegularizer(config, "bias_regularizer"),
                    ReadInitializer(config, "kernel_initializer"), ReadInitializer(config, "bias_initializer"));
                long features = inputShape[^1];
                if (features * units > Array.MaxLength)
                {
                    // Both are at most 2^24, so the product is exact in a long; an array (the kernel) holds less.
                    throw config.Error($"The kernel would hold {features:N0} × {units:N0} = {features * units:N0} values; one array holds at most {Array.MaxLength:N0}.");
                }

                int[] output = (int[])inputShape.Clone();
                output[^1] = units;
                return (dense, features * units + (dense.UseBias ? units : 0), output);
            }

            case "Dropout":
                float rate = config.Float("rate");
                if (!(rate >= 0 && rate < 1))
                {
                    throw config.Error($"'rate' is {rate}; a dropout rate lies in [0, 1).");
                }

                return (new Dropout(rate, name), 0, inputShape);
            case "Activation":
                return (new ActivationLayer(ParseActivation(config, "activation"), name), 0, inputShape);
            case "Flatten":
            {
                long values = inputShape.Aggregate(1L, (p, d) => p * d);
                return (new Flatten(name), 0, [(int)values]);
            }

            case "Reshape":
            {
                JsonElement target = config.Element("target_shape");
                if (target.ValueKind != JsonValueKind.Array || target.GetArrayLength() is 0 or >= Tensor.MaxRank
                    || target.EnumerateArray().Any(e => !e.TryGetInt32(out int d) || d is 0 or < -1 or > MaxSize))
                {
                    throw config.Error($"'target_shape' must be 1 to {Tensor.MaxRank - 1} positive sizes (one may be -1).");
                }

                try
                {
                    var reshape = new Reshape(target.EnumerateArray().Select(e => e.GetInt32()).ToArray(), name);
                    reshape.Build(inputShape);
                    return (reshape, 0, reshape.OutputShape);
                }
                catch (ArgumentException e)
                {
                    throw config.Error(e.Message);
                }
            }

            case "Rescaling":
                return (new Rescaling(config.Float("scale"), config.Float("offset"), name), 0, inputShape);
            case "Normalization":
            {
                bool perFeature = config.Bool("per_feature");
                return (new Normalization(perFeature, name), 2L * (perFeature ? inputShape[^1] : 1), inputShape);
            }

            case "InputLayer":
                int[] shape = config.Shape("shape");
                if (!shape.AsSpan().SequenceEqual(inputShape))
                {
                    throw config.Error($"The input layer declares {ShapeText.Format(shape)} but the model's input_shape is {ShapeText.Format(inputShape)}.");
                }

                return (new Input(shape), 0, shape);
            default:
                return TryReadWindowLayer(className, config, name, inputShape)
                    ?? TryReadSequenceLayer(className, config, name, inputShape)
                    ?? TryReadMiscLayer(className, config, name, inputShape)
                    ?? throw layer.Error($"Unknown layer class '{className}'. LogitNet loads Dense, Dropout, Activation, InputLayer, Flatten, Reshape, Rescaling, Normalization, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, Embedding, SpatialDropout1D, SpatialDropout2D, ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D.");
        }
    }

    private static void WriteLoss(Utf8JsonWriter json, Loss loss)
    {
        json.WriteStartObject("loss");
        BeginConfig(json, loss.GetType().Name);
        switch (loss)
        {
            case BinaryCrossentropy b:
                json.WriteBoolean("from_logits", b.FromLogits);
                json.WriteNumber("label_smoothing", b.LabelSmoothing);
                break;
            case CategoricalCrossentropy c:
                json.WriteBoolean("from_logits", c.FromLogits);
                json.WriteNumber("label_smoothing", c.LabelSmoothing);
                break;
            case SparseCategoricalCrossentropy s:
                json.WriteBoolean("from_logits", s.FromLogits);
                if (s.IgnoreClass is { } ignored)
                {
                    json.WriteNumber("ignore_class", ignored);
                }
                else
                {
                    json.WriteNull("ignore_class");
                }

                break;
            case BinaryFocalCrossentropy f:
                json.WriteBoolean("apply_class_balancing", f.ApplyClassBalancing);
                json.WriteNumber("alpha", f.Alpha);
                json.WriteNumber("gamma", f.Gamma);
                json.WriteBoolean("from_logits", f.FromLogits);
                json.WriteNumber("label_smoothing", f.LabelSmoothing);
                break;
            case CategoricalFocalCrossentropy f:
                json.WriteNumber("alpha", f.Alpha);
                json.WriteNumber("gamma", f.Gamma);
                json.WriteBoolean("from_logits", f.FromLogits);
                json.WriteNumber("label_smoothing", f.LabelSmoothing);
                break;
            case MeanSquaredError or MeanAbsoluteError:
                break;
            case Huber h:
                json.WriteNumber("delta", h.Delta);
                break;
            default:
                throw new NotSupportedException(
                    $"Save cannot describe the loss {loss.GetType().Name}{(loss is CustomLoss ? " (a custom loss is code, which a model file cannot hold)" : "")}. Compile with a built-in loss to save, or save the weights and compile again after Load.");
        }

        json.WriteString("reduction", ReductionName(loss.Reduction));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static Loss ReadLoss(Reader loss)
    {
        string className = loss.String("class_name");
        var config = new Reader(loss.Element("config"), loss.File, loss.Path + ".config");
        Reduction reduction = config.String("reduction") switch
        {
            "none" => Reduction.None,
            "sum" => Reduction.Sum,
            "sum_over_batch_size" => Reduction.SumOverBatchSize,
            string other => throw config.Error($"Unknown reduction '{other}'."),
        };

        try
        {
            return ReadLossOf(className, loss, config, reduction);
        }
        catch (ArgumentException e)
        {
            // A value the loss's constructor refuses (label smoothing outside [0, 1], alpha outside [0, 1], a negative gamma).
            throw config.Error($"Invalid {className} setting: {e.Message}");
        }
    }

    private static Loss ReadLossOf(string className, Reader loss, Reader config, Reduction reduction)
    {
        return className switch
        {
            nameof(BinaryCrossentropy) => new BinaryCrossentropy(config.Bool("from_logits"), config.Float("label_smoothing"), reduction),
            nameof(CategoricalCrossentropy) => new CategoricalCrossentropy(config.Bool("from_logits"), config.Float("label_smoothing"), reduction),
            nameof(SparseCategoricalCrossentropy) => new SparseCategoricalCrossentropy(config.Bool("from_logits"),
                config.Element("ignore_class").ValueKind == JsonValueKind.Null ? null : config.Int("ignore_class", int.MinValue, int.MaxValue), reduction),
            nameof(BinaryFocalCrossentropy) => new BinaryFocalCrossentropy(config.Bool("apply_class_balancing"), config.Float("alpha"),
                config.Float("gamma"), config.Bool("from_logits"), config.Float("label_smoothing"), reduction),
            nameof(CategoricalFocalCrossentropy) => new CategoricalFocalCrossentropy(config.Float("alpha"), config.Float("gamma"),
                config.Bool("from_logits"), config.Float("label_smoothing"), reduction),
            nameof(MeanSquaredError) => new MeanSquaredError(reduction),
            nameof(MeanAbsoluteError) => new MeanAbsoluteError(reduction),
            nameof(Huber) => new Huber(config.Float("delta"), reduction),
            _ => throw loss.Error($"Unknown loss class '{className}'."),
        };
    }

    private static void WriteOptimizer(Utf8JsonWriter json, Optimizer optimizer)
    {
        json.WriteStartObject("optimizer");
        BeginConfig(json, optimizer.GetType().Name);

        // With a schedule, learning_rate is the rate of the next step: what a reader that predates
        // schedules in saved files uses. learning_rate_schedule (Keras nests the schedule in
        // learning_rate itself) lets this version continue the schedule from the saved step count.
        json.WriteNumber("learning_rate", optimizer.LearningRate);
        WriteSchedule(json, optimizer.Schedule);
        WriteOptional(json, "clipnorm", optimizer.ClipNorm);
        WriteOptional(json, "global_clipnorm", optimizer.GlobalClipNorm);
        switch (optimizer)
        {
            case SGD sgd:
                json.WriteNumber("momentum", sgd.Momentum);
                json.WriteBoolean("nesterov", sgd.Nesterov);
                break;
            case Adam adam:
                json.WriteNumber("beta_1", adam.Beta1);
                json.WriteNumber("beta_2", adam.Beta2);
                json.WriteNumber("epsilon", adam.Epsilon);
                json.WriteNumber("weight_decay", adam.WeightDecay);
                break;
            case RMSprop rms:
                json.WriteNumber("rho", rms.Rho);
                json.WriteNumber("momentum", rms.Momentum);
                json.WriteNumber("epsilon", rms.Epsilon);
                json.WriteBoolean("centered", rms.Centered);
                break;
            case Adamax adamax:
                json.WriteNumber("beta_1", adamax.Beta1);
                json.WriteNumber("beta_2", adamax.Beta2);
                json.WriteNumber("epsilon", adamax.Epsilon);
                break;
            case Adadelta adadelta:
                json.WriteNumber("rho", adadelta.Rho);
                json.WriteNumber("epsilon", adadelta.Epsilon);
                break;
            default:
                throw new NotSupportedException($"Save cannot describe the optimizer {optimizer.GetType().Name}.");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSchedule(Utf8JsonWriter json, LearningRateSchedule? schedule)
    {
        switch (schedule)
        {
            case null:
                json.WriteNull("learning_rate_schedule");
                return;
            case ExponentialDecay exponential:
                json.WriteStartObject("learning_rate_schedule");
                BeginConfig(json, nameof(ExponentialDecay));
                json.WriteNumber("initial_learning_rate", exponential.InitialLearningRate);
                json.WriteNumber("decay_steps", exponential.DecaySteps);
                json.WriteNumber("decay_rate", exponential.DecayRate);
                json.WriteBoolean("staircase", exponential.Staircase);
                break;
            case CosineDecay cosine:
                json.WriteStartObject("learning_rate_schedule");
                BeginConfig(json, nameof(CosineDecay));
                json.WriteNumber("initial_learning_rate", cosine.InitialLearningRate);
                json.WriteNumber("decay_steps", cosine.DecaySteps);
                json.WriteNumber("alpha", cosine.Alpha);
                break;
            default:
                throw new NotSupportedException(
                    $"Save cannot describe the learning-rate schedule {schedule.GetType().Name}: only ExponentialDecay and CosineDecay are saved. Use one of them, or save the weights yourself from Parameters.");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string key, float? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(key, v);
        }
        else
        {
            json.WriteNull(key);
        }
    }

    private static Optimizer ReadOptimizer(Reader optimizer)
    {
        string className = optimizer.String("class_name");
        Reader c = optimizer.Config();

        // Absent from files written before LogitNet saved them: a fixed rate, no clipping.
        LearningRateSchedule? schedule = c.Optional("learning_rate_schedule") is { } element ? ReadSchedule(c.Nested(element, "learning_rate_schedule")) : null;
        float? clipNorm = c.Optional("clipnorm") is not null ? c.Float("clipnorm") : null;
        float? globalClipNorm = c.Optional("global_clipnorm") is not null ? c.Float("global_clipnorm") : null;
        float rate = c.Float("learning_rate");
        try
        {
            return className switch
            {
                nameof(SGD) => schedule is null
                    ? new SGD(rate, c.Float("momentum"), c.Bool("nesterov")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new SGD(schedule, c.Float("momentum"), c.Bool("nesterov")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                nameof(Adam) => schedule is null
                    ? new Adam(rate, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new Adam(schedule, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                nameof(AdamW) => schedule is null
                    ? new AdamW(rate, c.Float("weight_decay"), c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new AdamW(schedule, c.Float("weight_decay"), c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                nameof(RMSprop) => schedule is null
                    ? new RMSprop(rate, c.Float("rho"), c.Float("momentum"), c.Float("epsilon"), c.Bool("centered")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new RMSprop(schedule, c.Float("rho"), c.Float("momentum"), c.Float("epsilon"), c.Bool("centered")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                nameof(Adamax) => schedule is null
                    ? new Adamax(rate, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new Adamax(schedule, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                nameof(Adadelta) => schedule is null
                    ? new Adadelta(rate, c.Float("rho"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new Adadelta(schedule, c.Float("rho"), c.Float("epsilon")) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                _ => throw optimizer.Error($"Unknown optimizer class '{className}'."),
            };
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw c.Error($"Invalid optimizer setting: {e.Message}");
        }
    }

    private static LearningRateSchedule ReadSchedule(Reader schedule)
    {
        string className = schedule.String("class_name");
        Reader c = schedule.Config();
        try
        {
            return className switch
            {
                nameof(ExponentialDecay) => new ExponentialDecay(c.Float("initial_learning_rate"), c.Long("decay_steps"), c.Float("decay_rate"), c.Bool("staircase")),
                nameof(CosineDecay) => new CosineDecay(c.Float("initial_learning_rate"), c.Long("decay_steps"), c.Float("alpha")),
                _ => throw schedule.Error($"Unknown learning-rate schedule '{className}'; LogitNet loads ExponentialDecay and CosineDecay."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw c.Error($"Invalid schedule setting: {e.Message}");
        }
    }

    /// <summary>
    /// The accuracy family as its name (as files have always held it); the thresholded and AUC metrics,
    /// whose options matter, as <c>{"class_name", "config"}</c>.
    /// </summary>
    private static void WriteMetric(Utf8JsonWriter json, Metric metric)
    {
        switch (metric)
        {
            case ConfusionMetric confusion:
                json.WriteStartObject();
                BeginConfig(json, metric.GetType().Name, metric.Name);
                json.WriteNumber("threshold", confusion.Threshold);
                if (confusion.ClassId is { } classId)
                {
                    json.WriteNumber("class_id", classId);
                }
                else
                {
                    json.WriteNull("class_id");
                }

                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case Auc auc:
                json.WriteStartObject();
                BeginConfig(json, nameof(Auc), metric.Name);
                json.WriteString("curve", auc.Curve == AucCurve.Roc ? "ROC" : "PR");
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case LogitNet.Metrics.Accuracy or BinaryAccuracy { Threshold: 0.5f } or CategoricalAccuracy or SparseCategoricalAccuracy
                when metric.Name == DefaultAccuracyName(metric):
                json.WriteStringValue(metric.Name);
                break;
            case LogitNet.Metrics.Accuracy or BinaryAccuracy or CategoricalAccuracy or SparseCategoricalAccuracy:
                // Renamed (a Keras file's "accuracy" that names a categorical_accuracy), or a binary threshold other than 0.5.
                json.WriteStartObject();
                BeginConfig(json, metric.GetType().Name, metric.Name);
                if (metric is BinaryAccuracy binary)
                {
                    json.WriteNumber("threshold", binary.Threshold);
                }

                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                throw new NotSupportedException(
                    $"Save cannot describe the metric {metric.GetType().Name} ('{metric.Name}'). Compile with built-in metrics to save, or compile again after Load.");
        }
    }

    private static string DefaultAccuracyName(Metric metric) => metric switch
    {
        BinaryAccuracy => BinaryAccuracy.DefaultName,
        CategoricalAccuracy => CategoricalAccuracy.DefaultName,
        SparseCategoricalAccuracy => SparseCategoricalAccuracy.DefaultName,
        _ => LogitNet.Metrics.Accuracy.DefaultName,
    };

    private static Metric ReadMetric(JsonElement element, Reader where) =>
        element.ValueKind == JsonValueKind.Object ? ReadMetricObject(where.Nested(element, "metrics[]")) : ReadMetricName(element, where);

    private static Metric ReadMetricObject(Reader metric)
    {
        string className = metric.String("class_name");
        Reader config = metric.Config();
        string name = config.String("name");
        switch (className)
        {
            case nameof(LogitNet.Metrics.Accuracy):
                return new LogitNet.Metrics.Accuracy(name);
            case nameof(CategoricalAccuracy):
                return new CategoricalAccuracy(name);
            case nameof(SparseCategoricalAccuracy):
                return new SparseCategoricalAccuracy(name);
            case nameof(BinaryAccuracy):
                try
                {
                    return new BinaryAccuracy(config.Float("threshold"), name: name);
                }
                catch (ArgumentException e)
                {
                    throw config.Error($"Invalid BinaryAccuracy setting: {e.Message}");
                }
        }

        if (className == nameof(Auc))
        {
            return config.String("curve") switch
            {
                "ROC" => new Auc(AucCurve.Roc, name),
                "PR" => new Auc(AucCurve.PrecisionRecall, name),
                string other => throw config.Error($"Unknown AUC curve '{other}'; expected ROC or PR."),
            };
        }

        float threshold = config.Float("threshold");
        int? classId = config.Element("class_id").ValueKind == JsonValueKind.Null ? null : config.Int("class_id", 0, int.MaxValue);
        try
        {
            return className switch
            {
                nameof(Precision) => new Precision(threshold, classId, name: name),
                nameof(Recall) => new Recall(threshold, classId, name: name),
                nameof(F1Score) => new F1Score(threshold, classId, name: name),
                _ => throw metric.Error($"Unknown metric class '{className}'."),
            };
        }
        catch (ArgumentException e)
        {
            throw config.Error($"Invalid {className} setting: {e.Message}");
        }
    }

    private static Metric ReadMetricName(JsonElement element, Reader where) => element.GetString() switch
    {
        "accuracy" => new LogitNet.Metrics.Accuracy(),
        "binary_accuracy" => new BinaryAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
        var other => throw where.Error($"Unknown metric '{other}'."),
    };

    /// <summary>The activation's name in config.json: its enum name in snake case (<c>leaky_relu</c>, <c>hard_sigmoid_keras2</c>).</summary>
    private static string ActivationName(Activation activation) =>
        System.Text.RegularExpressions.Regex.Replace(activation.ToString(), "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();

    private static Activation ParseActivation(Reader config, string key)
    {
        string name = config.String(key);
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            if (ActivationName(activation) == name)
            {
                return activation;
            }
        }

        throw config.Error($"Unknown activation '{name}'.");
    }

    private static string ReductionName(Reduction reduction) => reduction switch
    {
        Reduction.None => "none",
        Reduction.Sum => "sum",
        _ => "sum_over_batch_size",
    };

    /// <summary>Typed access to a JSON object that reports any fault with its path in the file.</summary>
    private readonly struct Reader(JsonElement element, string file, string path = "")
    {
        public string File => file;

        public string Path => path;

        public JsonElement Element(string key)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error($"Expected an object, found {element.ValueKind}.");
            }

            return element.TryGetProperty(key, out JsonElement value) ? value : throw Error($"'{key}' is missing.");
        }

        public string String(string key) =>
            Element(key) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Error($"'{key}' must be a string.");

        public bool Bool(string key) => Element(key).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"'{key}' must be true or false."),
        };

        public int Int(string key, int min, int max) =>
            Element(key) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out int i) && i >= min && i <= max
                ? i
                : throw Error($"'{key}' must be an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");

        /// <summary>The value of <paramref name="key"/>, or null when it is absent or JSON null (keys newer files add).</summary>
        public JsonElement? Optional(string key)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error($"Expected an object, found {element.ValueKind}.");
            }

            return element.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;
        }

        /// <summary>The object under <c>config</c>, as Keras nests every class's settings.</summary>
        public Reader Config() => Nested(Element("config"), "config");

        public Reader Nested(JsonElement value, string key) => new(value, file, path.Length == 0 ? key : $"{path}.{key}");

        /// <summary>A float32 setting, parsed as float32 directly (not through double), so it is the value that was saved.</summary>
        public float Float(string key) =>
            Element(key) is { ValueKind: JsonValueKind.Number } value && value.TryGetSingle(out float f) && float.IsFinite(f)
                ? f
                : throw Error($"'{key}' must be a finite float32 number.");

        public long Long(string key) =>
            Element(key) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out long l)
                ? l
                : throw Error($"'{key}' must be an integer.");

        public string[] Strings(string key)
        {
            var strings = new List<string>();
            foreach (JsonElement item in Array(key))
            {
                strings.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Error($"'{key}' must be an array of strings."));
            }

            return strings.ToArray();
        }

        public JsonElement.ArrayEnumerator Array(string key) =>
            Element(key) is { ValueKind: JsonValueKind.Array } value ? value.EnumerateArray() : throw Error($"'{key}' must be an array.");

        public int[] Shape(string key)
        {
            JsonElement value = Element(key);
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or >= Tensor.MaxRank)
            {
                throw Error($"'{key}' must be a per-sample shape of 1 to {Tensor.MaxRank - 1} sizes.");
            }

            var shape = new int[value.GetArrayLength()];
            long product = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (!value[i].TryGetInt32(out shape[i]) || shape[i] <= 0 || shape[i] > MaxSize || (product *= shape[i]) > MaxSize)
                {
                    throw Error($"'{key}' axis {i} must be a positive size, {MaxSize} values per sample at most.");
                }
            }

            return shape;
        }

        public DataFormatException Error(string message) =>
            new(message, file, path.Length == 0 ? "config.json" : $"config.json: {path}");
    }
}
