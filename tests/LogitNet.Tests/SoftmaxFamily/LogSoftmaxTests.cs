using LogitNet.Kernels;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

public class LogSoftmaxTests(ITestOutputHelper output)
{
    [Fact]
    public void LogSoftmax_SharedCases_Within1Ulp()
    {
        var tally = new AccuracyTally("LogSoftmax (shared cases)");
        foreach (SoftmaxCeCase c in ReferenceCases.SoftmaxCe)
        {
            float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(c.Z, c.Z.Length)).ToArray();
            TestRows.AddRow(tally, $"{c.Id} ({c.Tag})", y, c.LogSoftmax);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSoftmax_SharedCasesAsOneBatch_Within1Ulp()
    {
        // Rows of one class count stacked into [rows, C]: the blocked path (8 rows, logarithms
        // taken together) must give each row its exact values, partial last block included.
        foreach (IGrouping<int, SoftmaxCeCase> group in ReferenceCases.SoftmaxCe.GroupBy(c => c.Z.Length))
        {
            float[] stacked = group.SelectMany(c => c.Z).ToArray();
            float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(stacked, group.Count(), group.Key)).ToArray();
            var tally = new AccuracyTally($"LogSoftmax (shared cases, batch of C = {group.Key})");
            int row = 0;
            foreach (SoftmaxCeCase c in group)
            {
                TestRows.AddRow(tally, c.Id, y.AsSpan(row * group.Key, group.Key), c.LogSoftmax);
                row++;
            }

            output.WriteLine(tally.Report(1.0));
            tally.AssertWithin(1.0);
        }
    }

