using System.Globalization;
using System.Text.Json;
using LogitNet.Data;
using LogitNet.Layers;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// Turns the layers of a Keras config into LogitNet layers, checking every setting and computing
/// the shapes and the parameter count before anything is built, and remembers which Keras weight
/// fills which parameter.
/// </summary>
internal static partial class KerasModelBuilder
{
    /// <summary>The most units, features or values per sample a loaded layer may declare (2^24).</summary>
    public const int MaxSize = 1 << 24;

    /// <summary>A LogitNet parameter and the Keras weight that fills it.</summary>
    /// <param name="Kind">Keras's variable name: <c>kernel</c>, <c>bias</c>, <c>mean</c>, <c>variance</c>.</param>
    /// <param name="Index">Its position among the layer's variables in a Keras 3 file (<c>vars/0</c>, <c>vars/1</c>, ...).</param>
    /// <param name="KerasShape">The shape Keras stores it with.</param>
    /// <param name="Target">Which of the LogitNet layer's parameters it fills (by position in <see cref="Layer.Parameters"/>).</param>
    public sealed record WeightSlot(string Kind, int Index, int[] KerasShape, int Target);

    /// <summary>A Keras layer with weights, the LogitNet layer made from it, and the models around it (outermost first).</summary>
    public sealed record Binding(KerasLayerNode Node, Layer Layer, IReadOnlyList<KerasLayerNode> Scope, IReadOnlyList<WeightSlot> Slots);

    /// <summary>The LogitNet model (not built), its input shape, its parameter count, and the weight bindings.</summary>
    public sealed record Result(Sequential Model, int[] InputShape, long ParameterCount, IReadOnlyList<Binding> Bindings, IReadOnlyList<string> Notes);

    public static Result Build(KerasLayerNode root, int[] inputShape, bool keras2, string file, string entry)
    {
        var model = new Sequential { Log = TextWriter.Null };
        var bindings = new List<Binding>();
        var notes = new List<string>();
        var where = new KerasModelConfig.Where(file, entry);
        int[] shape = inputShape;
        long parameters = 0;
        model.Add(new Input(inputShape));
        var scope = new List<KerasLayerNode>();
        AddLayers(root, scope);
        return new Result(model, inputShape, parameters, bindings, notes);

        void AddLayers(KerasLayerNode container, List<KerasLayerNode> enclosing)
        {
            foreach (KerasLayerNode node in container.Layers!)
            {
                if (node.IsModel)
                {
                    enclosing.Add(node);
                    AddLayers(node, enclosing);
                    enclosing.RemoveAt(enclosing.Count - 1);
                    continue;
                }

                (Layer? layer, long count, int[] output, WeightSlot[] slots) = Map(node, shape, keras2, where, notes);
                if (layer is null)
                {
                    continue;
                }

                // A layer saved frozen stays frozen (Keras writes `trainable` in every layer's config, and freezing a nested
                // model freezes its layers); before Build, so its weights are created frozen.
                if (SavedFrozen(node) || enclosing.Exists(SavedFrozen))
                {
                    layer.Trainable = false;
                }

                model.AddLayer(layer, renameGivenName: true);
                if (layer.Name != node.Name)
                {
                    // Keras names are unique within a model but may repeat across nested models; LogitNet's must be unique.
                    notes.Add($"Layer '{node.Name}' is named '{layer.Name}' here (the name was taken).");
                }

                if (slots.Length > 0)
                {
                    bindings.Add(new Binding(node, layer, enclosing.ToArray(), slots));
                }

                parameters += count;
                shape = output;
            }
        }
    }

    private static bool SavedFrozen(KerasLayerNode node) =>
        node.Config.ValueKind == JsonValueKind.Object && Optional(node.Config, "trainable") is { ValueKind: JsonValueKind.False };

