using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization.Keras;

/// <summary>The sequence layers of a Keras config: Conv1D, the 1-D pooling layers, Embedding and the spatial dropouts.</summary>
internal static partial class KerasModelBuilder
{
    /// <summary>The Keras classes <see cref="MapSequenceLayer"/> maps.</summary>
    public static readonly string[] SequenceLayers =
        ["Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Embedding", "SpatialDropout1D", "SpatialDropout2D"];

    private static (Layer?, long, int[], WeightSlot[]) MapSequenceLayer(KerasLayerNode node, int[] shape, bool keras2, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        switch (node.ClassName)
        {
            case "Conv1D":
            {
                RequireChannelsLast(c, node.ClassName, name, where, SequenceSamples);
                int filters = Int(c, "filters", name, where);
                int kernel = Size(c, "kernel_size", null, name, where);
                int strides = Size(c, "strides", 1, name, where);
                int dilation = Size(c, "dilation_rate", 1, name, where);
                Padding padding = SequencePadding(c, node, allowCausal: true, where);
                RequireUngrouped(c, "Conv1D", name, where);

                bool useBias = Bool(c, "use_bias", true, name, where);
                Conv1D conv;
                try
                {
                    conv = new Conv1D(filters, kernel, strides, padding, dilation, ActivationOf(c, "activation", name, keras2), useBias, name,
                        KerasInitializers.Read(c, "kernel_initializer"), KerasInitializers.Read(c, "bias_initializer"),
                        KerasRegularizers.Read(c, "kernel_regularizer", name, notes), KerasRegularizers.Read(c, "bias_regularizer", name, notes));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw where.Error($"Conv1D layer '{name}': {e.Message}");
                }

                Window2D window = SequenceGeometry(node, shape, kernel, strides, dilation, padding, where);
                int channels = shape[1];
                RequirePatchesWithinBound(window.OutputWidth, (long)kernel * channels, "Conv1D", name, where);
                var slots = new List<WeightSlot> { new("kernel", 0, [kernel, channels, filters], 0) };
                if (useBias)
                {
                    slots.Add(new WeightSlot("bias", 1, [filters], 1));
                }

                NoteIgnored(c, name, notes, "activity_regularizer", "kernel_constraint", "bias_constraint");
                return (conv, (long)window.PatchLength * filters + (useBias ? filters : 0), [window.OutputWidth, filters], slots.ToArray());
            }

            case "MaxPooling1D" or "AveragePooling1D":
            {
                RequireChannelsLast(c, node.ClassName, name, where, SequenceSamples);
                int pool = Size(c, "pool_size", 2, name, where);
                int strides = Size(c, "strides", pool, name, where);
                Padding padding = SequencePadding(c, node, allowCausal: false, where);
                Window2D window = SequenceGeometry(node, shape, pool, strides, 1, padding, where);
                Layer layer = node.ClassName == "MaxPooling1D"
                    ? new MaxPooling1D(pool, strides, padding, name)
                    : new AveragePooling1D(pool, strides, padding, name);
                return (layer, 0, [window.OutputWidth, window.Channels], []);
            }

            case "GlobalAveragePooling1D" or "GlobalMaxPooling1D":
            {
                RequireChannelsLast(c, node.ClassName, name, where, SequenceSamples);
                RequireSequence(node, shape, where);
                bool keepDims = Bool(c, "keepdims", false, name, where);
                Layer layer = node.ClassName == "GlobalAveragePooling1D"
                    ? new GlobalAveragePooling1D(keepDims, name)
                    : new GlobalMaxPooling1D(keepDims, name);
                return (layer, 0, keepDims ? [1, shape[1]] : [shape[1]], []);
            }

            case "Embedding":
            {
                int inputDim = Int(c, "input_dim", name, where), outputDim = Int(c, "output_dim", name, where);
                if (Bool(c, "mask_zero", false, name, where))
                {
                    throw new NotSupportedException(
                        $"Embedding layer '{name}' has mask_zero=True: id 0 is padding that the layers after it must skip, and LogitNet does not carry masks between layers. Train the model with mask_zero=False to load it. ({where.File})");
                }

                if (shape.Length > Tensor.MaxRank - 2 || shape.Aggregate(1L, (p, d) => p * d) * outputDim > MaxSize)
                {
                    throw new NotSupportedException(
                        $"Embedding layer '{name}' takes samples of {ShapeText.Format(shape)} ids with {outputDim} values each; LogitNet's tensors hold at most {Tensor.MaxRank - 1} axes and {MaxSize} values per sample. ({where.File})");
                }

                if ((long)inputDim * outputDim > Array.MaxLength)
                {
                    throw where.Error($"Embedding layer '{name}' would hold {inputDim:N0} × {outputDim:N0} values; one array holds at most {Array.MaxLength:N0}.");
                }

                NoteIgnored(c, name, notes, "activity_regularizer", "embeddings_constraint");
                var embedding = new Embedding(inputDim, outputDim, name,
                    KerasInitializers.Read(c, "embeddings_initializer"), KerasRegularizers.Read(c, "embeddings_regularizer", name, notes));
                return (embedding, (long)inputDim * outputDim, [.. shape, outputDim],
                    [new WeightSlot("embeddings", 0, [inputDim, outputDim], 0)]);
            }

            case "SpatialDropout1D" or "SpatialDropout2D":
            {
                RequireChannelsLast(c, node.ClassName, name, where, node.ClassName == "SpatialDropout1D" ? SequenceSamples : ImageSamples);
                float rate = DropoutRate(c, node.ClassName, name, where);

                int axes = node.ClassName == "SpatialDropout1D" ? 2 : 3;
                if (shape.Length != axes)
                {
                    throw where.Error($"{node.ClassName} layer '{name}' takes samples of {axes} axes (channels last); the data reaching it has shape {ShapeText.Format(shape)}.");
                }

                return (node.ClassName == "SpatialDropout1D" ? new SpatialDropout1D(rate, name) : new SpatialDropout2D(rate, name), 0, shape, []);
            }

            default:
                throw new NotSupportedException($"Layer '{name}' is a Keras {node.ClassName}, which LogitNet cannot load yet. {KerasModelConfig.SupportedText}.");
        }
    }

