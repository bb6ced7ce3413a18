using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>
/// Rows far longer than the shared cases' 1000 classes, where the summation error (n·2^-53 in the
/// kernels' bound) grows: judged against a scalar reference with a compensated (Kahan–Neumaier)
/// sum of Math.Exp terms, whose error does not grow with n.
/// </summary>
public class LongRowTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4097, 1.0)]
    [InlineData(40000, 3.0)]
    [InlineData(65537, 0.01)]
    public void LongRows_AllThreeOps_Within1Ulp(int columns, double scale)
    {
        float[] z = TestRows.Normal(new Random(columns), columns, scale);
        int k = IndependentReference.ArgMax(z);
        (double sum, double compensation) = (0, 0);
        var terms = new double[columns];
        for (int j = 0; j < columns; j++)
        {
            terms[j] = Math.Exp((double)z[j] - z[k]);
            if (j == k)
            {
                continue; // the maximum's 1 is added back through log1p below
            }

            double t = sum + terms[j];
            compensation += Math.Abs(sum) >= Math.Abs(terms[j]) ? (sum - t) + terms[j] : (terms[j] - t) + sum;
            sum = t;
        }

        double others = sum + compensation;
        double logSum = IndependentReference.Log1pSeries(others);

        var softmax = new AccuracyTally($"Softmax, {columns} columns");
        var logSoftmax = new AccuracyTally($"LogSoftmax, {columns} columns");
        float[] p = LogitNet.Ops.Softmax(Tensor.FromArray(z, 1, columns)).ToArray();
        float[] l = LogitNet.Ops.LogSoftmax(Tensor.FromArray(z, 1, columns)).ToArray();
        for (int i = 0; i < columns; i++)
        {
            softmax.Add($"[{i}]", p[i], terms[i] / (1 + others));
            logSoftmax.Add($"[{i}]", l[i], ((double)z[i] - z[k]) - logSum);
        }

        float lse = LogitNet.Ops.LogSumExp(Tensor.FromArray(z, columns)).ToScalar();
        output.WriteLine(softmax.Report(1.0));
        output.WriteLine(logSoftmax.Report(1.0));
        softmax.AssertWithin(1.0);
        logSoftmax.AssertWithin(1.0);
        // The maximum is positive for these rows, so z_k + log S does not cancel.
        Assert.True(z[k] > 0);
        Assert.True(UlpMetric.Error(lse, z[k] + logSum) <= 1.0, $"LogSumExp {lse:R} vs {z[k] + logSum:R}");
    }
}