    private static (Layer?, long, int[], WeightSlot[]) Map(KerasLayerNode node, int[] shape, bool keras2, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        switch (node.ClassName)
        {
            case "InputLayer":
            {
                // The model's input shape was taken from it; a nested model's own input must agree.
                JsonElement? declared = Optional(c, "batch_shape") ?? Optional(c, "batch_input_shape");
                if (declared is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() == shape.Length + 1)
                {
                    for (int i = 0; i < shape.Length; i++)
                    {
                        if (d[i + 1].ValueKind == JsonValueKind.Number && (!d[i + 1].TryGetInt32(out int size) || size != shape[i]))
                        {
                            throw where.Error($"Input layer '{name}' declares {d.GetRawText()}, but the data reaching it has shape {ShapeText.Format(shape)}.");
                        }
                    }
                }

                return (null, 0, shape, []);
            }

            case "Dense":
            {
                int units = Int(c, "units", name, where);
                Activation activation = ActivationOf(c, "activation", name, keras2);
                bool useBias = Bool(c, "use_bias", true, name, where);
                int features = shape[^1];
                int[] output = [.. shape[..^1], units];
                var slots = new List<WeightSlot> { new("kernel", 0, [features, units], 0) };
                if (useBias)
                {
                    slots.Add(new WeightSlot("bias", 1, [units], 1));
                }

                NoteIgnored(c, name, notes, "activity_regularizer", "kernel_constraint", "bias_constraint");
                var dense = new Dense(units, activation, useBias, name,
                    KerasRegularizers.Read(c, "kernel_regularizer", name, notes), KerasRegularizers.Read(c, "bias_regularizer", name, notes),
                    KerasInitializers.Read(c, "kernel_initializer"), KerasInitializers.Read(c, "bias_initializer"));
                return (dense, (long)features * units + (useBias ? units : 0), output, slots.ToArray());
            }

            case "Dropout":
            {
                return (DropoutFor(c, DropoutRate(c, "Dropout", name, where), name, shape, where), 0, shape, []);
            }

            case "Activation":
                return (new ActivationLayer(ActivationOf(c, "activation", name, keras2), name), 0, shape, []);
            case "Flatten":
            {
                if (shape.Length > 1 && Optional(c, "data_format") is { ValueKind: JsonValueKind.String } format && format.GetString() == "channels_first")
                {
                    throw new NotSupportedException($"Flatten layer '{name}' flattens channels first; LogitNet's Flatten is channels last. ({where.File})");
                }

                long values = shape.Aggregate(1L, (p, d) => p * d);
                return (new Flatten(name), 0, [(int)values], []);
            }

            case "Reshape":
            {
                JsonElement target = Element(c, "target_shape", name, where);
                if (target.ValueKind != JsonValueKind.Array || target.GetArrayLength() is 0 or >= Tensor.MaxRank)
                {
                    throw where.Error($"Reshape layer '{name}' has target_shape {target.GetRawText()}; expected 1 to {Tensor.MaxRank - 1} sizes.");
                }

                var sizes = new int[target.GetArrayLength()];
                for (int i = 0; i < sizes.Length; i++)
                {
                    if (!target[i].TryGetInt32(out sizes[i]) || sizes[i] is 0 or < -1 or > MaxSize)
                    {
                        throw where.Error($"Reshape layer '{name}' has target_shape {target.GetRawText()}; sizes must be positive (or one -1).");
                    }
                }

                Reshape reshape;
                try
                {
                    reshape = new Reshape(sizes, name);
                    reshape.Build(shape);
                }
                catch (ArgumentException e)
                {
                    throw where.Error($"Reshape layer '{name}': {e.Message}");
                }

                return (reshape, 0, reshape.OutputShape, []);
            }

            case "Rescaling":
            {
                float scale = Float(c, "scale", name, where);
                float offset = Optional(c, "offset") is null ? 0f : Float(c, "offset", name, where);
                return (new Rescaling(scale, offset, name), 0, shape, []);
            }

            case "Normalization":
                return MapNormalization(node, shape, where);
            case "Conv2D":
                return MapConv2D(node, shape, keras2, where, notes);
            case "MaxPooling2D" or "AveragePooling2D":
                return MapPooling2D(node, shape, where);
            case "GlobalAveragePooling2D" or "GlobalMaxPooling2D":
                return MapGlobalPooling2D(node, shape, where);
            case "BatchNormalization":
                return MapBatchNormalization(node, shape, where, notes);
            case var sequence when Array.IndexOf(SequenceLayers, sequence) >= 0:
                return MapSequenceLayer(node, shape, keras2, where, notes);
            case "ReLU" or "LeakyReLU" or "Softmax" or "ZeroPadding2D" or "DepthwiseConv2D":
                return MapMiscLayer(node, shape, keras2, where, notes);
            default:
                // KerasModelConfig refused every other class already.
                throw new NotSupportedException($"Layer '{name}' is a Keras {node.ClassName}, which LogitNet cannot load yet. {KerasModelConfig.SupportedText}.");
        }
    }

