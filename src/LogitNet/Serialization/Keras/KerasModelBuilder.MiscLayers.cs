using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization.Keras;

/// <summary>Keras's ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D as LogitNet layers.</summary>
internal static partial class KerasModelBuilder
{
    private static (Layer?, long, int[], WeightSlot[]) MapMiscLayer(KerasLayerNode node, int[] shape, bool keras2, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        try
        {
            switch (node.ClassName)
            {
                case "ReLU":
                {
                    float? max = Optional(c, "max_value") is null ? null : Float(c, "max_value", name, where);
                    float slope = Optional(c, "negative_slope") is null ? 0f : Float(c, "negative_slope", name, where);
                    float threshold = Optional(c, "threshold") is null ? 0f : Float(c, "threshold", name, where);
                    return (new ReLU(max, slope, threshold, name), 0, shape, []);
                }

                case "LeakyReLU":
                {
                    // Keras 3 calls the slope negative_slope; tf.keras called it alpha. Both default to 0.3.
                    string key = Optional(c, "negative_slope") is not null ? "negative_slope" : "alpha";
                    float slope = Optional(c, key) is null ? 0.3f : Float(c, key, name, where);
                    return (new LeakyReLU(slope, name), 0, shape, []);
                }

                case "Softmax":
                {
                    JsonElement? axis = Optional(c, "axis");
                    JsonElement a = axis is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() == 1 ? list[0] : axis ?? default;
                    int index = axis is null ? -1 : a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out int i) ? i : int.MinValue;
                    if (index != -1 && index != shape.Length)
                    {
                        throw new NotSupportedException(
                            $"Softmax layer '{name}' normalizes axis {(axis is { } given ? Clip(given.GetRawText()) : "-1")}; LogitNet's Softmax takes the last axis only. ({where.File})");
                    }

                    return (new Softmax(index, name), 0, shape, []);
                }

                case "ZeroPadding2D":
                {
                    RequireChannelsLast(c, node.ClassName, name, where);
                    RequireImage(shape, node.ClassName, name, where);
                    ((int Top, int Bottom), (int Left, int Right)) p = ZeroPaddingOf(Element(c, "padding", name, where), name, where);
                    var padding = new ZeroPadding2D(p, name);
                    padding.Build(shape);
                    return (padding, 0, padding.OutputShape, []);
                }

                case "DepthwiseConv2D":
                    return MapDepthwise(node, shape, keras2, where, notes);
                default:
                    return (null, 0, shape, []);
            }
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw where.Error($"{node.ClassName} layer '{name}': {e.Message}");
        }
    }

    private static (Layer?, long, int[], WeightSlot[]) MapDepthwise(KerasLayerNode node, int[] shape, bool keras2, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        RequireChannelsLast(c, node.ClassName, name, where);
        RequireImage(shape, node.ClassName, name, where);
        (int, int) kernel = Pair(c, "kernel_size", null, name, where);
        (int, int) strides = Pair(c, "strides", (1, 1), name, where);
        (int, int) dilation = Pair(c, "dilation_rate", (1, 1), name, where);
        int multiplier = Optional(c, "depth_multiplier") is null ? 1 : Int(c, "depth_multiplier", name, where);
        Padding padding = PaddingOf(c, node.ClassName, name, where);
        bool useBias = Bool(c, "use_bias", true, name, where);
        var layer = new DepthwiseConv2D(kernel, strides, padding, multiplier, dilation, ActivationOf(c, "activation", name, keras2), useBias, name,
            KerasInitializers.Read(c, "depthwise_initializer"), KerasInitializers.Read(c, "bias_initializer"),
            KerasRegularizers.Read(c, "depthwise_regularizer", name, notes), KerasRegularizers.Read(c, "bias_regularizer", name, notes));
        NoteIgnored(c, name, notes, "activity_regularizer", "depthwise_constraint", "bias_constraint");

        // Shapes and sizes from the config alone: nothing is allocated before the weights file is known to hold them.
        long outputChannels = (long)shape[2] * multiplier;
        long kernelValues = (long)kernel.Item1 * kernel.Item2 * outputChannels;
        if (outputChannels > MaxSize || kernelValues > Array.MaxLength)
        {
            throw where.Error($"DepthwiseConv2D layer '{name}' would have {outputChannels:N0} output channels and {kernelValues:N0} kernel values; too large.");
        }

        Window2D g = Window2D.Create(shape[0], shape[1], (int)outputChannels, kernel.Item1, kernel.Item2, strides.Item1, strides.Item2,
                dilation.Item1, dilation.Item2, padding == Padding.Same)
            ?? throw new KerasShapeMisfitException(where.Error($"DepthwiseConv2D layer '{name}': the kernel {kernel} does not fit the input {ShapeText.Format(shape)} under padding 'valid'."));
        int[] output = [g.OutputHeight, g.OutputWidth, (int)outputChannels];
        int[] kernelShape = [kernel.Item1, kernel.Item2, shape[2], multiplier];
        // Keras 3 names the variable "kernel"; tf.keras named it "depthwise_kernel" (legacy HDF5 files find weights by that name).
        var slots = new List<WeightSlot> { new(keras2 ? "depthwise_kernel" : "kernel", 0, kernelShape, 0) };
        if (useBias)
        {
            slots.Add(new WeightSlot("bias", 1, [output[2]], 1));
        }

        return (layer, kernelValues + (useBias ? outputChannels : 0), output, slots.ToArray());
    }

    /// <summary>Keras's ZeroPadding2D padding: n, [h, w], or [[top, bottom], [left, right]].</summary>
    private static ((int, int), (int, int)) ZeroPaddingOf(JsonElement v, string name, KerasModelConfig.Where where)
    {
        static int Size(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i >= 0 && i <= MaxSize ? i : -1;
        int[] sides = v.ValueKind switch
        {
            JsonValueKind.Number => [Size(v), Size(v), Size(v), Size(v)],
            JsonValueKind.Array when v.GetArrayLength() == 2 && v[0].ValueKind == JsonValueKind.Number => [Size(v[0]), Size(v[0]), Size(v[1]), Size(v[1])],
            JsonValueKind.Array when v.GetArrayLength() == 2 && v[0].ValueKind == JsonValueKind.Array && v[1].ValueKind == JsonValueKind.Array
                && v[0].GetArrayLength() == 2 && v[1].GetArrayLength() == 2 => [Size(v[0][0]), Size(v[0][1]), Size(v[1][0]), Size(v[1][1])],
            _ => [-1],
        };
        return sides.Length == 4 && sides.All(s => s >= 0)
            ? ((sides[0], sides[1]), (sides[2], sides[3]))
            : throw where.Error($"ZeroPadding2D layer '{name}' has padding {Clip(v.GetRawText())}; expected n, [h, w] or [[top, bottom], [left, right]].");
    }
}
