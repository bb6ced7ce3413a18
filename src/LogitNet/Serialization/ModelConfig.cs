using System.Globalization;
using System.Text.Json;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

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
            if (model.Loss is { } loss && model.Optimizer is { } optimizer)
            {
                json.WriteStartObject("compile");
                WriteLoss(json, loss);
                WriteOptimizer(json, optimizer);
                json.WriteStartArray("metrics");
                foreach (Metric metric in model.Metrics)
                {
                    json.WriteStringValue(metric.Name);
                }

                json.WriteEndArray();
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

    /// <summary>Parses and checks a config; returns the model (not yet built) and the parameter bytes it implies.</summary>
    public static (Sequential Model, int[] InputShape, long ParameterBytes, Action<Sequential>? Compile) Read(ReadOnlySpan<byte> config, string file)
    {
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

            long seed = reader.Element("seed").TryGetInt64(out long s) ? s : throw reader.Error("'seed' must be an integer.");
            int[] inputShape = reader.Shape("input_shape");
            var model = new Sequential { Seed = seed, Log = TextWriter.Null };
            int[] shape = inputShape;
            long parameters = 0;
            int index = 0;
            foreach (JsonElement layerElement in reader.Array("layers"))
            {
                var layer = new Reader(layerElement, file, $"layers[{index}]");
                (Layer created, long count, int[] outputShape) = ReadLayer(layer, shape);
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

            Action<Sequential>? compile = null;
            JsonElement compileElement = reader.Element("compile");
            if (compileElement.ValueKind != JsonValueKind.Null)
            {
                var compileReader = new Reader(compileElement, file, "compile");
                Loss loss = ReadLoss(new Reader(compileReader.Element("loss"), file, "compile.loss"));
                Optimizer optimizer = ReadOptimizer(new Reader(compileReader.Element("optimizer"), file, "compile.optimizer"));
                Metric[] metrics = compileReader.Array("metrics").Select(m => ReadMetric(m, compileReader)).ToArray();
                compile = target => target.Compile(loss, optimizer, metrics);
            }

            return (model, inputShape, parameters * sizeof(float), compile);
        }
    }

    private static void WriteLayer(Utf8JsonWriter json, Layer layer)
    {
        json.WriteStartObject();
        switch (layer)
        {
            case Dense dense:
                json.WriteString("class_name", "Dense");
                json.WriteStartObject("config");
                json.WriteString("name", dense.Name);
                json.WriteNumber("units", dense.Units);
                json.WriteString("activation", ActivationName(dense.Activation));
                json.WriteBoolean("use_bias", dense.UseBias);
                break;
            case Dropout dropout:
                json.WriteString("class_name", "Dropout");
                json.WriteStartObject("config");
                json.WriteString("name", dropout.Name);
                json.WriteNumber("rate", dropout.Rate);
                break;
            case ActivationLayer activation:
                json.WriteString("class_name", "Activation");
                json.WriteStartObject("config");
                json.WriteString("name", activation.Name);
                json.WriteString("activation", ActivationName(activation.Activation));
                break;
            case Input input:
                json.WriteString("class_name", "InputLayer");
                json.WriteStartObject("config");
                json.WriteString("name", input.Name);
                json.WriteStartArray("shape");
                foreach (int size in input.Shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                break;
            default:
                throw new NotSupportedException(
                    $"Layer '{layer.Name}' is a {layer.GetType().Name}, which Save cannot describe: only Dense, Dropout, ActivationLayer and Input are saved. Save its weights yourself from Parameters.");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static (Layer, long, int[]) ReadLayer(Reader layer, int[] inputShape)
    {
        string className = layer.String("class_name");
        var config = new Reader(layer.Element("config"), layer.File, layer.Path + ".config");
        string name = config.String("name");
        switch (className)
        {
            case "Dense":
            {
                int units = config.Int("units", 1, MaxSize);
                var dense = new Dense(units, ParseActivation(config, "activation"), config.Bool("use_bias"), name);
                long features = inputShape[^1];
                int[] output = (int[])inputShape.Clone();
                output[^1] = units;
                return (dense, features * units + (dense.UseBias ? units : 0), output);
            }

            case "Dropout":
                double rate = config.Number("rate");
                if (!(rate >= 0 && rate < 1))
                {
                    throw config.Error($"'rate' is {rate}; a dropout rate lies in [0, 1).");
                }

                return (new Dropout((float)rate, name), 0, inputShape);
            case "Activation":
                return (new ActivationLayer(ParseActivation(config, "activation"), name), 0, inputShape);
            case "InputLayer":
                int[] shape = config.Shape("shape");
                if (!shape.AsSpan().SequenceEqual(inputShape))
                {
                    throw config.Error($"The input layer declares {ShapeText.Format(shape)} but the model's input_shape is {ShapeText.Format(inputShape)}.");
                }

                return (new Input(shape), 0, shape);
            default:
                throw layer.Error($"Unknown layer class '{className}'. LogitNet loads Dense, Dropout, Activation and InputLayer.");
        }
    }

    private static void WriteLoss(Utf8JsonWriter json, Loss loss)
    {
        json.WriteStartObject("loss");
        json.WriteString("class_name", loss.GetType().Name);
        json.WriteStartObject("config");
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
            case MeanSquaredError:
                break;
            default:
                throw new NotSupportedException($"Save cannot describe the loss {loss.GetType().Name}.");
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

        return className switch
        {
            nameof(BinaryCrossentropy) => new BinaryCrossentropy(config.Bool("from_logits"), (float)config.Number("label_smoothing"), reduction),
            nameof(CategoricalCrossentropy) => new CategoricalCrossentropy(config.Bool("from_logits"), (float)config.Number("label_smoothing"), reduction),
            nameof(SparseCategoricalCrossentropy) => new SparseCategoricalCrossentropy(config.Bool("from_logits"),
                config.Element("ignore_class").ValueKind == JsonValueKind.Null ? null : config.Int("ignore_class", int.MinValue, int.MaxValue), reduction),
            nameof(MeanSquaredError) => new MeanSquaredError(reduction),
            _ => throw loss.Error($"Unknown loss class '{className}'."),
        };
    }

    private static void WriteOptimizer(Utf8JsonWriter json, Optimizer optimizer)
    {
        json.WriteStartObject("optimizer");
        json.WriteString("class_name", optimizer.GetType().Name);
        json.WriteStartObject("config");
        json.WriteNumber("learning_rate", optimizer.LearningRate);
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
            default:
                throw new NotSupportedException($"Save cannot describe the optimizer {optimizer.GetType().Name}.");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static Optimizer ReadOptimizer(Reader optimizer)
    {
        string className = optimizer.String("class_name");
        var c = new Reader(optimizer.Element("config"), optimizer.File, optimizer.Path + ".config");
        float rate = (float)c.Number("learning_rate");
        try
        {
            return className switch
            {
                nameof(SGD) => new SGD(rate, (float)c.Number("momentum"), c.Bool("nesterov")),
                nameof(Adam) => new Adam(rate, (float)c.Number("beta_1"), (float)c.Number("beta_2"), (float)c.Number("epsilon")),
                nameof(AdamW) => new AdamW(rate, (float)c.Number("weight_decay"), (float)c.Number("beta_1"), (float)c.Number("beta_2"), (float)c.Number("epsilon")),
                nameof(RMSprop) => new RMSprop(rate, (float)c.Number("rho"), (float)c.Number("momentum"), (float)c.Number("epsilon"), c.Bool("centered")),
                _ => throw optimizer.Error($"Unknown optimizer class '{className}'."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw c.Error($"Invalid optimizer setting: {e.Message}");
        }
    }

    private static Metric ReadMetric(JsonElement element, Reader where) => element.GetString() switch
    {
        "accuracy" => new LogitNet.Metrics.Accuracy(),
        "binary_accuracy" => new BinaryAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
        var other => throw where.Error($"Unknown metric '{other}'."),
    };

    private static string ActivationName(Activation activation) => activation switch
    {
        Activation.LeakyRelu => "leaky_relu",
        _ => activation.ToString().ToLowerInvariant(),
    };

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

        public double Number(string key) =>
            Element(key) is { ValueKind: JsonValueKind.Number } value && value.TryGetDouble(out double d) && double.IsFinite(d)
                ? d
                : throw Error($"'{key}' must be a finite number.");

        public int Int(string key, int min, int max) =>
            Element(key) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out int i) && i >= min && i <= max
                ? i
                : throw Error($"'{key}' must be an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");

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