    private static (Layer?, long, int[], WeightSlot[]) MapNormalization(KerasLayerNode node, int[] shape, KerasModelConfig.Where where)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        if (Optional(c, "invert") is { ValueKind: JsonValueKind.True })
        {
            throw new NotSupportedException($"Normalization layer '{name}' is inverted (invert=True: it un-normalizes); LogitNet's Normalization only normalizes. ({where.File})");
        }

        // Keras's axis counts the batch axis: -1 and the last index both mean "per feature on the last axis";
        // None (tf.keras writes it as []) means one mean and variance for everything.
        bool perFeature;
        JsonElement? axis = Optional(c, "axis");
        if (axis is null || (axis is { ValueKind: JsonValueKind.Array } empty && empty.GetArrayLength() == 0))
        {
            perFeature = false;
        }
        else
        {
            JsonElement a = axis.Value.ValueKind == JsonValueKind.Array && axis.Value.GetArrayLength() == 1 ? axis.Value[0] : axis.Value;
            perFeature = a.TryGetInt32(out int index) && (index == -1 || index == shape.Length)
                ? true
                : throw new NotSupportedException(
                    $"Normalization layer '{name}' normalizes over axis {axis.Value.GetRawText()}; LogitNet's Normalization takes the last axis (-1) or none. ({where.File})");
        }

        int groups = perFeature ? shape[^1] : 1;
        int[] kerasShape = perFeature ? [groups] : [];
        JsonElement? givenMean = Optional(c, "mean");
        if (givenMean is not null)
        {
            float[] mean = Floats(givenMean.Value, groups, "mean", name, where);
            float[] variance = Floats(Element(c, "variance", name, where), groups, "variance", name, where);
            if (variance.Any(v => v < 0))
            {
                throw where.Error($"Normalization layer '{name}' has a negative variance.");
            }

            return (new Normalization(mean, variance, name), 2L * groups, shape, []);
        }

