using System.Globalization;
using System.Text.RegularExpressions;

namespace LogitNet.Cli.Tests;

public sealed class AuditTests
{
    [Fact]
    public void Audit_EveryOperationWithinOneUlp_ExitsZero()
    {
        CliResult result = CliRunner.Run(Path.GetTempPath(), "audit");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Audit passed", result.Output);
        foreach (string operation in new[] { "Ops.Sigmoid", "Ops.Softplus", "Ops.Softmax", "Ops.LogSoftmax", "Ops.LogSumExp", "BinaryCrossentropy(probabilities)" })
        {
            Match row = Regex.Match(result.Output, Regex.Escape(operation) + @"\s+│\s+(\d+) │\s+([0-9.]+) │");
            Assert.True(row.Success, $"no row for {operation}:\n{result.Output}");
            Assert.True(int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture) > 1000, row.Value);
            Assert.InRange(double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture), 0, 1);
        }
    }
}
