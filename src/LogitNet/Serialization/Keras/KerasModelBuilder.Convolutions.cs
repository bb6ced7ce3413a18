using System.Globalization;
using System.Text.Json;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// The 2-D image layers: Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
/// GlobalMaxPooling2D, and BatchNormalization (on any rank, normalizing the last axis).
/// </summary>
/// <remarks>
/// Settings are read as Keras 2 and 3 write them (keras/src/layers/convolutional/base_conv.py,
/// pooling/base_pooling.py, normalization/batch_normalization.py): sizes as an int or a list of two,
/// <c>strides</c> of a pooling layer null for the pool size, <c>data_format</c> null for channels last.
/// What LogitNet's layers cannot do (channels first, grouped convolution, batch renormalization, a
/// normalization axis other than the last) is refused with <see cref="NotSupportedException"/> naming
/// the layer, never loaded as something else.
/// </remarks>
internal static partial class KerasModelBuilder
{
    private static (Layer?, long, int[], WeightSlot[]) MapConv2D(KerasLayerNode node, int[] shape, bool keras2, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        RequireChannelsLast(c, "Conv2D", name, where);
        RequireImage(shape, "Conv2D", name, where);
        RequireUngrouped(c, "Conv2D", name, where);

        int filters = Int(c, "filters", name, where);
        (int Height, int Width) kernel = Pair(c, "kernel_size", null, name, where);
        (int Height, int Width) strides = Pair(c, "strides", (1, 1), name, where);
        (int Height, int Width) dilation = Pair(c, "dilation_rate", (1, 1), name, where);
        Padding padding = PaddingOf(c, "Conv2D", name, where);
        Activation activation = ActivationOf(c, "activation", name, keras2);
        bool useBias = Bool(c, "use_bias", true, name, where);
        if (Math.Max(strides.Height, strides.Width) > 1 && Math.Max(dilation.Height, dilation.Width) > 1)
        {
            throw where.Error($"Conv2D layer '{name}' has strides {strides} and dilation_rate {dilation}; Keras allows a stride above 1 or a dilation above 1, not both.");
        }

        Window2D window = Window(shape, kernel, strides, dilation, padding, "Conv2D", "kernel", name, where);
        int channels = shape[2];
        int[] output = OutputImage(window, filters, "Conv2D", name, where);
        // The convolution runs as a product with the im2col matrix: a crafted config could ask for terabytes of it from a small file.
        RequirePatchesWithinBound(window.OutputPixels, (long)kernel.Height * kernel.Width * channels, "Conv2D", name, where);

        long kernelValues = (long)kernel.Height * kernel.Width * channels * filters;
        var slots = new List<WeightSlot> { new("kernel", 0, [kernel.Height, kernel.Width, channels, filters], 0) };
        if (useBias)
        {
            slots.Add(new WeightSlot("bias", 1, [filters], 1));
        }

        NoteIgnored(c, name, notes, "activity_regularizer", "kernel_constraint", "bias_constraint");
        var layer = new Conv2D(filters, kernel, strides, padding, dilation, activation, useBias, name,
            KerasInitializers.Read(c, "kernel_initializer"), KerasInitializers.Read(c, "bias_initializer"),
            KerasRegularizers.Read(c, "kernel_regularizer", name, notes), KerasRegularizers.Read(c, "bias_regularizer", name, notes));
        return (layer, kernelValues + (useBias ? filters : 0), output, slots.ToArray());
    }