        // Keras's variables: mean, variance, count (the count only matters to a later adapt).
        return (new Normalization(perFeature, name), 2L * groups, shape,
            [new WeightSlot("mean", 0, kerasShape, 0), new WeightSlot("variance", 1, kerasShape, 1)]);
    }

    private static float[] Floats(JsonElement value, int count, string key, string name, KerasModelConfig.Where where)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out float single) && float.IsFinite(single))
        {
            return Enumerable.Repeat(single, count).ToArray();
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == count)
        {
            var result = new float[count];
            for (int i = 0; i < count; i++)
            {
                if (!value[i].TryGetSingle(out result[i]) || !float.IsFinite(result[i]))
                {
                    throw where.Error($"Normalization layer '{name}' has a non-finite or non-numeric '{key}' value at {i}.");
                }
            }

            return result;
        }

        throw where.Error($"Normalization layer '{name}' has '{key}' {Clip(value.GetRawText())}; expected a number or {count} numbers.");
    }

    private static Activation ActivationOf(JsonElement config, string key, string name, bool keras2)
    {
        JsonElement value = config.TryGetProperty(key, out JsonElement v) ? v : default;
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return Activation.Linear;
        }

        return KerasActivations.Parse(value, keras2, out string activation)
            ?? throw new NotSupportedException(
                $"Layer '{name}' uses the activation '{Clip(activation)}', which LogitNet does not have. LogitNet has {string.Join(", ", Enum.GetValues<Activation>().Select(KerasActivations.Keras3Name).OfType<string>())}.");
    }

    private static void NoteIgnored(JsonElement config, string name, List<string> notes, params string[] keys)
    {
        foreach (string key in keys)
        {
            if (Optional(config, key) is not null)
            {
                notes.Add($"Layer '{name}' has a {key}, which only shapes training and is not loaded: training on in LogitNet goes without it.");
            }
        }
    }

    /// <summary>
    /// A Keras Dropout as the LogitNet layer that draws the same masks. Keras's noise_shape broadcasts one draw along the
    /// axes it gives as 1: none of them is plain dropout, the steps of a sequence [T, C] (noise_shape [None, 1, C]) are
    /// SpatialDropout1D, and the rows and columns of an image [H, W, C] ([None, 1, 1, C]) are SpatialDropout2D, each one draw
    /// per sample and channel scaled by 1 / (1 − rate) as there. Any other noise_shape is refused rather than trained as
    /// plain dropout.
    /// </summary>
    private static Layer DropoutFor(JsonElement c, float rate, string name, int[] shape, KerasModelConfig.Where where)
    {
        if (Optional(c, "noise_shape") is not { ValueKind: JsonValueKind.Array } noise)
        {
            return new Dropout(rate, name);
        }

        string unsupported = $"Dropout layer '{name}' has noise_shape {Clip(noise.GetRawText())} on samples of shape {ShapeText.Format(shape)}; "
            + "LogitNet draws one mask per value (no noise_shape), per sample and channel of a sequence ([None, 1, channels]: SpatialDropout1D) or of an image ([None, 1, 1, channels]: SpatialDropout2D). "
            + $"({where.File})";
        JsonElement[] axes = noise.EnumerateArray().ToArray();
        if (axes.Length != shape.Length + 1 || axes[0].ValueKind != JsonValueKind.Null)
        {
            throw new NotSupportedException(unsupported);
        }

        // Per sample axis: true where the draw is shared along it (1 on an axis longer than 1), false where each value draws
        // (null or the axis's own length).
        var shared = new bool[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            JsonElement axis = axes[i + 1];
            if (axis.ValueKind == JsonValueKind.Null || (axis.TryGetInt32(out int size) && size == shape[i]))
            {
                continue;
            }

            if (!(axis.TryGetInt32(out int one) && one == 1))
            {
                throw new NotSupportedException(unsupported);
            }

            shared[i] = true;
        }

        return shared switch
        {
            _ when !shared.Contains(true) => new Dropout(rate, name),
            [true, false] => new SpatialDropout1D(rate, name),
            [true, true, false] => new SpatialDropout2D(rate, name),
            _ => throw new NotSupportedException(unsupported),
        };
    }

    /// <summary>
    /// A dropout layer's rate (Dropout, SpatialDropout1D/2D): Keras takes [0, 1]. A rate of 1, which drops every value in
    /// training, is a setting LogitNet's layers refuse (<see cref="NotSupportedException"/>); anything outside [0, 1] is a
    /// damaged file.
    /// </summary>
    private static float DropoutRate(JsonElement c, string className, string name, KerasModelConfig.Where where)
    {
        float rate = Float(c, "rate", name, where);
        if (rate == 1)
        {
            throw new NotSupportedException($"{className} layer '{name}' has rate 1, which drops every value in training; LogitNet's {className} takes a rate in [0, 1). ({where.File})");
        }

        return rate >= 0 && rate < 1 ? rate : throw where.Error($"{className} layer '{name}' has rate {rate}; a rate lies in [0, 1].");
    }

    internal static JsonElement? Optional(JsonElement obj, string key) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Element(JsonElement obj, string key, string name, KerasModelConfig.Where where) =>
        Optional(obj, key) ?? throw where.Error($"Layer '{name}' has no '{key}'.");

    private static int Int(JsonElement obj, string key, string name, KerasModelConfig.Where where) =>
        Element(obj, key, name, where) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out int i) && i > 0 && i <= MaxSize
            ? i
            : throw where.Error($"Layer '{name}' has '{key}' {Clip(Element(obj, key, name, where).GetRawText())}; expected an integer from 1 to {MaxSize.ToString(CultureInfo.InvariantCulture)}.");

    private static float Float(JsonElement obj, string key, string name, KerasModelConfig.Where where) =>
        Element(obj, key, name, where) is { ValueKind: JsonValueKind.Number } value && value.TryGetSingle(out float f) && float.IsFinite(f)
            ? f
            : throw where.Error($"Layer '{name}' has '{key}' {Clip(Element(obj, key, name, where).GetRawText())}; expected a finite number.");

    private static bool Bool(JsonElement obj, string key, bool absent, string name, KerasModelConfig.Where where) => Optional(obj, key) switch
    {
        null => absent,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw where.Error($"Layer '{name}' has '{key}' that is not true or false."),
    };

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
