using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>The convolution, pooling and batch-normalization layers in config.json, with Keras's class names and keys.</summary>
internal static partial class ModelConfig
{
    /// <summary>Writes a convolution or pooling layer's class and settings (the caller closes the objects); false for other layers.</summary>
    private static bool TryWriteWindowLayer(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case Conv2D conv:
                Begin("Conv2D", conv.Name);
                json.WriteNumber("filters", conv.Filters);
                Pair("kernel_size", conv.KernelSize);
                Pair("strides", conv.Strides);
                json.WriteString("padding", PaddingName(conv.Padding));
                Pair("dilation_rate", conv.DilationRate);
                json.WriteString("activation", ActivationName(conv.Activation));
                json.WriteBoolean("use_bias", conv.UseBias);
                WriteInitializer(json, "kernel_initializer", conv.KernelInitializer, conv.Name);
                WriteInitializer(json, "bias_initializer", conv.BiasInitializer, conv.Name);
                WriteRegularizer(json, "kernel_regularizer", conv.KernelRegularizer, conv.Name);
                WriteRegularizer(json, "bias_regularizer", conv.BiasRegularizer, conv.Name);
                return true;
            case MaxPooling2D max:
                Begin("MaxPooling2D", max.Name);
                Pair("pool_size", max.PoolSize);
                Pair("strides", max.Strides);
                json.WriteString("padding", PaddingName(max.Padding));
                return true;
            case AveragePooling2D average:
                Begin("AveragePooling2D", average.Name);
                Pair("pool_size", average.PoolSize);
                Pair("strides", average.Strides);
                json.WriteString("padding", PaddingName(average.Padding));
                return true;
            case GlobalAveragePooling2D globalAverage:
                Begin("GlobalAveragePooling2D", globalAverage.Name);
                json.WriteBoolean("keepdims", globalAverage.KeepDims);
                return true;
            case GlobalMaxPooling2D globalMax:
                Begin("GlobalMaxPooling2D", globalMax.Name);
                json.WriteBoolean("keepdims", globalMax.KeepDims);
                return true;
            case BatchNormalization normalization:
                Begin("BatchNormalization", normalization.Name);
                json.WriteNumber("axis", -1);
                json.WriteNumber("momentum", normalization.Momentum);
                json.WriteNumber("epsilon", normalization.Epsilon);
                json.WriteBoolean("center", normalization.Center);
                json.WriteBoolean("scale", normalization.Scale);
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

        void Pair(string key, (int Height, int Width) value)
        {
            json.WriteStartArray(key);
            json.WriteNumberValue(value.Height);
            json.WriteNumberValue(value.Width);
            json.WriteEndArray();
        }
    }

    /// <summary>Reads a convolution or pooling layer: the layer, its parameter count and its output shape; null for other classes.</summary>
    private static (Layer, long, int[])? TryReadWindowLayer(string className, Reader config, string name, int[] inputShape)
    {
        switch (className)
        {
            case "Conv2D":
            {
                int filters = config.Int("filters", 1, MaxSize);
                (int, int) kernel = Pair(config, "kernel_size"), strides = Pair(config, "strides"), dilation = Pair(config, "dilation_rate");
                Padding padding = ParsePadding(config);
                Conv2D conv;
                try
                {
                    conv = new Conv2D(filters, kernel, strides, padding, dilation, ParseActivation(config, "activation"), config.Bool("use_bias"), name,
                        ReadInitializer(config, "kernel_initializer"), ReadInitializer(config, "bias_initializer"),
                        ReadRegularizer(config, "kernel_regularizer"), ReadRegularizer(config, "bias_regularizer"));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw config.Error(e.Message);
                }

                Window2D g = Geometry(config, inputShape, kernel, strides, dilation, padding);
                long weights = (long)g.PatchLength * filters + (conv.UseBias ? filters : 0);
                return (conv, weights, [g.OutputHeight, g.OutputWidth, filters]);
            }

            case "MaxPooling2D" or "AveragePooling2D":
            {
                (int, int) pool = Pair(config, "pool_size"), strides = Pair(config, "strides");
                Padding padding = ParsePadding(config);
                Window2D g = Geometry(config, inputShape, pool, strides, (1, 1), padding);
                Layer layer = className == "MaxPooling2D"
                    ? new MaxPooling2D(pool, strides, padding, name)
                    : new AveragePooling2D(pool, strides, padding, name);
                return (layer, 0, [g.OutputHeight, g.OutputWidth, g.Channels]);
            }

            case "GlobalAveragePooling2D" or "GlobalMaxPooling2D":
            {
                bool keepDims = config.Bool("keepdims");
                if (inputShape.Length != 3)
                {
                    throw config.Error($"{className} takes images [height, width, channels]; the layer before it outputs {ShapeText.Format(inputShape)}.");
                }

                Layer layer = className == "GlobalAveragePooling2D"
                    ? new GlobalAveragePooling2D(keepDims, name)
                    : new GlobalMaxPooling2D(keepDims, name);
                return (layer, 0, keepDims ? [1, 1, inputShape[2]] : [inputShape[2]]);
            }

            case "BatchNormalization":
            {
                if (config.Int("axis", -1, -1) != -1)
                {
                    throw config.Error("'axis' must be -1: LogitNet normalizes the last axis.");
                }

                float momentum = config.Float("momentum"), epsilon = config.Float("epsilon");
                bool center = config.Bool("center"), scale = config.Bool("scale");
                try
                {
                    long features = inputShape[^1];
                    return (new BatchNormalization(momentum, epsilon, center, scale, name), features * (2 + (center ? 1 : 0) + (scale ? 1 : 0)), inputShape);
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw config.Error(e.Message);
                }
            }

            default:
                return null;
        }
    }

    private static string PaddingName(Padding padding) => padding == Padding.Same ? "same" : "valid";

    private static Padding ParsePadding(Reader config) => config.String("padding") switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        string other => throw config.Error($"'padding' is '{other}'; expected 'valid' or 'same'."),
    };

    /// <summary>A (height, width) pair saved as a two-element array of positive integers.</summary>
    private static (int, int) Pair(Reader config, string key)
    {
        int[] values = config.Array(key).Select(v => v.TryGetInt32(out int i) && i > 0 && i <= MaxSize ? i : 0).ToArray();
        return values.Length == 2 && values[0] > 0 && values[1] > 0
            ? (values[0], values[1])
            : throw config.Error($"'{key}' must be two positive integers [height, width].");
    }

    private static Window2D Geometry(Reader config, int[] inputShape, (int Height, int Width) window, (int Height, int Width) strides,
        (int Height, int Width) dilation, Padding padding)
    {
        if (inputShape.Length != 3)
        {
            throw config.Error($"The layer takes images [height, width, channels]; the layer before it outputs {ShapeText.Format(inputShape)}.");
        }

        return Window2D.Create(inputShape[0], inputShape[1], inputShape[2], window.Height, window.Width, strides.Height, strides.Width,
                dilation.Height, dilation.Width, padding == Padding.Same)
            ?? throw config.Error($"The window ({window.Height}, {window.Width}) does not fit the input {ShapeText.Format(inputShape)} under padding 'valid'.");
    }
}
