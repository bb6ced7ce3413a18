using System.Globalization;
using System.Text.RegularExpressions;

namespace LogitNet.Cli.Tests;

public sealed class DemoTests
{
    private static readonly string s_directory = Path.GetTempPath();

    [Fact]
    public void Roundoff_ShowsTheTwoStepLossBreakingAndTheFusedOneExact()
    {
        CliResult result = CliRunner.Run(s_directory, "demo", "roundoff");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("0.00020003319", result.Output);   // 1 + 1/10000 - (1 - 1/10000) in float32
        // Sigmoid, y = 0, z = 1000: the two-step loss overflows, the fused one is exact.
        Assert.Matches(@"y = 0 \(wrong\) │\s+1000 │\s+1000 │\s+Infinity │\s+infinite │\s+1000 │\s+0\.0E\+0 │", result.Output);
        // Softmax [30, 0, 0], label 0: the two-step loss is zeroed, the fused one keeps 1.87e-13.
        Assert.Matches(@"label 0 \(right\) │\s+30 │\s+1\.8715246E-13 │\s+0 │\s+1 \(zeroed\) │\s+1\.8715246E-13 │", result.Output);
        Assert.Contains("NaN", result.Output);
    }

    [Fact]
    public void SoftmaxLab_BothModelsClassifyTheBlobs()
    {
        CliResult result = CliRunner.Run(s_directory, "demo", "softmax-lab");

        Assert.True(result.ExitCode == 0, result.Error);
        MatchCollection accuracies = Regex.Matches(result.Output, @"fromLogits: (?:false|true)\s+│\s+([0-9.]+) │");
        Assert.Equal(2, accuracies.Count);
        foreach (Match accuracy in accuracies)
        {
            Assert.True(float.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) >= 0.95f, result.Output);
        }

        Assert.Contains("p = softmax(z)", result.Output);
    }
}
