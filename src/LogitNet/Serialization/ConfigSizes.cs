using System.Text.Json;

namespace LogitNet.Serialization;

/// <summary>
/// Sizes in a layer config as Keras writes them: a 2-D window setting as <c>[height, width]</c>, a 1-D one as a
/// one-element list, a shape as a list. LogitNet's config.json and .keras files write them alike.
/// </summary>
internal static class ConfigSizes
{
    /// <summary>A 2-D size as Keras writes it, <c>[height, width]</c>.</summary>
    public static void WriteSize(Utf8JsonWriter json, string key, (int Height, int Width) size) =>
        WriteInts(json, key, [size.Height, size.Width]);

    /// <summary>A 1-D size as Keras writes it, a one-element list.</summary>
    public static void WriteSize(Utf8JsonWriter json, string key, int size) => WriteInts(json, key, [size]);

    /// <summary>Writes <paramref name="values"/> as a JSON array under <paramref name="key"/>.</summary>
    public static void WriteInts(Utf8JsonWriter json, string key, ReadOnlySpan<int> values)
    {
        json.WriteStartArray(key);
        foreach (int value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
