using System.IO.Compression;
using System.Text.Json;
using LogitNet.Losses;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.Losses;

/// <summary>
/// Hard inputs beyond the shared cases, with exact outputs from 700- and 1400-bit evaluation of the
/// textbook formulas (Losses/Data/make_adversarial.py, run with mpmath; the output is committed).
/// Loss values and hard-target gradients within 1 ulp; soft-target gradient rows normwise ≤ 8, except
/// binary cross-entropy, whose soft-label gradient is also held to 1 ulp.
/// </summary>
public class AdversarialCaseTests(ITestOutputHelper output)
{
    private sealed record Case(string Loss, bool FromLogits, double? Gamma, string Tag, float[] YTrue, float[] YPred, double Value, double[] Grad, bool Soft);

    private static List<Case> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Losses", "Data", "adversarial.jsonl");
        var cases = new List<Case>();
        foreach (string line in File.ReadLines(path))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement c = document.RootElement;
            JsonElement gamma = c.GetProperty("gamma");
            cases.Add(new Case(
                c.GetProperty("loss").GetString()!,
                c.GetProperty("fromLogits").GetBoolean(),
                gamma.ValueKind == JsonValueKind.Null ? null : gamma.GetDouble(),
                c.GetProperty("tag").GetString()!,
                c.GetProperty("yTrue").EnumerateArray().Select(e => ReferenceCases.ParseHexFloat(e.GetString()!)).ToArray(),
                c.GetProperty("yPred").EnumerateArray().Select(e => ReferenceCases.ParseHexFloat(e.GetString()!)).ToArray(),
                ReferenceCases.ParseExact(c.GetProperty("value").GetString()!),
                c.GetProperty("grad").EnumerateArray().Select(e => ReferenceCases.ParseExact(e.GetString()!)).ToArray(),
                c.GetProperty("soft").GetBoolean()));
        }

        return cases;
    }

    [Fact]
    public void EveryLoss_OnAdversarialInputs_MeetsTheBar()
    {
        List<Case> cases = Load();
        Assert.True(cases.Count > 500);
        var values = new AccuracyTally("adversarial loss values");
        var hardGradients = new AccuracyTally("adversarial hard-target and binary gradients");
        var softRows = new AccuracyTally("adversarial soft-target gradient rows (normwise)");
        foreach (Case c in cases)
        {
            int n = c.YPred.Length;
            string id = $"{c.Loss}/{c.Tag}/fromLogits={c.FromLogits}/gamma={c.Gamma}/y={string.Join(",", c.YTrue.Take(4))}/z={string.Join(",", c.YPred.Take(4))}";
            Tensor yPred = Tensor.FromArray(c.YPred, 1, n);
            Tensor yTrue = Tensor.FromArray(c.YTrue, 1, n);
            var losses = new List<Loss>();
            switch (c.Loss)
            {
                case "binary":
                    losses.Add(new BinaryCrossentropy(fromLogits: c.FromLogits, reduction: Reduction.None));
                    break;
                case "binary_focal":
                    losses.Add(new BinaryFocalCrossentropy(gamma: (float)c.Gamma!.Value, fromLogits: c.FromLogits, reduction: Reduction.None));
                    break;
                case "categorical":
                    losses.Add(new CategoricalCrossentropy(fromLogits: c.FromLogits, reduction: Reduction.None));
                    break;
                case "categorical_focal":
                    losses.Add(new CategoricalFocalCrossentropy(gamma: (float)c.Gamma!.Value, fromLogits: c.FromLogits, reduction: Reduction.None));
                    break;
                default:
                    throw new InvalidDataException(c.Loss);
            }

            foreach (Loss loss in losses)
            {
                Check(loss, yTrue, yPred, c, id);
            }

            if (c.Loss == "categorical" && !c.Soft)
            {
                // The same row through the sparse loss, with the class id.
                var sparse = new SparseCategoricalCrossentropy(fromLogits: c.FromLogits, reduction: Reduction.None);
                Check(sparse, Tensor.FromArray([(float)Array.IndexOf(c.YTrue, 1f)], 1), yPred, c, id + "/sparse");
            }
        }

        void Check(Loss loss, Tensor yTrue, Tensor yPred, Case c, string id)
        {
            values.Add(id, loss.Call(yTrue, yPred).ToArray()[0], c.Value);
            float[] gradient = loss.Gradient(yTrue, yPred).ToArray();
            bool perComponent = !c.Soft || c.Loss == "binary";
            if (perComponent)
            {
                for (int j = 0; j < gradient.Length; j++)
                {
                    hardGradients.Add($"{id}[{j}]", gradient[j], c.Grad[j]);
                }
            }
            else
            {
                softRows.AddNormwise(id, UlpMetric.NormwiseError(gradient, c.Grad));
            }
        }

        output.WriteLine(values.Report(1));
        output.WriteLine(hardGradients.Report(1));
        output.WriteLine(softRows.Report(8));
        values.AssertWithin(1);
        hardGradients.AssertWithin(1);
        softRows.AssertWithin(8);
    }
}
