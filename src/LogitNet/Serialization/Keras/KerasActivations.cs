using System.Text.Json;
using LogitNet.Layers;

namespace LogitNet.Serialization.Keras;

/// <summary>Keras's activation names and LogitNet's <see cref="Activation"/> values, both ways.</summary>
/// <remarks>
/// Names from keras/src/activations/__init__.py (Keras 3, with the aliases <c>swish</c> and
/// <c>hard_swish</c>) and tf_keras/activations.py (Keras 2). One name means two functions:
/// <c>hard_sigmoid</c> is clip(0.2x + 0.5) in Keras 2 and clip(x/6 + 1/2) in Keras 3, so the file's
/// Keras version decides.
/// </remarks>
internal static class KerasActivations
{
    /// <summary>The activation a Keras config names, or null for a name LogitNet does not have.</summary>
    /// <param name="value">A string, or Keras 3's serialized function <c>{"class_name": "function", "config": "relu", ...}</c>.</param>
    /// <param name="keras2">Whether the file was written by Keras 2 (tf.keras), which defines hard_sigmoid otherwise.</param>
    /// <param name="name">The name found, for messages.</param>
    public static Activation? Parse(JsonElement value, bool keras2, out string name)
    {
        name = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Null => "linear",
            JsonValueKind.Object when value.TryGetProperty("config", out JsonElement config) && config.ValueKind == JsonValueKind.String => config.GetString()!,
            JsonValueKind.Object when value.TryGetProperty("class_name", out JsonElement c) && c.ValueKind == JsonValueKind.String => c.GetString()!,
            _ => value.GetRawText(),
        };

        return name switch
        {
            "linear" => Activation.Linear,
            "relu" => Activation.Relu,
            "leaky_relu" => Activation.LeakyRelu,
            "sigmoid" => Activation.Sigmoid,
            "tanh" => Activation.Tanh,
            "softmax" => Activation.Softmax,
            "gelu" => Activation.Gelu,
            "elu" => Activation.Elu,
            "silu" or "swish" => Activation.Swish,
            "selu" => Activation.Selu,
            "softplus" => Activation.Softplus,
            "softsign" => Activation.Softsign,
            "hard_sigmoid" => keras2 ? Activation.HardSigmoidKeras2 : Activation.HardSigmoid,
            "exponential" => Activation.Exponential,
            "relu6" => Activation.Relu6,
            "mish" => Activation.Mish,
            "hard_silu" or "hard_swish" => Activation.HardSwish,
            _ => null,
        };
    }

    /// <summary>The Keras 3 name of an activation, or null when Keras 3 has no function for it by name.</summary>
    public static string? Keras3Name(Activation activation) => activation switch
    {
        Activation.Linear => "linear",
        Activation.Relu => "relu",
        Activation.LeakyRelu => "leaky_relu",
        Activation.Sigmoid => "sigmoid",
        Activation.Tanh => "tanh",
        Activation.Softmax => "softmax",
        Activation.Gelu => "gelu",
        Activation.Elu => "elu",
        Activation.Swish => "silu",
        Activation.Selu => "selu",
        Activation.Softplus => "softplus",
        Activation.Softsign => "softsign",
        Activation.HardSigmoid => "hard_sigmoid",
        Activation.Exponential => "exponential",
        Activation.Relu6 => "relu6",
        Activation.Mish => "mish",
        Activation.HardSwish => "hard_silu",
        // Keras 3's "hard_sigmoid" is the other function, and "gelu" by name is the exact one.
        _ => null,
    };
}
