using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization;

/// <summary>ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D in config.json, with Keras's class names and keys.</summary>
internal static partial class ModelConfig
{
    /// <summary>Writes one of these layers' class and settings (the caller closes the objects); false for other layers.</summary>
    private static bool TryWriteMiscLayer(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case ReLU relu:
                BeginConfig(json, "ReLU", relu.Name);
                if (relu.MaxValue is { } max)
                {
                    json.WriteNumber("max_value", max);
                }
                else
                {
                    json.WriteNull("max_value");
                }

                json.WriteNumber("negative_slope", relu.NegativeSlope);
                json.WriteNumber("threshold", relu.Threshold);
                return true;
            case LeakyReLU leaky:
                BeginConfig(json, "LeakyReLU", leaky.Name);
                json.WriteNumber("negative_slope", leaky.NegativeSlope);
                return true;
            case Softmax softmax:
                BeginConfig(json, "Softmax", softmax.Name);
                json.WriteNumber("axis", softmax.Axis);
                return true;
            case ZeroPadding2D zeroPadding:
                BeginConfig(json, "ZeroPadding2D", zeroPadding.Name);
                json.WriteStartArray("padding");
                foreach ((int before, int after) in new[] { (zeroPadding.Top, zeroPadding.Bottom), (zeroPadding.Left, zeroPadding.Right) })
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(before);
                    json.WriteNumberValue(after);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                return true;
            case DepthwiseConv2D depthwise:
                BeginConfig(json, "DepthwiseConv2D", depthwise.Name);
                WriteSize(json, "kernel_size", depthwise.KernelSize);
                WriteSize(json, "strides", depthwise.Strides);
                json.WriteString("padding", PaddingName(depthwise.Padding));
                json.WriteNumber("depth_multiplier", depthwise.DepthMultiplier);
                WriteSize(json, "dilation_rate", depthwise.DilationRate);
                json.WriteString("activation", ActivationName(depthwise.Activation));
                json.WriteBoolean("use_bias", depthwise.UseBias);
                WriteInitializer(json, "depthwise_initializer", depthwise.DepthwiseInitializer, depthwise.Name);
                WriteInitializer(json, "bias_initializer", depthwise.BiasInitializer, depthwise.Name);
                WriteRegularizer(json, "depthwise_regularizer", depthwise.DepthwiseRegularizer, depthwise.Name);
                WriteRegularizer(json, "bias_regularizer", depthwise.BiasRegularizer, depthwise.Name);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads one of these layers: the layer, its parameter count and its output shape; null for other classes.</summary>
    private static (Layer, long, int[])? TryReadMiscLayer(string className, Reader config, string name, int[] inputShape)
    {
        try
        {
            switch (className)
            {
                case "ReLU":
                {
                    float? max = config.Optional("max_value") is not null ? config.Float("max_value") : null;
                    return (new ReLU(max, config.Float("negative_slope"), config.Float("threshold"), name), 0, inputShape);
                }

                case "LeakyReLU":
                    return (new LeakyReLU(config.Float("negative_slope"), name), 0, inputShape);
                case "Softmax":
                {
                    int axis = config.Int("axis", -1, Tensor.MaxRank);
                    if (axis != -1 && axis != inputShape.Length)
                    {
                        throw config.Error($"'axis' is {axis}; LogitNet's Softmax takes the last axis (-1 or {inputShape.Length}).");
                    }

                    return (new Softmax(axis, name), 0, inputShape);
                }

                case "ZeroPadding2D":
                {
                    JsonElement padding = config.Element("padding");
                    int[] sides = padding.ValueKind == JsonValueKind.Array && padding.GetArrayLength() == 2
                        ? padding.EnumerateArray().SelectMany(pair => pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2
                            ? pair.EnumerateArray().Select(v => v.TryGetInt32(out int i) && i >= 0 && i <= MaxSize ? i : -1)
                            : [-1, -1]).ToArray()
                        : [-1];
                    if (sides.Length != 4 || sides.Any(s => s < 0))
                    {
                        throw config.Error("'padding' must be [[top, bottom], [left, right]] of non-negative integers.");
                    }

                    if (inputShape.Length != 3)
                    {
                        throw config.Error($"ZeroPadding2D takes images [height, width, channels]; the layer before it outputs {ShapeText.Format(inputShape)}.");
                    }

                    long values = ((long)inputShape[0] + sides[0] + sides[1]) * ((long)inputShape[1] + sides[2] + sides[3]) * inputShape[2];
                    if (values > MaxSize)
                    {
                        throw config.Error($"The padded samples would hold {values:N0} values; at most {MaxSize:N0}.");
                    }

                    return (new ZeroPadding2D(((sides[0], sides[1]), (sides[2], sides[3])), name), 0,
                        [inputShape[0] + sides[0] + sides[1], inputShape[1] + sides[2] + sides[3], inputShape[2]]);
                }

                case "DepthwiseConv2D":
                {
                    (int, int) kernel = Pair(config, "kernel_size"), strides = Pair(config, "strides"), dilation = Pair(config, "dilation_rate");
                    int multiplier = config.Int("depth_multiplier", 1, MaxSize);
                    Padding padding = ParsePadding(config);
                    var layer = new DepthwiseConv2D(kernel, strides, padding, multiplier, dilation, ParseActivation(config, "activation"), config.Bool("use_bias"), name,
                        ReadInitializer(config, "depthwise_initializer"), ReadInitializer(config, "bias_initializer"),
                        ReadRegularizer(config, "depthwise_regularizer"), ReadRegularizer(config, "bias_regularizer"));
                    if (inputShape.Length != 3 || (long)inputShape[2] * multiplier > MaxSize)
                    {
                        throw config.Error($"DepthwiseConv2D takes images [height, width, channels] with at most {MaxSize:N0} output channels; the layer before it outputs {ShapeText.Format(inputShape)}.");
                    }

                    int outputChannels = inputShape[2] * multiplier;
                    Window2D g = Geometry(config, [inputShape[0], inputShape[1], outputChannels], kernel, strides, dilation, padding);
                    long weights = (long)g.KernelHeight * g.KernelWidth * outputChannels + (layer.UseBias ? outputChannels : 0);
                    return (layer, weights, [g.OutputHeight, g.OutputWidth, outputChannels]);
                }

                default:
                    return null;
            }
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw config.Error(e.Message);
        }
    }
}