    [Fact]
    public void LogSoftmax_SpecialRowsInsideABlock_DoNotDisturbTheirNeighbours()
    {
        float ninf = float.NegativeInfinity;
        float[][] rows = [[1f, 2f, 3f], [float.NaN, 0f, 0f], [0f, 0f, 0f], [ninf, ninf, ninf], [5f, float.PositiveInfinity, 1f], [0f, -70f, ninf], [2f, 2f, 2f], [1f, 2f, 3f], [0f, 0f, 0f], [float.NaN, 1f, 1f], [0f, -70f, ninf]];
        float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, 3)).ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            float[] alone = LogitNet.Ops.LogSoftmax(Tensor.FromArray(rows[r], 3)).ToArray();
            Assert.Equal(alone, y[(3 * r)..(3 * r + 3)]);
        }

        Assert.True(float.IsNaN(y[3]) && float.IsNaN(y[9]) && float.IsNaN(y[12]));
        Assert.Equal((float)-Math.Log(3), y[6]);
        Assert.Equal(ninf, y[17]);
    }

    [Fact]
    public void LogSoftmax_SharedCases_LabelComponentIsMinusTheLoss()
    {
        // loss = -log_softmax[label], stored separately with its own 25 digits: a second check.
        var tally = new AccuracyTally("LogSoftmax[label] vs -loss (shared cases)");
        foreach (SoftmaxCeCase c in ReferenceCases.SoftmaxCe)
        {
            float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(c.Z, c.Z.Length)).ToArray();
            tally.Add(c.Id, y[c.Label], -c.Loss);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSoftmax_RandomRowsOfEveryLength1To70_Within1UlpOfIndependentReference()
    {
        var random = new Random(1122);
        var tally = new AccuracyTally("LogSoftmax (random rows 1..70)");
        foreach (double scale in new[] { 1.0, 10.0, 1000.0 })
        {
            for (int length = 1; length <= 70; length++)
            {
                float[] z = TestRows.Normal(random, length, scale);
                float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(z, 1, length)).ToArray();
                TestRows.AddRow(tally, $"scale {scale} length {length}", y, IndependentReference.LogSoftmax(z));
            }
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSoftmax_AdversarialRows_Within1UlpOfIndependentReference()
    {
        var tally = new AccuracyTally("LogSoftmax (adversarial rows)");
        foreach ((string name, float[] z) in AdversarialRows.All())
        {
            if (name == "flt max spread")
            {
                // Exact log_softmax of -FLT_MAX there is about -6.8e38, beyond float32: tested below.
                continue;
            }

            float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray(z, z.Length)).ToArray();
            TestRows.AddRow(tally, name, y, IndependentReference.LogSoftmax(z));
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSoftmax_DominantEntry_KeepsTheDigitsOfItsTinyLogProbability()
    {
        // log_softmax of 0 in [0, -70] is -log1p(e^-70) = -3.975449735908646e-31 (e^-70 - e^-140/2);
        // log(softmax) would round the probability to 1 and give 0.
        float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray([0f, -70f], 2)).ToArray();
        Assert.True(UlpMetric.Error(y[0], -3.975449735908646e-31) <= 0.5, $"got {y[0]:R}");
        Assert.True(UlpMetric.Error(y[1], -70.0 - 3.975449735908646e-31) <= 0.5, $"got {y[1]:R}");
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.693147180559945309417232121458)]
    [InlineData(3, 1.098612288668109691395245236922)]
    [InlineData(10, 2.302585092994045684017968454213)]
    [InlineData(1000, 6.907755278982137052053974364053)]
    public void LogSoftmax_EqualValues_GiveMinusLogC(int columns, double logC)
    {
        foreach (float v in new[] { 0f, 1.5f, -1e4f, 3e38f, -float.MaxValue })
        {
            float[] y = LogitNet.Ops.LogSoftmax(Tensor.Full(v, columns)).ToArray();
            Assert.All(y, l => Assert.Equal((float)-logC, l));
        }
    }

    [Fact]
    public void LogSoftmax_MaskedEntries_GiveMinusInfinity()
    {
        float ninf = float.NegativeInfinity;
        float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray([ninf, 2f, ninf, ninf, ninf, ninf, ninf, ninf, ninf, 2f], 10)).ToArray();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i is 1 or 9 ? (float)-Math.Log(2) : ninf, y[i]);
        }
    }

    [Fact]
    public void LogSoftmax_ResultBeyondFloatRange_RoundsToMinusInfinity()
    {
        // Exact: -FLT_MAX - FLT_MAX - log 2 ≈ -6.8e38, below -FLT_MAX: float32 rounds it to -inf.
        float[] y = LogitNet.Ops.LogSoftmax(Tensor.FromArray([float.MaxValue, -float.MaxValue, float.MaxValue], 3)).ToArray();
        Assert.Equal([(float)-Math.Log(2), float.NegativeInfinity, (float)-Math.Log(2)], y);
    }

    [Fact]
    public void LogSoftmax_NaNAllMaskedOrPlusInfinity_GivesNaNRow()
    {
        float ninf = float.NegativeInfinity;
        foreach (float[] z in new[] { new[] { 1f, float.NaN, 2f }, [ninf, ninf], [0f, float.PositiveInfinity], [float.NaN] })
        {
            Assert.All(LogitNet.Ops.LogSoftmax(Tensor.FromArray(z, 1, z.Length)).ToArray(), v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void LogSoftmax_ShapesAndErrors()
    {
        Assert.Equal([2, 2, 5], LogitNet.Ops.LogSoftmax(Tensor.Zeros(2, 2, 5)).Shape);
        Assert.All(LogitNet.Ops.LogSoftmax(Tensor.Zeros(2, 2, 5)).ToArray(), v => Assert.Equal((float)-Math.Log(5), v));
        Assert.Equal([0, 4], LogitNet.Ops.LogSoftmax(Tensor.Zeros(0, 4)).Shape);
        ArgumentException error = Assert.Throws<ArgumentException>(() => LogitNet.Ops.LogSoftmax(Tensor.Scalar(0f)));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("LogSoftmax", error.Message);
        Assert.Contains("[]", error.Message);
        Assert.Throws<ArgumentNullException>(() => LogitNet.Ops.LogSoftmax(null!));
    }

    [Fact]
    public void LogSoftmaxKernel_InPlace_EqualsOutOfPlace()
    {
        float[] x = TestRows.Normal(new Random(3), 13 * 9, 5.0);
        var expected = new float[x.Length];
        LogSoftmaxKernel.Rows(x, expected, 13);
        LogSoftmaxKernel.Rows(x, x, 13);
        Assert.Equal(expected, x);
    }
}
