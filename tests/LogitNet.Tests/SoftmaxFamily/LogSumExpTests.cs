using LogitNet.Kernels;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

public class LogSumExpTests(ITestOutputHelper output)
{
    [Fact]
    public void LogSumExp_SharedCases_Within1UlpOfTheImpliedExactValue()
    {
        // The cases store log_softmax_i = z_i - LSE exactly (25 digits), so LSE = z_i - log_softmax_i
        // for any unmasked i. In double that sum is good to (|z_i| + |log_softmax_i|)·2^-52 absolute;
        // it is a trustworthy reference only where that bound is below 2^-30 of the result, so each
        // row uses its best-conditioned entry (an entry with z_i ≥ 0 never cancels), and rows with
        // no trustworthy entry are left out and counted, not guessed.
        var tally = new AccuracyTally("LogSumExp (shared cases)");
        int untrusted = 0;
        foreach (SoftmaxCeCase c in ReferenceCases.SoftmaxCe)
        {
            double best = double.NaN;
            double bestConditioning = double.PositiveInfinity;
            for (int i = 0; i < c.Z.Length; i++)
            {
                if (float.IsNegativeInfinity(c.Z[i]))
                {
                    continue;
                }

                double lse = c.Z[i] - c.LogSoftmax[i];
                double conditioning = (Math.Abs((double)c.Z[i]) + Math.Abs(c.LogSoftmax[i])) / Math.Abs(lse);
                if (conditioning < bestConditioning)
                {
                    (best, bestConditioning) = (lse, conditioning);
                }
            }

            if (!(bestConditioning * Math.ScaleB(1.0, -52) <= Math.ScaleB(1.0, -30)))
            {
                untrusted++;
                continue;
            }

            float computed = LogitNet.Ops.LogSumExp(Tensor.FromArray(c.Z, c.Z.Length)).ToScalar();
            tally.Add($"{c.Id} ({c.Tag})", computed, best);
        }

        output.WriteLine(tally.Report(1.0) + $"\n{untrusted} rows had no trustworthy reference.");
        Assert.True(untrusted <= 2, $"{untrusted} shared rows had no trustworthy LSE reference.");
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSumExp_ManyRowsAtOnce_EqualsEachRowAlone_SpecialRowsIncluded()
    {
        // The kernel takes rows in blocks of 8 (logarithms together); every row must get what it
        // gets alone, whatever its neighbours hold, partial last block included.
        var random = new Random(8);
        foreach (int columns in new[] { 1, 3, 10, 17, 1000, 1500 })
        {
            int rows = 21;
            float[] x = TestRows.Normal(random, rows * columns, 4.0, offset: -3);
            x[2 * columns] = float.NaN;
            x.AsSpan(5 * columns, columns).Fill(float.NegativeInfinity);
            x[9 * columns + columns / 2] = float.PositiveInfinity;
            float[] all = LogitNet.Ops.LogSumExp(Tensor.FromArray(x, rows, columns)).ToArray();
            for (int r = 0; r < rows; r++)
            {
                float alone = LogitNet.Ops.LogSumExp(Tensor.FromArray(x[(r * columns)..((r + 1) * columns)], columns)).ToScalar();
                Assert.Equal(alone, all[r]);
            }

            Assert.True(float.IsNaN(all[2]));
            Assert.Equal(float.NegativeInfinity, all[5]);
            Assert.Equal(float.PositiveInfinity, all[9]);
        }
    }

    [Fact]
    public void LogSumExp_RandomAndAdversarialRows_Within1UlpOfIndependentReference()
    {
        var random = new Random(424242);
        var tally = new AccuracyTally("LogSumExp (random and adversarial rows)");
        var rows = new List<(string, float[])>(AdversarialRows.All());
        foreach (double scale in new[] { 1.0, 30.0, 1e4 })
        {
            for (int length = 1; length <= 70; length++)
            {
                rows.Add(($"scale {scale} length {length}", TestRows.Normal(random, length, scale, offset: scale)));
            }
        }

        int untrusted = 0;
        foreach ((string name, float[] z) in rows)
        {
            if (name == "flt max spread" || name == "flt max neighbours")
            {
                continue; // exact LSE above FLT_MAX: tested separately
            }

            if (!IndependentReference.TryLogSumExp(z, out double exact))
            {
                untrusted++;
                continue;
            }

            tally.Add(name, LogitNet.Ops.LogSumExp(Tensor.FromArray(z, z.Length)).ToScalar(), exact);
        }

        output.WriteLine(tally.Report(1.0) + $"\n{untrusted} rows left out (reference cancels).");
        tally.AssertWithin(1.0);
    }

    public static TheoryData<int, string> CancellingRows => new()
    {
        // C equal entries v give LSE = v + ln C exactly; with v the floats nearest -ln C the sum
        // cancels to about 1e-8 and below. ln C to 28 digits as decimals.
        { 2, "0.6931471805599453094172321215" },
        { 3, "1.0986122886681096913952452369" },
        { 4, "1.3862943611198906188344642429" },
        { 10, "2.3025850929940456840179914547" },
        { 100, "4.6051701859880913680359829093" },
        { 1000, "6.9077552789821370520539743641" },
    };

    [Theory]
    [MemberData(nameof(CancellingRows))]
    public void LogSumExp_EqualNegativeEntriesNearMinusLogC_KeepRelativeAccuracy(int columns, string logCText)
    {
        decimal logC = decimal.Parse(logCText, System.Globalization.CultureInfo.InvariantCulture);
        float nearest = (float)-(double)logC;
        var tally = new AccuracyTally($"LogSumExp (cancelling, C = {columns})");
        float v = nearest;
        for (int step = 0; step < 8; step++, v = MathF.BitDecrement(v))
        {
            foreach (float entry in new[] { v, Neighbour(nearest, step) })
            {
                // |entry| ≥ 0.5 here, so entry·2^24 is an integer and the decimal below is exact.
                decimal exact = (decimal)(long)((double)entry * 16777216.0) / 16777216m + logC;
                float computed = LogitNet.Ops.LogSumExp(Tensor.Full(entry, columns)).ToScalar();
                tally.Add($"v = {entry:R}", computed, (double)exact);
            }
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSumExp_UnequalEntriesCancellingToNearZero_Within1UlpOfDecimalReference()
    {
        // Rows [a, b] with a = float(-log1p(e^-δ)), b = float(a - δ): LSE = a + log1p(e^(b - a)) is
        // then the rounding residue of a, about 1e-8, or an ulp-step away from it. Double cannot
        // judge these (its error in log1p, ~2^-53, is ~2^-27 of the result); 28-digit decimal can.
        var tally = new AccuracyTally("LogSumExp (two unequal entries, cancelling)");
        var random = new Random(99);
        for (int k = 0; k < 300; k++)
        {
            double delta = 0.01 + 1.2 * random.NextDouble();
            float a0 = (float)-Math.Log(1 + Math.Exp(-delta));
            for (int step = -2; step <= 2; step++)
            {
                float a = Step(a0, step);
                float b = (float)(a - delta);
                decimal exact = DecimalReference.Exact(a) + DecimalReference.Log1p(DecimalReference.Exp(DecimalReference.Exact(b) - DecimalReference.Exact(a)));
                tally.Add($"[{a:R}, {b:R}]", LogitNet.Ops.LogSumExp(Tensor.FromArray([a, b], 2)).ToScalar(), (double)exact);
            }
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void LogSumExpExtended_AgreesWithTheFastPathOnWellConditionedRows()
    {
        // Two independent evaluations (vector double exp + Goldberg log1p; scalar double-double exp
        // and Newton log): on rows with a non-negative maximum both are far better than float32.
        var random = new Random(5);
        for (int k = 0; k < 200; k++)
        {
            float[] z = TestRows.Normal(random, 1 + k % 40, 5.0, offset: 20);
            double fast = SoftmaxRow.LogSumExp(z);
            double extended = SoftmaxRow.LogSumExpExtended(z, SoftmaxRow.Max(z));
            Assert.True(Math.Abs(fast - extended) <= Math.ScaleB(Math.Abs(extended), -40), $"row {k}: {fast:R} vs {extended:R}");
        }
    }

    [Fact]
    public void LogSumExp_SpecialValues()
    {
        float ninf = float.NegativeInfinity;
        Assert.Equal(ninf, LogitNet.Ops.LogSumExp(Tensor.FromArray([ninf, ninf, ninf], 3)).ToScalar());
        Assert.Equal(float.PositiveInfinity, LogitNet.Ops.LogSumExp(Tensor.FromArray([1f, float.PositiveInfinity], 2)).ToScalar());
        Assert.True(float.IsNaN(LogitNet.Ops.LogSumExp(Tensor.FromArray([1f, float.NaN, float.PositiveInfinity], 3)).ToScalar()));
        for (int length = 1; length <= 20; length++)
        {
            var z = new float[length];
            z[length / 2] = float.NaN;
            Assert.True(float.IsNaN(LogitNet.Ops.LogSumExp(Tensor.FromArray(z, length)).ToScalar()), $"length {length}");
        }

        // Length 1: LSE = x exactly, however large or small.
        foreach (float x in new[] { float.MaxValue, -float.MaxValue, float.Epsilon, -1e-40f, 0f, -7f })
        {
            Assert.Equal(x, LogitNet.Ops.LogSumExp(Tensor.FromArray([x], 1)).ToScalar());
        }

        // Two FLT_MAX: FLT_MAX + ln 2 rounds to FLT_MAX (ln 2 is far below half an ulp, 2^103).
        Assert.Equal(float.MaxValue, LogitNet.Ops.LogSumExp(Tensor.FromArray([float.MaxValue, float.MaxValue], 2)).ToScalar());
        Assert.Equal(float.MaxValue, LogitNet.Ops.LogSumExp(Tensor.FromArray([float.MaxValue, -float.MaxValue, 0f], 3)).ToScalar());
        // Masked entries contribute nothing.
        Assert.Equal((float)(2 + Math.Log(2)), LogitNet.Ops.LogSumExp(Tensor.FromArray([ninf, 2f, ninf, 2f], 4)).ToScalar());
    }

    [Fact]
    public void LogSumExp_Shapes()
    {
        Tensor rank1 = LogitNet.Ops.LogSumExp(Tensor.FromArray([0f, 0f], 2));
        Assert.Equal(0, rank1.Rank);
        Assert.Equal((float)Math.Log(2), rank1.ToScalar());

        Tensor rank3 = LogitNet.Ops.LogSumExp(Tensor.Zeros(2, 3, 10));
        Assert.Equal([2, 3], rank3.Shape);
        Assert.All(rank3.ToArray(), v => Assert.Equal((float)Math.Log(10), v));

        Assert.Equal([0], LogitNet.Ops.LogSumExp(Tensor.Zeros(0, 10)).Shape);
        Tensor emptyRows = LogitNet.Ops.LogSumExp(Tensor.Zeros(3, 0));
        Assert.Equal([3], emptyRows.Shape);
        Assert.All(emptyRows.ToArray(), v => Assert.Equal(float.NegativeInfinity, v));

        ArgumentException error = Assert.Throws<ArgumentException>(() => LogitNet.Ops.LogSumExp(Tensor.Scalar(2f)));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("LogSumExp", error.Message);
        Assert.Contains("[]", error.Message);
        Assert.Throws<ArgumentNullException>(() => LogitNet.Ops.LogSumExp(null!));
    }

    [Fact]
    public void DoubleDouble_ExpAndLog_MatchPublishedConstants()
    {
        // Double-double constants from the QD library (Hida, Li, Bailey): e, ln 2, ln 10.
        AssertDoubleDouble(DoubleDouble.Exp(new DoubleDouble(1, 0)), 2.718281828459045091e+00, 1.445646891729250158e-16);
        AssertDoubleDouble(DoubleDouble.Log(new DoubleDouble(2, 0)), 6.931471805599452862e-01, 2.319046813846299558e-17);
        AssertDoubleDouble(DoubleDouble.Log(new DoubleDouble(10, 0)), 2.302585092994045901e+00, -2.170756223382249351e-16);
        AssertDoubleDouble(DoubleDouble.Exp(new DoubleDouble(6.931471805599452862e-01, 2.319046813846299558e-17)), 2.0, 0.0);
    }

    private static void AssertDoubleDouble(DoubleDouble actual, double hi, double lo)
    {
        double difference = (actual.Hi - hi) + (actual.Lo - lo);
        Assert.True(Math.Abs(difference) <= Math.ScaleB(Math.Abs(hi), -95), $"({actual.Hi:R}, {actual.Lo:R}) vs ({hi:R}, {lo:R})");
    }

    private static float Step(float x, int steps)
    {
        for (int i = 0; i < Math.Abs(steps); i++)
        {
            x = steps > 0 ? MathF.BitIncrement(x) : MathF.BitDecrement(x);
        }

        return x;
    }

    private static float Neighbour(float x, int step)
    {
        for (int i = 0; i <= step; i++)
        {
            x = MathF.BitIncrement(x);
        }

        return x;
    }
}
