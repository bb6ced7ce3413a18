using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace LogitNet.Tests.Accuracy;

/// <summary>A binary cross-entropy case from a logit: inputs and exact outputs.</summary>
public sealed record BceLogitsCase(string Id, string Tag, float Z, float Y, double Loss, double Grad);

/// <summary>A binary cross-entropy case from a probability: inputs and exact outputs.</summary>
public sealed record BceProbsCase(string Id, string Tag, float P, float Y, double Loss, double Grad);

/// <summary>A softmax cross-entropy row with an integer label, with its exact softmax and log-softmax.</summary>
public sealed record SoftmaxCeCase(
    string Id, string Tag, int Label, float[] Z, double Loss, double[] Grad, double[] Softmax, double[] LogSoftmax);

/// <summary>A softmax cross-entropy row with a probability target.</summary>
public sealed record SoftmaxCeSoftCase(string Id, string Tag, float[] Z, float[] T, string RowRef, double Loss, double[] Grad);

/// <summary>
/// The shared exact reference cases (Data/accuracy/cases.jsonl.gz, copied from the project's
/// accuracy suite; its README holds the schema). Loaded once per test run.
/// </summary>
public static class ReferenceCases
{
    private static readonly Lazy<Loaded> s_cases = new(Load);

    /// <summary>Binary cross-entropy from logits (family <c>bce_logits</c>).</summary>
    public static IReadOnlyList<BceLogitsCase> BceLogits => s_cases.Value.BceLogits;

    /// <summary>Binary cross-entropy from probabilities (family <c>bce_probs</c>).</summary>
    public static IReadOnlyList<BceProbsCase> BceProbs => s_cases.Value.BceProbs;

    /// <summary>Softmax cross-entropy with integer labels (family <c>softmax_ce</c>).</summary>
    public static IReadOnlyList<SoftmaxCeCase> SoftmaxCe => s_cases.Value.SoftmaxCe;

    /// <summary>Softmax cross-entropy with probability targets (family <c>softmax_ce_soft</c>).</summary>
    public static IReadOnlyList<SoftmaxCeSoftCase> SoftmaxCeSoft => s_cases.Value.SoftmaxCeSoft;

    /// <summary>Where the test data sits beside the test assembly.</summary>
    public static string DataPath(string fileName) => Path.Combine(AppContext.BaseDirectory, "Data", "accuracy", fileName);

    /// <summary>A float32 from its big-endian hex bit pattern (<c>"3f800000"</c> is 1).</summary>
    public static float ParseHexFloat(string hex) =>
        BitConverter.UInt32BitsToSingle(uint.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));

    /// <summary>An exact value: <c>"0"</c>, <c>"-inf"</c> or a 25-digit decimal (which may underflow double to 0, as intended).</summary>
    public static double ParseExact(string text) =>
        text == "-inf" ? double.NegativeInfinity : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static Loaded Load()
    {
        var loaded = new Loaded();
        using FileStream file = File.OpenRead(DataPath("cases.jsonl.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        while (reader.ReadLine() is { } line)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement c = document.RootElement;
            string id = c.GetProperty("id").GetString()!;
            string tag = c.GetProperty("tag").GetString()!;
            switch (c.GetProperty("family").GetString())
            {
                case "bce_logits":
                    loaded.BceLogits.Add(new BceLogitsCase(id, tag, Hex(c, "z"), Hex(c, "y"), Exact(c, "loss"), Exact(c, "grad")));
                    break;
                case "bce_probs":
                    loaded.BceProbs.Add(new BceProbsCase(id, tag, Hex(c, "p"), Hex(c, "y"), Exact(c, "loss"), Exact(c, "grad")));
                    break;
                case "softmax_ce":
                    loaded.SoftmaxCe.Add(new SoftmaxCeCase(id, tag, c.GetProperty("label").GetInt32(), HexArray(c, "z"),
                        Exact(c, "loss"), ExactArray(c, "grad"), ExactArray(c, "softmax"), ExactArray(c, "log_softmax")));
                    break;
                case "softmax_ce_soft":
                    loaded.SoftmaxCeSoft.Add(new SoftmaxCeSoftCase(id, tag, HexArray(c, "z"), HexArray(c, "t"),
                        c.GetProperty("row_ref").GetString()!, Exact(c, "loss"), ExactArray(c, "grad")));
                    break;
                default:
                    throw new InvalidDataException($"Case {id} has an unknown family.");
            }
        }

        return loaded;
    }

    private static float Hex(JsonElement c, string name) => ParseHexFloat(c.GetProperty(name).GetString()!);

    private static double Exact(JsonElement c, string name) => ParseExact(c.GetProperty(name).GetString()!);

    private static float[] HexArray(JsonElement c, string name) =>
        c.GetProperty(name).EnumerateArray().Select(e => ParseHexFloat(e.GetString()!)).ToArray();

    private static double[] ExactArray(JsonElement c, string name) =>
        c.GetProperty(name).EnumerateArray().Select(e => ParseExact(e.GetString()!)).ToArray();

    private sealed class Loaded
    {
        public List<BceLogitsCase> BceLogits { get; } = [];

        public List<BceProbsCase> BceProbs { get; } = [];

        public List<SoftmaxCeCase> SoftmaxCe { get; } = [];

        public List<SoftmaxCeSoftCase> SoftmaxCeSoft { get; } = [];
    }
}