    private static (Layer?, long, int[], WeightSlot[]) MapPooling2D(KerasLayerNode node, int[] shape, KerasModelConfig.Where where)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        string kind = node.ClassName;
        RequireChannelsLast(c, kind, name, where);
        RequireImage(shape, kind, name, where);
        (int Height, int Width) pool = Pair(c, "pool_size", (2, 2), name, where);
        // Keras: strides None means the pool size.
        (int Height, int Width) strides = Pair(c, "strides", pool, name, where);
        Padding padding = PaddingOf(c, kind, name, where);
        Window2D window = Window(shape, pool, strides, (1, 1), padding, kind, "pool size", name, where);
        int[] output = OutputImage(window, shape[2], kind, name, where);
        Layer layer = kind == "MaxPooling2D"
            ? new MaxPooling2D(pool, strides, padding, name)
            : new AveragePooling2D(pool, strides, padding, name);
        return (layer, 0, output, []);
    }

    private static (Layer?, long, int[], WeightSlot[]) MapGlobalPooling2D(KerasLayerNode node, int[] shape, KerasModelConfig.Where where)
    {
        JsonElement c = node.Config;
        string name = node.Name;
        string kind = node.ClassName;
        RequireChannelsLast(c, kind, name, where);
        RequireImage(shape, kind, name, where);
        // keepdims arrived in tf.keras 2.6; older files have none (false).
        bool keepDims = Bool(c, "keepdims", false, name, where);
        int[] output = keepDims ? [1, 1, shape[2]] : [shape[2]];
        Layer layer = kind == "GlobalMaxPooling2D"
            ? new GlobalMaxPooling2D(keepDims, name)
            : new GlobalAveragePooling2D(keepDims, name);
        return (layer, 0, output, []);
    }

    private static (Layer?, long, int[], WeightSlot[]) MapBatchNormalization(KerasLayerNode node, int[] shape, KerasModelConfig.Where where, List<string> notes)
    {
        JsonElement c = node.Config;
        string name = node.Name;

        // Keras 3 writes axis -1; Keras 2 the index counting the batch axis ([3] for images, [1] for vectors).
        if (Optional(c, "axis") is { } axis && !IsLastAxis(axis.ValueKind == JsonValueKind.Array && axis.GetArrayLength() == 1 ? axis[0] : axis, shape))
        {
            throw new NotSupportedException(
                $"BatchNormalization layer '{name}' normalizes over axis {Clip(axis.GetRawText())} of samples shaped {ShapeText.Format(shape)}; LogitNet's BatchNormalization normalizes the last axis (-1) only. ({where.File})");
        }

        foreach (string key in (string[])["renorm", "virtual_batch_size", "adjustment"])
        {
            if (Optional(c, key) is { } value && value.ValueKind != JsonValueKind.False)
            {
                throw new NotSupportedException(
                    $"BatchNormalization layer '{name}' sets '{key}' ({Clip(value.GetRawText())}), which LogitNet's BatchNormalization does not have. ({where.File})");
            }
        }

        float momentum = Optional(c, "momentum") is null ? 0.99f : Float(c, "momentum", name, where);
        float epsilon = Optional(c, "epsilon") is null ? 1e-3f : Float(c, "epsilon", name, where);
        if (!(momentum >= 0 && momentum <= 1) || !(epsilon > 0))
        {
            // Keras itself takes any float for both (an epsilon of 0 divides by a zero variance): a setting LogitNet refuses,
            // not a damaged file.
            throw new NotSupportedException(
                $"BatchNormalization layer '{name}' has momentum {momentum} and epsilon {epsilon}; LogitNet's BatchNormalization takes a momentum in [0, 1] and a positive epsilon. ({where.File})");
        }

        bool center = Bool(c, "center", true, name, where);
        bool scale = Bool(c, "scale", true, name, where);
        int features = shape[^1];

        // Keras's variables, in its order: gamma (if scale), beta (if center), moving_mean, moving_variance,
        // which is also the order of LogitNet's parameters.
        var slots = new List<WeightSlot>();
        foreach ((string kind, bool present) in (ReadOnlySpan<(string, bool)>)[("gamma", scale), ("beta", center), ("moving_mean", true), ("moving_variance", true)])
        {
            if (present)
            {
                slots.Add(new WeightSlot(kind, slots.Count, [features], slots.Count));
            }
        }

        NoteIgnored(c, name, notes, "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint");
        return (new BatchNormalization(momentum, epsilon, center, scale, name), (long)slots.Count * features, shape, slots.ToArray());
    }

    private static bool IsLastAxis(JsonElement a, int[] shape) =>
        a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out int index) && (index == -1 || index == shape.Length);

    /// <summary>
    /// Refuses a <c>data_format</c> other than "channels_last" (absent or null means channels last, as in Keras), naming the
    /// layer; <paramref name="samples"/> says what LogitNet's layer takes instead.
    /// </summary>
    private static void RequireChannelsLast(JsonElement c, string kind, string name, KerasModelConfig.Where where,
        string samples = ImageSamples)
    {
        if (Optional(c, "data_format") is { } format && !(format.ValueKind == JsonValueKind.String && format.GetString() == "channels_last"))
        {
            throw new NotSupportedException(
                $"{kind} layer '{name}' has data_format {Clip(format.GetRawText())}; LogitNet's {kind} takes channels-last {samples} only. ({where.File})");
        }
    }

    /// <summary>Refuses a grouped convolution (Keras's <c>groups</c> other than the number 1), naming the layer.</summary>
    private static void RequireUngrouped(JsonElement c, string kind, string name, KerasModelConfig.Where where)
    {
        if (Optional(c, "groups") is { } groupsValue && !(groupsValue.ValueKind == JsonValueKind.Number && groupsValue.TryGetInt32(out int groups) && groups == 1))
        {
            throw new NotSupportedException(
                $"{kind} layer '{name}' is a grouped convolution (groups {Clip(groupsValue.GetRawText())}); LogitNet's {kind} connects every input channel to every filter (groups 1). ({where.File})");
        }
    }

    /// <summary>
    /// The convolution runs as a product with the im2col matrix (positions × window values per sample): a crafted
    /// config could ask for terabytes of it from a small file, so both are bounded by <see cref="Im2colBound"/>,
    /// as LogitNet's own format bounds them.
    /// </summary>
    private static void RequirePatchesWithinBound(long positions, long patch, string kind, string name, KerasModelConfig.Where where)
    {
        if (Im2colBound.Excess(positions, patch, kind, name) is { } excess)
        {
            throw where.Error(excess);
        }
    }

    private static void RequireImage(int[] shape, string kind, string name, KerasModelConfig.Where where)
    {
        if (shape.Length != 3)
        {
            throw where.Error($"{kind} layer '{name}' receives samples of shape {ShapeText.Format(shape)}; it takes images [height, width, channels].");
        }
    }

    private static Padding PaddingOf(JsonElement c, string kind, string name, KerasModelConfig.Where where) =>
        Optional(c, "padding") switch
        {
            null => Padding.Valid,
            { ValueKind: JsonValueKind.String } p when string.Equals(p.GetString(), "valid", StringComparison.OrdinalIgnoreCase) => Padding.Valid,
            { ValueKind: JsonValueKind.String } p when string.Equals(p.GetString(), "same", StringComparison.OrdinalIgnoreCase) => Padding.Same,
            { } other => throw new NotSupportedException(
                $"{kind} layer '{name}' has padding {Clip(other.GetRawText())}; LogitNet's image layers take \"valid\" or \"same\". ({where.File})"),
        };

    /// <summary>A (height, width) setting written as one int or a list of one or two; <paramref name="absent"/> when missing or null (null: required).</summary>
    private static (int Height, int Width) Pair(JsonElement c, string key, (int, int)? absent, string name, KerasModelConfig.Where where)
    {
        JsonElement? value = Optional(c, key);
        if (value is null)
        {
            return absent ?? throw where.Error($"Layer '{name}' has no '{key}'.");
        }

        JsonElement v = value.Value;
        int length = v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : 1;
        JsonElement first = v.ValueKind == JsonValueKind.Array && length > 0 ? v[0] : v;
        JsonElement second = v.ValueKind == JsonValueKind.Array && length > 1 ? v[1] : first;
        if (length is 1 or 2 && Positive(first, out int height) && Positive(second, out int width))
        {
            return (height, width);
        }

        throw where.Error($"Layer '{name}' has '{key}' {Clip(v.GetRawText())}; expected a positive integer or two (height, width), at most {MaxSize.ToString(CultureInfo.InvariantCulture)}.");

        static bool Positive(JsonElement e, out int size)
        {
            size = 0;
            return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out size) && size > 0 && size <= MaxSize;
        }
    }

    private static Window2D Window(int[] shape, (int Height, int Width) window, (int Height, int Width) strides, (int Height, int Width) dilation,
        Padding padding, string kind, string windowWord, string name, KerasModelConfig.Where where) =>
        Window2D.Create(shape[0], shape[1], shape[2], window.Height, window.Width, strides.Height, strides.Width, dilation.Height, dilation.Width, padding == Padding.Same)
            ?? throw new KerasShapeMisfitException(where.Error(
                $"{kind} layer '{name}': the {windowWord} {window} with dilation {dilation} is larger than its input {ShapeText.Format(shape)}, so padding \"valid\" leaves no output."));

    private static int[] OutputImage(Window2D window, int channels, string kind, string name, KerasModelConfig.Where where) =>
        (long)window.OutputHeight * window.OutputWidth * channels <= MaxSize
            ? [window.OutputHeight, window.OutputWidth, channels]
            : throw where.Error($"{kind} layer '{name}' would output {window.OutputHeight} × {window.OutputWidth} × {channels} values per sample, more than {MaxSize}.");

    /// <summary>What LogitNet's image layers take, for the messages.</summary>
    private const string ImageSamples = "images [height, width, channels]";
}
