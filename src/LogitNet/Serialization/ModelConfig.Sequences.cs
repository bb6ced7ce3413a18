using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>The sequence layers (1-D convolution and pooling, embedding, spatial dropout) in config.json, with Keras's class names and keys.</summary>
internal static partial class ModelConfig
{
    /// <summary>Writes a sequence layer's class and settings (the caller closes the objects); false for other layers.</summary>
    private static bool TryWriteSequenceLayer(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case Conv1D conv:
                Begin("Conv1D", conv.Name);
                json.WriteNumber("filters", conv.Filters);
                One("kernel_size", conv.KernelSize);
                One("strides", conv.Strides);
                json.WriteString("padding", SequencePaddingName(conv.Padding));
                One("dilation_rate", conv.DilationRate);
                json.WriteString("activation", ActivationName(conv.Activation));
                json.WriteBoolean("use_bias", conv.UseBias);
                return true;
            case MaxPooling1D max:
                Begin("MaxPooling1D", max.Name);
                One("pool_size", max.PoolSize);
                One("strides", max.Strides);
                json.WriteString("padding", SequencePaddingName(max.Padding));
                return true;
            case AveragePooling1D average:
                Begin("AveragePooling1D", average.Name);
                One("pool_size", average.PoolSize);
                One("strides", average.Strides);
                json.WriteString("padding", SequencePaddingName(average.Padding));
                return true;
            case GlobalAveragePooling1D globalAverage:
                Begin("GlobalAveragePooling1D", globalAverage.Name);
                json.WriteBoolean("keepdims", globalAverage.KeepDims);
                return true;
            case GlobalMaxPooling1D globalMax:
                Begin("GlobalMaxPooling1D", globalMax.Name);
                json.WriteBoolean("keepdims", globalMax.KeepDims);
                return true;
            case Embedding embedding:
                Begin("Embedding", embedding.Name);
                json.WriteNumber("input_dim", embedding.InputDim);
                json.WriteNumber("output_dim", embedding.OutputDim);
                json.WriteBoolean("mask_zero", false);
                return true;
            case SpatialDropout1D spatial1D:
                // The seed continues the masks after a load, as Dropout's does.
                Begin("SpatialDropout1D", spatial1D.Name);
                json.WriteNumber("rate", spatial1D.Rate);
                json.WriteNumber("seed", spatial1D.Seed);
                return true;
            case SpatialDropout2D spatial2D:
                Begin("SpatialDropout2D", spatial2D.Name);
                json.WriteNumber("rate", spatial2D.Rate);
                json.WriteNumber("seed", spatial2D.Seed);
                return true;
            default:
                return false;
        }

        void Begin(string className, string name)
        {
            json.WriteString("class_name", className);
            json.WriteStartObject("config");
            json.WriteString("name", name);
        }

