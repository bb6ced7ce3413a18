using System.Text.Json;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// The shared corpus of real Keras files (<c>../shared/keras_corpus</c> beside the repository, as CI
/// lays it) and the independent reference outputs computed from it by
/// <c>tools/keras_reference/reference_forward.py</c>.
/// </summary>
internal static class KerasCorpus
{
    public static string RepositoryRoot { get; } = FindUp(d => File.Exists(Path.Combine(d, "LogitNet.slnx")), "the repository root (LogitNet.slnx)");

    /// <summary>The corpus's models folder; a missing corpus fails the test that needs it, with what to do.</summary>
    public static string ModelsDirectory => Models_.Value;

    // Lazy, so a missing corpus fails the test that needs it with FindUp's message, not a type-initializer error.
    private static readonly Lazy<string> Models_ = new(() => Path.Combine(
        FindUp(d => Directory.Exists(Path.Combine(d, "shared", "keras_corpus", "models")), "shared/keras_corpus/models (the shared Keras corpus, laid beside the repository)"),
        "shared", "keras_corpus", "models"));

    public static string CrosscheckFile => Path.Combine(ModelsDirectory, "..", "crosscheck", "cases.json");

    public static string ReferenceFile => Path.Combine(RepositoryRoot, "tests", "LogitNet.Tests", "Serialization", "Keras", "Data", "corpus_reference.json");

    private static readonly Lazy<Dictionary<string, ReferenceModel>> References = new(() =>
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(ReferenceFile));
        var result = new Dictionary<string, ReferenceModel>();
        foreach (JsonElement model in document.RootElement.GetProperty("models").EnumerateArray())
        {
            string file = model.GetProperty("file").GetString()!;
            string status = model.GetProperty("status").GetString()!;
            result[file] = new ReferenceModel(
                file,
                status,
                model.TryGetProperty("reason", out JsonElement reason) ? reason.GetString() : null,
                model.TryGetProperty("keras_class", out JsonElement kerasClass) ? kerasClass.GetString() : null,
                model.TryGetProperty("layer_name", out JsonElement layer) ? layer.GetString() : null,
                model.TryGetProperty("input_shape", out JsonElement shape) ? shape.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? -1 : e.GetInt32()).ToArray() : null,
                model.TryGetProperty("input", out JsonElement input) ? input.EnumerateArray().Select(e => e.GetSingle()).ToArray() : null,
                model.TryGetProperty("output_shape", out JsonElement outputShape) ? outputShape.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null,
                model.TryGetProperty("output", out JsonElement output) ? output.EnumerateArray().Select(e => e.GetDouble()).ToArray() : null,
                model.TryGetProperty("keras_version", out JsonElement version) ? version.GetString() : null,
                model.TryGetProperty("declared_input_shape", out JsonElement declared) ? declared.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? -1 : e.GetInt32()).ToArray() : null);
        }

        return result;
    });

    public static IReadOnlyDictionary<string, ReferenceModel> Models => References.Value;

    public static string PathOf(string file) => Path.Combine(ModelsDirectory, file);

    /// <summary>The corpus file whose name starts with a number, such as <c>"027"</c>.</summary>
    public static string Numbered(string number) =>
        Directory.GetFiles(ModelsDirectory, number + "_*").Single();

    private static string FindUp(Func<string, bool> found, string what)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (found(d.FullName))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"Could not find {what} in any folder above {AppContext.BaseDirectory}. CI lays shared/ beside the repository clone; locally, make ../shared/keras_corpus reachable from the repository.");
    }
}

/// <summary>
/// One file's entry in the reference: loaded (with seeded inputs and float64 outputs) or refused (with the first
/// unsupported layer, or why not). An open input axis reads as -1; a model with open axes is evaluated at the
/// fixed <see cref="InputShape"/>, its file's own shape kept in <see cref="DeclaredInputShape"/>.
/// </summary>
internal sealed record ReferenceModel(string File, string Status, string? Reason, string? KerasClass, string? LayerName,
    int[]? InputShape, float[]? Input, int[]? OutputShape, double[]? Output, string? KerasVersion, int[]? DeclaredInputShape = null)
{
    /// <summary>How the corpus test loads the file: with the reference's shape when the file leaves axes open.</summary>
    public LoadOptions? Options => DeclaredInputShape is null ? null : new LoadOptions { InputShape = InputShape };
}
