using System.Text.Json;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>
/// What the readers and writers of config.json share: the class-and-config opening of a layer, loss, optimizer or
/// metric, the window layers' sizes as Keras's lists, the padding names and the input's rank.
/// </summary>
internal static partial class ModelConfig
{
    /// <summary>
    /// Writes <c>"class_name"</c>, opens the <c>"config"</c> object and writes the name into it when there is one,
    /// as Keras describes a layer, loss, optimizer or metric (the caller closes the objects).
    /// </summary>
    private static void BeginConfig(Utf8JsonWriter json, string className, string? name = null)
    {
        json.WriteString("class_name", className);
        json.WriteStartObject("config");
        if (name is not null)
        {
            json.WriteString("name", name);
        }
    }

    /// <summary>A (height, width) pair saved as a two-element array of positive integers.</summary>
    private static (int, int) Pair(Reader config, string key) =>
        PositiveSizes(config, key) is [> 0 and var height, > 0 and var width]
            ? (height, width)
            : throw config.Error($"'{key}' must be two positive integers [height, width].");

    /// <summary>A 1-D size saved as a one-element array of a positive integer.</summary>
    private static int One(Reader config, string key) =>
        PositiveSizes(config, key) is [> 0 and var size]
            ? size
            : throw config.Error($"'{key}' must be one positive integer in a list, such as [3].");

    /// <summary>The array's values, with 0 in place of any that is not an integer in [1, <see cref="MaxSize"/>].</summary>
    private static int[] PositiveSizes(Reader config, string key) =>
        config.Array(key).Select(v => v.TryGetInt32(out int i) && i > 0 && i <= MaxSize ? i : 0).ToArray();

    private static string PaddingName(Padding padding) => padding switch
    {
        Padding.Same => "same",
        Padding.Causal => "causal",
        _ => "valid",
    };

    /// <summary>Reads 'padding'; "causal" only where <paramref name="allowCausal"/> (Conv1D).</summary>
    private static Padding ParsePadding(Reader config, bool allowCausal = false) => config.String("padding") switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        "causal" when allowCausal => Padding.Causal,
        string other => throw config.Error($"'padding' is '{other}'; expected 'valid'{(allowCausal ? ", 'same' or 'causal'" : " or 'same'")}."),
    };

    /// <summary>Requires images (3 axes) or sequences (2 axes) from the layer before; <paramref name="layer"/> starts the message.</summary>
    private static void RequireAxes(Reader config, int[] inputShape, int axes, string layer)
    {
        if (inputShape.Length != axes)
        {
            string expected = axes == 3 ? "images [height, width, channels]" : "sequences [steps, channels]";
            throw config.Error($"{layer} takes {expected}; the layer before it outputs {ShapeText.Format(inputShape)}.");
        }
    }
}