    /// <summary>A 1-D size: an integer or a one-element list (Keras writes tuples as lists); <paramref name="absent"/> when missing or null.</summary>
    private static int Size(JsonElement config, string key, int? absent, string name, KerasModelConfig.Where where)
    {
        JsonElement? value = Optional(config, key);
        if (value is null)
        {
            return absent ?? throw where.Error($"Layer '{name}' has no '{key}'.");
        }

        JsonElement v = value.Value.ValueKind == JsonValueKind.Array && value.Value.GetArrayLength() == 1 ? value.Value[0] : value.Value;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int size) && size > 0 && size <= MaxSize
            ? size
            : throw where.Error($"Layer '{name}' has '{key}' {Clip(value.Value.GetRawText())}; expected a positive integer (or a list of one).");
    }

    private static Padding SequencePadding(JsonElement config, KerasLayerNode node, bool allowCausal, KerasModelConfig.Where where)
    {
        // Keras lower-cases the padding it is given.
        string padding = Optional(config, "padding") is { ValueKind: JsonValueKind.String } p ? p.GetString()!.ToLowerInvariant() : "valid";
        return padding switch
        {
            "valid" => Padding.Valid,
            "same" => Padding.Same,
            "causal" when allowCausal => Padding.Causal,
            _ => throw where.Error($"{node.ClassName} layer '{node.Name}' has padding '{Clip(padding)}'; expected 'valid'{(allowCausal ? ", 'same' or 'causal'" : " or 'same'")}."),
        };
    }

    private static void RequireSequence(KerasLayerNode node, int[] shape, KerasModelConfig.Where where)
    {
        if (shape.Length != 2)
        {
            throw where.Error($"{node.ClassName} layer '{node.Name}' takes sequences [steps, channels]; the data reaching it has shape {ShapeText.Format(shape)}.");
        }
    }

    private static Window2D SequenceGeometry(KerasLayerNode node, int[] shape, int window, int stride, int dilation, Padding padding, KerasModelConfig.Where where)
    {
        RequireSequence(node, shape, where);
        return SequenceWindow.Create(shape[0], shape[1], window, stride, dilation, padding)
            ?? throw new KerasShapeMisfitException(where.Error($"{node.ClassName} layer '{node.Name}': the window {window} (dilation {dilation}) is longer than the {shape[0]} steps reaching it, so padding 'valid' leaves no output."));
    }

    /// <summary>What LogitNet's sequence layers take, for the messages.</summary>
    private const string SequenceSamples = "sequences [steps, channels]";
}
