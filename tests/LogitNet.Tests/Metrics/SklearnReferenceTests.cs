using System.Text.Json;
using LogitNet.Metrics;

namespace LogitNet.Tests.Metrics;

/// <summary>
/// Precision, Recall, F1Score and Auc against scikit-learn's values on the cases written by
/// tools/metrics_reference.py (balanced, weighted, tied scores, imbalanced, multi-label, saturated),
/// fed as logits (FromLogits) and as float32 probabilities, in one batch and in uneven batches.
/// </summary>
public class SklearnReferenceTests
{
    public static TheoryData<string> CaseNames() => new(Cases().Select(c => c.GetProperty("name").GetString()!));

    private static IEnumerable<JsonElement> Cases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "metrics", "sklearn_reference.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    }

    private static (Tensor Logits, Tensor Probabilities, Tensor Labels, Tensor? Weights, JsonElement Case) Load(string name)
    {
        JsonElement c = Cases().Single(e => e.GetProperty("name").GetString() == name);
        int columns = c.GetProperty("columns").GetInt32();
        float[] Floats(string key) => c.GetProperty(key).EnumerateArray().Select(v => v.GetSingle()).ToArray();
        float[] logits = Floats("logits");
        int rows = logits.Length / columns;
        Tensor? weights = c.GetProperty("weights").ValueKind == JsonValueKind.Null ? null : Tensor.FromArray(Floats("weights"), rows);
        return (Tensor.FromArray(logits, rows, columns), Tensor.FromArray(Floats("probabilities"), rows, columns),
            Tensor.FromArray(Floats("labels"), rows, columns), weights, c);
    }

    /// <summary>Feeds the data in batches of 7 rows (uneven, last one short), as Fit does.</summary>
    private static float Run(Metric metric, Tensor labels, Tensor predictions, Tensor? weights, int batch = 7)
    {
        int rows = predictions.Shape[0];
        for (int start = 0; start < rows; start += batch)
        {
            int count = Math.Min(batch, rows - start);
            metric.Update(labels.Slice(start, count), predictions.Slice(start, count), weights?.Slice(start, count));
        }

        return metric.Result();
    }

    private static void Near(double expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ThresholdedMetrics_MatchSklearn_OnLogitsAndProbabilities(string name)
    {
        var (logits, probabilities, labels, weights, c) = Load(name);
        foreach ((Func<bool, Metric> make, string key) in new (Func<bool, Metric>, string)[]
                 {
                     (l => new Precision(fromLogits: l), "precision"),
                     (l => new Recall(fromLogits: l), "recall"),
                     (l => new F1Score(fromLogits: l), "f1"),
                 })
        {
            double expected = c.GetProperty(key).GetDouble();
            Near(expected, Run(make(true), labels, logits, weights));
            Near(expected, Run(make(false), labels, probabilities, weights));
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Auc_MatchesSklearn_OnLogitsAndProbabilities(string name)
    {
        var (logits, probabilities, labels, weights, c) = Load(name);
        Near(c.GetProperty("roc_auc").GetDouble(), Run(new Auc(), labels, logits, weights));
        Near(c.GetProperty("roc_auc_probabilities").GetDouble(), Run(new Auc(), labels, probabilities, weights));
        Near(c.GetProperty("average_precision").GetDouble(), Run(new Auc(AucCurve.PrecisionRecall), labels, logits, weights));
        Near(c.GetProperty("average_precision_probabilities").GetDouble(), Run(new Auc(AucCurve.PrecisionRecall), labels, probabilities, weights));
    }

    [Fact]
    public void Auc_OnSaturatedLogits_KeepsTheRankingThatProbabilitiesLose()
    {
        var (logits, probabilities, labels, _, c) = Load("saturated");
        float onLogits = Run(new Auc(), labels, logits, null);
        float onProbabilities = Run(new Auc(), labels, probabilities, null);
        Assert.NotEqual(onLogits, onProbabilities);
        Near(c.GetProperty("roc_auc").GetDouble(), onLogits);
    }
}
