using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization;

/// <summary>The 2-D convolution and pooling layers, the global pooling layers (both ranks) and batch normalization in config.json, with Keras's class names and keys.</summary>
internal static partial class ModelConfig
{
    /// <summary>Writes a convolution or pooling layer's class and settings (the caller closes the objects); false for other layers.</summary>
    private static bool TryWriteWindowLayer(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case Conv2D conv:
                BeginConfig(json, "Conv2D", conv.Name);
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
            case Pooling2DLayer pool:
                // The sealed pooling types carry Keras's class names (MaxPooling2D, AveragePooling2D).
                BeginConfig(json, pool.GetType().Name, pool.Name);
                WriteSize(json, "pool_size", pool.PoolSize);
                WriteSize(json, "strides", pool.Strides);
                json.WriteString("padding", PaddingName(pool.Padding));
                return true;
            case GlobalPoolingLayer global:
                // Both ranks: GlobalMax/AveragePooling2D and GlobalMax/AveragePooling1D.
                BeginConfig(json, global.GetType().Name, global.Name);
                json.WriteBoolean("keepdims", global.KeepDims);
                return true;
            case BatchNormalization normalization:
                BeginConfig(json, "BatchNormalization", normalization.Name);
                json.WriteNumber("axis", -1);
                json.WriteNumber("momentum", normalization.Momentum);
                json.WriteNumber("epsilon", normalization.Epsilon);
                json.WriteBoolean("center", normalization.Center);
                json.WriteBoolean("scale", normalization.Scale);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads a 2-D convolution or pooling layer, a global pooling layer (both ranks) or BatchNormalization: the layer, its parameter count and its output shape; null for other classes.</summary>
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
                RequireIm2colWithinBound(config, g.OutputPixels, (long)g.KernelHeight * g.KernelWidth * g.Channels, "Conv2D", name);
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

            case "GlobalAveragePooling2D" or "GlobalMaxPooling2D" or "GlobalAveragePooling1D" or "GlobalMaxPooling1D":
            {
                bool keepDims = config.Bool("keepdims");
                bool images = className.EndsWith("2D", StringComparison.Ordinal);
                RequireAxes(config, inputShape, images ? 3 : 2, className);
                Layer layer = className switch
                {
                    "GlobalAveragePooling2D" => new GlobalAveragePooling2D(keepDims, name),
                    "GlobalMaxPooling2D" => new GlobalMaxPooling2D(keepDims, name),
                    "GlobalAveragePooling1D" => new GlobalAveragePooling1D(keepDims, name),
                    _ => new GlobalMaxPooling1D(keepDims, name),
                };
                int channels = inputShape[^1];
                return (layer, 0, !keepDims ? [channels] : images ? [1, 1, channels] : [1, channels]);
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

    private static Window2D Geometry(Reader config, int[] inputShape, (int Height, int Width) window, (int Height, int Width) strides,
        (int Height, int Width) dilation, Padding padding)
    {
        RequireAxes(config, inputShape, 3, "The layer");
        return Window2D.Create(inputShape[0], inputShape[1], inputShape[2], window.Height, window.Width, strides.Height, strides.Width,
                dilation.Height, dilation.Width, padding == Padding.Same)
            ?? throw config.Error($"The window ({window.Height}, {window.Width}) does not fit the input {ShapeText.Format(inputShape)} under padding 'valid'.");
    }

    /// <summary>
    /// Refuses a convolution whose im2col matrix would pass <see cref="Im2colBound.MaxValues"/> a sample, as the Keras import does:
    /// a crafted file could ask for terabytes of it with a few weights. Give <paramref name="patch"/> as a long product, since an int
    /// product of a large kernel wraps (and would slip past the weight count too).
    /// </summary>
    private static void RequireIm2colWithinBound(Reader config, long positions, long patch, string kind, string name)
    {
        if (Im2colBound.Excess(positions, patch, kind, name) is { } excess)
        {
            throw config.Error(excess);
        }
    }
}
