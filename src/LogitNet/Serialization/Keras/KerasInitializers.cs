using System.Text.Json;
using LogitNet.Initializers;

namespace LogitNet.Serialization.Keras;

/// <summary>Initializers in a Keras 3 config: <c>{"module": "keras.initializers", "class_name", "config", "registered_name"}</c>.</summary>
internal static class KerasInitializers
{
    /// <summary>Writes <paramref name="initializer"/> under <paramref name="key"/> as Keras 3 does.</summary>
    public static void Write(Utf8JsonWriter json, string key, Initializer initializer, string layer)
    {
        string className = InitializerConfig.ClassName(initializer, layer, key);
        json.WriteStartObject(key);
        json.WriteString("module", "keras.initializers");
        json.WriteString("class_name", className);
        json.WriteStartObject("config");
        InitializerConfig.WriteSettings(json, initializer, seedKey: true);
        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    /// <summary>
    /// The initializer a Keras layer config names under <paramref name="key"/>, or null: absent, a class LogitNet
    /// does not have, or settings out of range. Loading ignores what it cannot map, since the weights come from
    /// the file; only a model rebuilt from scratch would start differently.
    /// </summary>
    public static Initializer? Read(JsonElement layerConfig, string key)
    {
        if (KerasModelBuilder.Optional(layerConfig, key) is not { } value)
        {
            return null;
        }

        // Keras 3 writes {"class_name", "config"}; Keras 2 may write a bare name such as "glorot_uniform".
        string? className = value.ValueKind switch
        {
            JsonValueKind.Object when KerasModelBuilder.Optional(value, "class_name") is { ValueKind: JsonValueKind.String } name => name.GetString(),
            JsonValueKind.String => SnakeToPascal(value.GetString()!),
            _ => null,
        };
        if (className is null)
        {
            return null;
        }

        JsonElement? settings = value.ValueKind == JsonValueKind.Object ? KerasModelBuilder.Optional(value, "config") : null;
        float? Number(string name) =>
            settings is { } s && KerasModelBuilder.Optional(s, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetSingle(out float f) ? f : null;
        try
        {
            return InitializerConfig.FromKeras(className, Number);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string SnakeToPascal(string name) =>
        string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
