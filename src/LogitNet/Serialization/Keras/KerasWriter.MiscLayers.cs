using System.Text.Json;
using LogitNet.Layers;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization.Keras;

/// <summary>ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D in a Keras 3 config, with Keras 3.11's keys.</summary>
internal static partial class KerasWriter
{
    /// <summary>Writes the layer's own config keys (after name, trainable and dtype); false for other layers.</summary>
    private static bool TryWriteMiscLayerConfig(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case ReLU relu:
                if (relu.MaxValue is { } max)
                {
                    WriteFloat(json, "max_value", max);
                }
                else
                {
                    json.WriteNull("max_value");
                }

                WriteFloat(json, "negative_slope", relu.NegativeSlope);
                WriteFloat(json, "threshold", relu.Threshold);
                return true;
            case LeakyReLU leaky:
                WriteFloat(json, "negative_slope", leaky.NegativeSlope);
                return true;
            case Softmax softmax:
                json.WriteNumber("axis", softmax.Axis);
                return true;
            case ZeroPadding2D zero:
                json.WriteStartArray("padding");
                foreach ((int before, int after) in new[] { (zero.Top, zero.Bottom), (zero.Left, zero.Right) })
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(before);
                    json.WriteNumberValue(after);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteString("data_format", "channels_last");
                return true;
            case DepthwiseConv2D depthwise:
                json.WriteNumber("depth_multiplier", depthwise.DepthMultiplier);
                WriteSize(json, "kernel_size", depthwise.KernelSize);
                WriteSize(json, "strides", depthwise.Strides);
                json.WriteString("padding", depthwise.Padding == Padding.Same ? "same" : "valid");
                json.WriteString("data_format", "channels_last");
                WriteSize(json, "dilation_rate", depthwise.DilationRate);
                json.WriteString("activation", ActivationName(depthwise.Activation, depthwise.Name));
                json.WriteBoolean("use_bias", depthwise.UseBias);
                KerasInitializers.Write(json, "depthwise_initializer", depthwise.DepthwiseInitializer, depthwise.Name);
                KerasInitializers.Write(json, "bias_initializer", depthwise.BiasInitializer, depthwise.Name);
                KerasRegularizer(json, "depthwise_regularizer", depthwise.DepthwiseRegularizer, depthwise.Name);
                KerasRegularizer(json, "bias_regularizer", depthwise.BiasRegularizer, depthwise.Name);
                json.WriteNull("activity_regularizer");
                json.WriteNull("depthwise_constraint");
                json.WriteNull("bias_constraint");
                return true;
            default:
                return false;
        }
    }

    /// <summary>Keras's class name of these layers, or null.</summary>
    private static string? MiscKerasClass(Layer layer) => layer switch
    {
        ReLU => "ReLU",
        LeakyReLU => "LeakyReLU",
        Softmax => "Softmax",
        ZeroPadding2D => "ZeroPadding2D",
        DepthwiseConv2D => "DepthwiseConv2D",
        _ => null,
    };

    /// <summary>A regularizer as Keras 3 writes one (<c>keras.regularizers</c> L1L2), or null.</summary>
    private static void KerasRegularizer(Utf8JsonWriter json, string key, Regularizers.Regularizer? regularizer, string layer)
    {
        switch (regularizer)
        {
            case null:
                json.WriteNull(key);
                break;
            case Regularizers.L1L2 penalty:
                json.WriteStartObject(key);
                json.WriteString("module", "keras.regularizers");
                json.WriteString("class_name", "L1L2");
                json.WriteStartObject("config");
                WriteFloat(json, "l1", penalty.L1);
                WriteFloat(json, "l2", penalty.L2);
                json.WriteEndObject();
                json.WriteNull("registered_name");
                json.WriteEndObject();
                break;
            default:
                throw new NotSupportedException(
                    $"Layer '{layer}' has a {regularizer.GetType().Name} as {key}, which a .keras file cannot describe (a custom regularizer is code). Use Regularizers.L1/L2/L1L2.");
        }
    }
}
