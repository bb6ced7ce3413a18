using System.Text.Json;

namespace LogitNet.Serialization;

internal static partial class ModelConfig
{
    private const string ClassNamesKey = "class_names";

    /// <summary>Writes <c>"class_names": [...]</c> when the model has names; nothing otherwise, so such configs stay as they were.</summary>
    private static void WriteClassNames(Utf8JsonWriter json, IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return;
        }

        json.WriteStartArray(ClassNamesKey);
        foreach (string name in names)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// Reads the optional <c>class_names</c> (absent or null in models saved without names, and in every
    /// model saved before the key existed) and checks them against the output shape the layers imply.
    /// </summary>
    private static string[]? ReadClassNames(JsonElement root, string file, int[] outputShape)
    {
        if (!root.TryGetProperty(ClassNamesKey, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var where = new Reader(element, file, ClassNamesKey);
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw where.Error($"'{ClassNamesKey}' must be an array of strings (one name per class) or null; found {element.ValueKind}.");
        }

        var names = new string[element.GetArrayLength()];
        int i = 0;
        foreach (JsonElement name in element.EnumerateArray())
        {
            names[i] = name.ValueKind == JsonValueKind.String
                ? name.GetString()!
                : throw where.Error($"class name {i} must be a string; found {name.ValueKind}.");
            i++;
        }

        int units = outputShape.Length == 0 ? 1 : outputShape[^1];
        return Sequential.ClassNamesProblem(names, units) is string problem ? throw where.Error(problem) : names;
    }
}
