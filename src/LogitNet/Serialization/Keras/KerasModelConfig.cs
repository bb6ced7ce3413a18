using System.Text.Json;
using LogitNet.Data;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// Reads a Keras model config (the <c>model_config</c> attribute of a legacy HDF5 file, or
/// <c>config.json</c> of a <c>.keras</c> file; Keras 2 and 3 schemas) into a tree of layers in the
/// order data flows through them, refusing what LogitNet cannot represent before anything is built.
/// </summary>
/// <remarks>
/// Refusals come in a fixed order so that a file always gets the same message: first the first
/// layer (depth first, in config order) whose class LogitNet does not map, then a Functional model
/// that is not a single chain, then an input shape that is not fixed.
/// </remarks>
internal static class KerasModelConfig
{
    /// <summary>JSON nesting allowed: a layer config sits about 8 levels below its model, and a few nested models fit.</summary>
    public const int MaxDepth = 64;

    /// <summary>The most layers in one model (the corpus's largest, a MobileNet, has 150).</summary>
    public const int MaxLayers = 10_000;

    /// <summary>The classes of layers LogitNet maps.</summary>
    public static readonly string[] SupportedLayers = ["InputLayer", "Dense", "Dropout", "Activation", "Flatten", "Reshape", "Normalization", "Rescaling",
        "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "BatchNormalization",
        .. KerasModelBuilder.SequenceLayers, "ReLU", "LeakyReLU", "Softmax", "ZeroPadding2D", "DepthwiseConv2D"];

    private static readonly string[] ModelClasses = ["Sequential", "Functional", "Model"];

    public static string SupportedText =>
        $"LogitNet loads {string.Join(", ", SupportedLayers[..^1])} and {SupportedLayers[^1]} layers, and Sequential or Functional models (nested ones too) that chain them";

