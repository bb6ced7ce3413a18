using System.Text.Json;
using LogitNet.Initializers;

namespace LogitNet.Serialization;

/// <summary>Initializers in config.json, in Keras's form: <c>{"class_name": "HeNormal", "config": {...}}</c>.</summary>
internal static partial class ModelConfig
{
    private static void WriteInitializer(Utf8JsonWriter json, string key, Initializer initializer, string layer)
    {
        string className = InitializerConfig.ClassName(initializer, layer, key);
        json.WriteStartObject(key);
        json.WriteString("class_name", className);
        json.WriteStartObject("config");
        InitializerConfig.WriteSettings(json, initializer, seedKey: false);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Reads what <see cref="WriteInitializer"/> wrote; an absent key (files written before initializers were saved) is the layer's default.</summary>
    private static Initializer? ReadInitializer(Reader config, string key)
    {
        if (config.Optional(key) is not { } element)
        {
            return null;
        }

        Reader initializer = config.Nested(element, key);
        string className = initializer.String("class_name");
        Reader settings = initializer.Config();
        try
        {
            return InitializerConfig.FromKeras(className, name => settings.Optional(name) is not null ? settings.Float(name) : null)
                ?? throw initializer.Error($"Unknown initializer class '{className}'; LogitNet reads {InitializerConfig.KnownText}.");
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw settings.Error($"Invalid {className} setting: {e.Message}");
        }
    }
}
