using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;
using static LogitNet.Serialization.ConfigSizes;

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
                BeginConfig(json, "Conv1D", conv.Name);
                json.WriteNumber("filters", conv.Filters);
                WriteSize(json, "kernel_size", conv.KernelSize);
                WriteSize(json, "strides", conv.Strides);
                json.WriteString("padding", PaddingName(conv.Padding));
                WriteSize(json, "dilation_rate", conv.DilationRate);
                json.WriteString("activation", ActivationName(conv.Activation));
                json.WriteBoolean("use_bias", conv.UseBias);
                WriteInitializer(json, "kernel_initializer", conv.KernelInitializer, conv.Name);
                WriteInitializer(json, "bias_initializer", conv.BiasInitializer, conv.Name);
                WriteRegularizer(json, "kernel_regularizer", conv.KernelRegularizer, conv.Name);
                WriteRegularizer(json, "bias_regularizer", conv.BiasRegularizer, conv.Name);
                return true;
            case Pooling1DLayer pool:
                // The sealed pooling types carry Keras's class names (MaxPooling1D, AveragePooling1D).
                BeginConfig(json, pool.GetType().Name, pool.Name);
                WriteSize(json, "pool_size", pool.PoolSize);
                WriteSize(json, "strides", pool.Strides);
                json.WriteString("padding", PaddingName(pool.Padding));
                return true;
            case Embedding embedding:
                BeginConfig(json, "Embedding", embedding.Name);
                json.WriteNumber("input_dim", embedding.InputDim);
                json.WriteNumber("output_dim", embedding.OutputDim);
                json.WriteBoolean("mask_zero", false);
                WriteInitializer(json, "embeddings_initializer", embedding.EmbeddingsInitializer, embedding.Name);
                WriteRegularizer(json, "embeddings_regularizer", embedding.EmbeddingsRegularizer, embedding.Name);
                return true;
            case SpatialDropoutLayer spatial:
                // SpatialDropout1D or SpatialDropout2D, Keras's class names. The seed continues the masks after a
                // load, as Dropout's does.
                BeginConfig(json, spatial.GetType().Name, spatial.Name);
                json.WriteNumber("rate", spatial.Rate);
                json.WriteNumber("seed", spatial.Seed);
                return true;
            default:
                return false;
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
                Padding padding = ParsePadding(config, allowCausal: true);
                Conv1D conv;
                try
                {
                    conv = new Conv1D(filters, kernel, strides, padding, dilation, ParseActivation(config, "activation"), config.Bool("use_bias"), name,
                        ReadInitializer(config, "kernel_initializer"), ReadInitializer(config, "bias_initializer"),
                        ReadRegularizer(config, "kernel_regularizer"), ReadRegularizer(config, "bias_regularizer"));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw config.Error(e.Message);
                }

                Window2D g = SequenceGeometry(config, inputShape, kernel, strides, dilation, padding);
                RequireIm2colWithinBound(config, g.OutputWidth, (long)kernel * g.Channels, "Conv1D", name);
                long weights = (long)g.PatchLength * filters + (conv.UseBias ? filters : 0);
                return (conv, weights, [g.OutputWidth, filters]);
            }

            case "MaxPooling1D" or "AveragePooling1D":
            {
                int pool = One(config, "pool_size"), strides = One(config, "strides");
                Padding padding = ParsePadding(config);
                Window2D g = SequenceGeometry(config, inputShape, pool, strides, 1, padding);
                Layer layer = className == "MaxPooling1D"
                    ? new MaxPooling1D(pool, strides, padding, name)
                    : new AveragePooling1D(pool, strides, padding, name);
                return (layer, 0, [g.OutputWidth, g.Channels]);
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

                var embedding = new Embedding(inputDim, outputDim, name,
                    ReadInitializer(config, "embeddings_initializer"), ReadRegularizer(config, "embeddings_regularizer"));
                return (embedding, (long)inputDim * outputDim, [.. inputShape, outputDim]);
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

    private static Window2D SequenceGeometry(Reader config, int[] inputShape, int window, int stride, int dilation, Padding padding)
    {
        RequireAxes(config, inputShape, 2, "The layer");
        return SequenceWindow.Create(inputShape[0], inputShape[1], window, stride, dilation, padding)
            ?? throw config.Error($"The window {window} with dilation {dilation} does not fit the input {ShapeText.Format(inputShape)} under padding 'valid'.");
    }
}