    public static JsonDocument Parse(byte[] json, string file, string entry)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new DataFormatException("The model config is not valid UTF-8 text.", file, entry);
        }

        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"The model config is not valid JSON (or nests deeper than {MaxDepth} levels): {e.Message}", file, entry, innerException: e);
        }
    }

    /// <summary>Reads the model at the root of a config; throws <see cref="NotSupportedException"/> for what LogitNet cannot load.</summary>
    public static KerasLayerNode ReadModel(JsonElement root, string file, string entry)
    {
        var where = new Where(file, entry);
        string className = where.String(root, "class_name", "the model");
        if (Array.IndexOf(ModelClasses, className) < 0)
        {
            throw new NotSupportedException(
                $"The file holds a Keras {className}, a model class of its own (subclassed) whose code is not in the file; {SupportedText}. ({file})");
        }

        RefuseUnsupported(root, where, 0);
        int count = 0;
        return ReadNode(root, where, ref count);
    }

    /// <summary>
    /// The per-sample input shape of the model: from its first InputLayer, the first layer's
    /// <c>batch_input_shape</c>, or its build config; open (None) axes filled from <paramref name="given"/>
    /// (<see cref="LoadOptions.InputShape"/>), which <paramref name="note"/> then says.
    /// </summary>
    public static int[] InputShape(JsonElement root, KerasLayerNode model, string file, string entry, IReadOnlyList<int>? given, out string? note)
    {
        var where = new Where(file, entry);
        JsonElement? batchShape = FirstBatchShape(model) ?? BuildShape(root);
        if (batchShape is not { ValueKind: JsonValueKind.Array } shape || shape.GetArrayLength() < 2)
        {
            throw new NotSupportedException(
                $"The model declares no input shape (no InputLayer, batch_input_shape or build_input_shape), so its weights' shapes are unknown. ({file})");
        }

        var sample = new int?[shape.GetArrayLength() - 1];
        long values = 1;
        if (sample.Length >= Tensor.MaxRank)
        {
            throw new NotSupportedException($"The model takes samples of {sample.Length} axes; LogitNet's tensors hold at most {Tensor.MaxRank - 1} per sample. ({file})");
        }

        for (int i = 0; i < sample.Length; i++)
        {
            JsonElement size = shape[i + 1];
            if (size.ValueKind == JsonValueKind.Null)
            {
                // Open: LoadOptions.InputShape fills it, or InputShapeOption refuses saying how to.
                continue;
            }

            if (!size.TryGetInt32(out int known) || known <= 0 || (values *= known) > KerasModelBuilder.MaxSize)
            {
                throw where.Error($"The input shape {shape.GetRawText()} has an invalid size on axis {i + 1} (at most {KerasModelBuilder.MaxSize} values per sample).");
            }

            sample[i] = known;
        }

        int[] filled = InputShapeOption.Resolve(sample, given, KerasModelBuilder.MaxSize, file);
        note = InputShapeOption.Note(sample, filled);
        return filled;
    }

    private static JsonElement? FirstBatchShape(KerasLayerNode model)
    {
        foreach (KerasLayerNode layer in model.Layers!)
        {
            if (layer.IsModel)
            {
                return FirstBatchShape(layer);
            }

            foreach (string key in (string[])["batch_shape", "batch_input_shape"])
            {
                if (layer.Config.ValueKind == JsonValueKind.Object && layer.Config.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.Array)
                {
                    return value;
                }
            }

            // Only the first layer declares the model's input.
            return null;
        }

        return null;
    }

    private static JsonElement? BuildShape(JsonElement root)
    {
        if (root.TryGetProperty("config", out JsonElement config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("build_input_shape", out JsonElement build) && build.ValueKind == JsonValueKind.Array)
        {
            return build;
        }

        if (root.TryGetProperty("build_config", out JsonElement buildConfig) && buildConfig.ValueKind == JsonValueKind.Object
            && buildConfig.TryGetProperty("input_shape", out JsonElement shape) && shape.ValueKind == JsonValueKind.Array)
        {
            return shape;
        }

        return null;
    }

    private static JsonElement.ArrayEnumerator LayerArray(JsonElement model, Where where)
    {
        JsonElement config = where.Element(model, "config", "the model");
        // Keras 2.0-2.2 wrote a Sequential's config as the bare list of layers.
        JsonElement layers = config.ValueKind == JsonValueKind.Array ? config : where.Element(config, "layers", "the model's config");
        if (layers.ValueKind != JsonValueKind.Array)
        {
            throw where.Error("The model's 'layers' is not a list.");
        }

        return layers.EnumerateArray();
    }

    /// <summary>Throws for the first layer, depth first, whose class LogitNet does not map.</summary>
    private static void RefuseUnsupported(JsonElement model, Where where, int depth)
    {
        foreach (JsonElement layer in LayerArray(model, where))
        {
            string className = where.String(layer, "class_name", "a layer");
            if (Array.IndexOf(ModelClasses, className) >= 0)
            {
                RefuseUnsupported(layer, where, depth + 1);
            }
            else if (Array.IndexOf(SupportedLayers, className) < 0)
            {
                string name = LayerName(layer, where);
                throw new NotSupportedException(
                    $"Layer '{name}' is a Keras {className}, which LogitNet cannot load yet. {SupportedText}. ({where.File})");
            }
        }
    }

    private static string LayerName(JsonElement layer, Where where)
    {
        if (layer.TryGetProperty("config", out JsonElement config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String)
        {
            return name.GetString()!;
        }

        if (layer.TryGetProperty("name", out JsonElement outer) && outer.ValueKind == JsonValueKind.String)
        {
            return outer.GetString()!;
        }

        // Keras 2.0-2.2 wrote a Sequential's config as the bare list of its layers, with no name.
        return config.ValueKind == JsonValueKind.Array ? "sequential" : throw where.Error("A layer has no name.");
    }

    private static KerasLayerNode ReadNode(JsonElement layer, Where where, ref int count)
    {
        if (++count > MaxLayers)
        {
            throw where.Error($"The model has more than {MaxLayers} layers.");
        }

        string className = where.String(layer, "class_name", "a layer");
        string name = LayerName(layer, where);
        JsonElement config = where.Element(layer, "config", $"layer '{name}'");
        if (Array.IndexOf(ModelClasses, className) < 0)
        {
            if (config.ValueKind != JsonValueKind.Object)
            {
                throw where.Error($"The config of layer '{name}' is not an object.");
            }

            return new KerasLayerNode(className, name, config, null);
        }

        List<JsonElement> ordered = className == "Sequential" ? LayerArray(layer, where).ToList() : Chain(layer, name, where);
        var children = new List<KerasLayerNode>(ordered.Count);
        foreach (JsonElement child in ordered)
        {
            children.Add(ReadNode(child, where, ref count));
        }

        return new KerasLayerNode(className, name, config, children);
    }

    /// <summary>The layers of a Functional model from its input to its output, which must form one chain.</summary>
    private static List<JsonElement> Chain(JsonElement model, string modelName, Where where)
    {
        var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        int total = 0;
        foreach (JsonElement layer in LayerArray(model, where))
        {
            byName[LayerName(layer, where)] = layer;
            total++;
        }

        JsonElement config = where.Element(model, "config", "the model");
        List<string> inputs = Endpoints(where.Element(config, "input_layers", $"model '{modelName}'"), where);
        List<string> outputs = Endpoints(where.Element(config, "output_layers", $"model '{modelName}'"), where);
        if (inputs.Count != 1 || outputs.Count != 1)
        {
            throw new NotSupportedException(
                $"Model '{modelName}' has {inputs.Count} inputs and {outputs.Count} outputs; LogitNet loads models with one input and one output. ({where.File})");
        }

        var order = new List<JsonElement>();
        string current = outputs[0];
        while (true)
        {
            if (!byName.TryGetValue(current, out JsonElement layer))
            {
                throw where.Error($"Model '{modelName}' connects to a layer '{current}' it does not list.");
            }

            order.Add(layer);
            if (order.Count > total)
            {
                throw where.Error($"Model '{modelName}' has a cycle through layer '{current}'.");
            }

            List<string> inbound = Inbound(layer, where);
            if (inbound.Count == 0)
            {
                break;
            }

            if (inbound.Count != 1)
            {
                throw new NotSupportedException(
                    $"Layer '{current}' of model '{modelName}' takes {inbound.Count} inputs; LogitNet loads Functional models whose layers form one chain. ({where.File})");
            }

            current = inbound[0];
        }

        if (current != inputs[0] || order.Count != total)
        {
            throw new NotSupportedException(
                $"Model '{modelName}' is not one chain from its input to its output ({order.Count} of its {total} layers lie on the path); LogitNet loads Functional models that chain their layers. ({where.File})");
        }

        order.Reverse();
        return order;
    }

    private static List<string> Endpoints(JsonElement list, Where where)
    {
        // [["name", 0, 0], ...], or a single ["name", 0, 0] (Keras 3 with one input).
        var names = new List<string>();
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw where.Error("A model's input_layers/output_layers is not a list.");
        }

        if (list.GetArrayLength() > 0 && list[0].ValueKind == JsonValueKind.String)
        {
            names.Add(list[0].GetString()!);
            return names;
        }

        foreach (JsonElement item in list.EnumerateArray())
        {
            names.Add(item.ValueKind == JsonValueKind.Array && item.GetArrayLength() > 0 && item[0].ValueKind == JsonValueKind.String
                ? item[0].GetString()!
                : throw where.Error("A model's input_layers/output_layers entry is not [name, node, tensor]."));
        }

        return names;
    }

    /// <summary>The names of the layers feeding a layer (Keras 2's nested lists or Keras 3's <c>__keras_tensor__</c> arguments).</summary>
    private static List<string> Inbound(JsonElement layer, Where where)
    {
        var names = new List<string>();
        if (!layer.TryGetProperty("inbound_nodes", out JsonElement nodes) || nodes.ValueKind != JsonValueKind.Array)
        {
            return names;
        }

        foreach (JsonElement node in nodes.EnumerateArray())
        {
            if (node.ValueKind == JsonValueKind.Object)
            {
                if (node.TryGetProperty("args", out JsonElement args))
                {
                    CollectKerasTensors(args, names, where, 0);
                }
            }
            else if (node.ValueKind == JsonValueKind.Array && node.GetArrayLength() > 0 && node[0].ValueKind == JsonValueKind.String)
            {
                names.Add(node[0].GetString()!);
            }
            else if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement tensor in node.EnumerateArray())
                {
                    names.Add(tensor.ValueKind == JsonValueKind.Array && tensor.GetArrayLength() > 0 && tensor[0].ValueKind == JsonValueKind.String
                        ? tensor[0].GetString()!
                        : throw where.Error("An inbound node is not [layer, node, tensor, kwargs]."));
                }
            }
        }

        return names;
    }

    private static void CollectKerasTensors(JsonElement value, List<string> names, Where where, int depth)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in value.EnumerateArray())
            {
                CollectKerasTensors(item, names, where, depth + 1);
            }
        }
        else if (value.ValueKind == JsonValueKind.Object
            && value.TryGetProperty("class_name", out JsonElement c) && c.ValueKind == JsonValueKind.String && c.GetString() == "__keras_tensor__")
        {
            JsonElement history = where.Element(where.Element(value, "config", "a keras tensor"), "keras_history", "a keras tensor");
            names.Add(history.ValueKind == JsonValueKind.Array && history.GetArrayLength() > 0 && history[0].ValueKind == JsonValueKind.String
                ? history[0].GetString()!
                : throw where.Error("A keras_history is not [layer, node, tensor]."));
        }
    }

    /// <summary>Where in the file a config fault is, for the messages.</summary>
    internal readonly struct Where(string file, string entry)
    {
        public string File => file;

        public JsonElement Element(JsonElement obj, string key, string what) =>
            obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out JsonElement value)
                ? value
                : throw Error($"{what} has no '{key}'.");

        public string String(JsonElement obj, string key, string what) =>
            Element(obj, key, what) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Error($"'{key}' of {what} is not a string.");

        public DataFormatException Error(string message) => new(message, file, entry);
    }
}
