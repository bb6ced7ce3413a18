using System.Text.Json;

namespace LogitNet.Tests.Accuracy;

public class UlpMetricTests
{
    [Fact]
    public void Error_ReproducesTheSharedSelfTest()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(ReferenceCases.DataPath("metric_selftest.json")));
        int checkedCount = 0;
        foreach (JsonElement item in document.RootElement.GetProperty("scalar").EnumerateArray())
        {
            double exact = ReferenceCases.ParseExact(item.GetProperty("exact").GetString()!);
            float computed = ReferenceCases.ParseHexFloat(item.GetProperty("computed").GetString()!);
            double error = UlpMetric.Error(computed, exact);
            JsonElement expected = item.GetProperty("ulp_error");
            if (expected.ValueKind == JsonValueKind.Null)
            {
                Assert.True(double.IsPositiveInfinity(error), $"exact {exact}, computed {computed}: expected non-finite");
            }
            else
            {
                Assert.Equal(expected.GetDouble(), error, 1e-12);
            }

            checkedCount++;
        }

        Assert.True(checkedCount >= 10);
    }

    [Fact]
    public void NormwiseError_ReproducesTheSharedSelfTest()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(ReferenceCases.DataPath("metric_selftest.json")));
        int checkedCount = 0;
        foreach (JsonElement item in document.RootElement.GetProperty("normwise").EnumerateArray())
        {
            double[] exact = item.GetProperty("exact").EnumerateArray().Select(e => ReferenceCases.ParseExact(e.GetString()!)).ToArray();
            float[] computed = item.GetProperty("computed").EnumerateArray().Select(e => ReferenceCases.ParseHexFloat(e.GetString()!)).ToArray();
            double error = UlpMetric.NormwiseError(computed, exact);
            JsonElement expected = item.GetProperty("normwise_error");
            if (expected.ValueKind == JsonValueKind.Null)
            {
                Assert.True(double.IsPositiveInfinity(error));
            }
            else
            {
                Assert.Equal(expected.GetDouble(), error, 1e-9 * Math.Max(1, expected.GetDouble()));
            }

            checkedCount++;
        }

        Assert.True(checkedCount >= 2);
    }

    [Fact]
    public void ReferenceCases_LoadEveryFamily()
    {
        Assert.NotEmpty(ReferenceCases.BceLogits);
        Assert.NotEmpty(ReferenceCases.BceProbs);
        Assert.NotEmpty(ReferenceCases.SoftmaxCe);
        Assert.NotEmpty(ReferenceCases.SoftmaxCeSoft);
        Assert.Equal(8525, ReferenceCases.BceLogits.Count + ReferenceCases.BceProbs.Count
            + ReferenceCases.SoftmaxCe.Count + ReferenceCases.SoftmaxCeSoft.Count);
    }
}