        // Keras writes 1-D sizes as one-element lists.
        void One(string key, int value)
        {
            json.WriteStartArray(key);
            json.WriteNumberValue(value);
            json.WriteEndArray();
        }
    }

    /// <summary>Reads a sequence layer: the layer, its parameter count and its output shape; null for other classes.</summary>
    private static (Layer, long, int[])? TryReadSequenceLayer(string className, Reader config, string name, int[] inputShape)
    {
        switch (className)
        {
            case "Conv1D":
            {
                int filters = config.Int("filters", 1, MaxSize);
                int kernel = One(config, "kernel_size"), strides = One(config, "strides"), dilation = One(config, "dilation_rate");
                Padding padding = ParseSequencePadding(config, allowCausal: true);
                Conv1D conv;
                try
                {
                    conv = new Conv1D(filters, kernel, strides, padding, dilation, ParseActivation(config, "activation"), config.Bool("use_bias"), name);
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw config.Error(e.Message);
                }

                Window2D g = SequenceGeometry(config, inputShape, kernel, strides, dilation, padding);
                long weights = (long)g.PatchLength * filters + (conv.UseBias ? filters : 0);
                return (conv, weights, [g.OutputWidth, filters]);
            }

            case "MaxPooling1D" or "AveragePooling1D":
            {
                int pool = One(config, "pool_size"), strides = One(config, "strides");
                Padding padding = ParseSequencePadding(config, allowCausal: false);
                Window2D g = SequenceGeometry(config, inputShape, pool, strides, 1, padding);
                Layer layer = className == "MaxPooling1D"
                    ? new MaxPooling1D(pool, strides, padding, name)
                    : new AveragePooling1D(pool, strides, padding, name);
                return (layer, 0, [g.OutputWidth, g.Channels]);
            }

            case "GlobalAveragePooling1D" or "GlobalMaxPooling1D":
            {
                bool keepDims = config.Bool("keepdims");
                if (inputShape.Length != 2)
                {
                    throw config.Error($"{className} takes sequences [steps, channels]; the layer before it outputs {ShapeText.Format(inputShape)}.");
                }

                Layer layer = className == "GlobalAveragePooling1D"
                    ? new GlobalAveragePooling1D(keepDims, name)
                    : new GlobalMaxPooling1D(keepDims, name);
                return (layer, 0, keepDims ? [1, inputShape[1]] : [inputShape[1]]);
            }

            case "Embedding":
            {
                int inputDim = config.Int("input_dim", 1, MaxSize), outputDim = config.Int("output_dim", 1, MaxSize);
                if (config.Optional("mask_zero") is not null && config.Bool("mask_zero"))
                {
                    throw config.Error("'mask_zero' is true; LogitNet's Embedding does not mask.");
                }

                if (inputShape.Length > Tensor.MaxRank - 2 || inputShape.Aggregate(1L, (p, d) => p * d) * outputDim > MaxSize)
                {
                    throw config.Error($"An Embedding of {outputDim} values per id cannot take samples of {ShapeText.Format(inputShape)} ids (at most {Tensor.MaxRank - 2} axes and {MaxSize} output values per sample).");
                }

                if ((long)inputDim * outputDim > Array.MaxLength)
                {
                    throw config.Error($"The embeddings would hold {inputDim:N0} × {outputDim:N0} values; one array holds at most {Array.MaxLength:N0}.");
                }

                return (new Embedding(inputDim, outputDim, name), (long)inputDim * outputDim, [.. inputShape, outputDim]);
            }

            case "SpatialDropout1D" or "SpatialDropout2D":
            {
                float rate = config.Float("rate");
                if (!(rate >= 0 && rate < 1))
                {
                    throw config.Error($"'rate' is {rate}; a dropout rate lies in [0, 1).");
                }

                int axes = className == "SpatialDropout1D" ? 2 : 3;
                if (inputShape.Length != axes)
                {
                    throw config.Error($"{className} takes samples of {axes} axes (channels last); the layer before it outputs {ShapeText.Format(inputShape)}.");
                }

                Layer layer = className == "SpatialDropout1D" ? new SpatialDropout1D(rate, name) : new SpatialDropout2D(rate, name);
                return (layer, 0, inputShape);
            }

            default:
                return null;
        }
    }

    private static string SequencePaddingName(Padding padding) => padding switch
    {
        Padding.Same => "same",
        Padding.Causal => "causal",
        _ => "valid",
    };

    private static Padding ParseSequencePadding(Reader config, bool allowCausal) => config.String("padding") switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        "causal" when allowCausal => Padding.Causal,
        string other => throw config.Error($"'padding' is '{other}'; expected 'valid'{(allowCausal ? ", 'same' or 'causal'" : " or 'same'")}."),
    };

    /// <summary>A 1-D size saved as a one-element array of a positive integer.</summary>
    private static int One(Reader config, string key)
    {
        int[] values = config.Array(key).Select(v => v.TryGetInt32(out int i) && i > 0 && i <= MaxSize ? i : 0).ToArray();
        return values is [> 0] ? values[0] : throw config.Error($"'{key}' must be one positive integer in a list, such as [3].");
    }

    private static Window2D SequenceGeometry(Reader config, int[] inputShape, int window, int stride, int dilation, Padding padding)
    {
        if (inputShape.Length != 2)
        {
            throw config.Error($"The layer takes sequences [steps, channels]; the layer before it outputs {ShapeText.Format(inputShape)}.");
        }

        return SequenceWindow.Create(inputShape[0], inputShape[1], window, stride, dilation, padding)
            ?? throw config.Error($"The window {window} with dilation {dilation} does not fit the input {ShapeText.Format(inputShape)} under padding 'valid'.");
    }
}
