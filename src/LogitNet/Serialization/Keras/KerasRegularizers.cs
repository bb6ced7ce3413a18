using System.Text.Json;
using LogitNet.Regularizers;

namespace LogitNet.Serialization.Keras;

/// <summary>Keras's L1, L2 and L1L2 regularizers in a layer config (Keras 3's <c>keras.regularizers</c> objects, tf.keras's class configs).</summary>
internal static class KerasRegularizers
{
    /// <summary>
    /// The penalty a Keras layer config names under <paramref name="key"/>: null when absent; for a class LogitNet
    /// does not have (a custom or OrthogonalRegularizer), null with a note saying training goes without it.
    /// </summary>
    public static Regularizer? Read(JsonElement layerConfig, string key, string layer, List<string> notes)
    {
        if (KerasModelBuilder.Optional(layerConfig, key) is not { } value)
        {
            return null;
        }

        string? className = value.ValueKind switch
        {
            JsonValueKind.Object when KerasModelBuilder.Optional(value, "class_name") is { ValueKind: JsonValueKind.String } name => name.GetString(),
            _ => null,
        };
        JsonElement? settings = value.ValueKind == JsonValueKind.Object ? KerasModelBuilder.Optional(value, "config") : null;
        float Factor(string name) =>
            settings is { } s && KerasModelBuilder.Optional(s, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetSingle(out float f) ? f : 0f;
        try
        {
            switch (className)
            {
                case "L1L2" or "L1" or "L2":
                    return new L1L2(Factor("l1"), Factor("l2"));
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            notes.Add($"Layer '{layer}' has a {key} ({className}) with a negative or non-finite factor (l1 {Factor("l1")}, l2 {Factor("l2")}); it is left out, so training on in LogitNet goes without it.");
            return null;
        }

        notes.Add($"Layer '{layer}' has a {key} ({className ?? "unreadable"}) LogitNet does not have; training on in LogitNet goes without it.");
        return null;
    }
}
