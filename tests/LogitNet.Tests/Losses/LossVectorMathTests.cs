using LogitNet.Kernels;

namespace LogitNet.Tests.Losses;

public class LossVectorMathTests
{
    private static List<double> Arguments()
    {
        var random = new Random(12345);
        var x = new List<double> { 0.0, -0.0, -1e-300, -5e-324, -1e-17, -0.02166, -0.0216608, -0.04332, -0.0433217, -1, -88.7, -706.99, -707, -707.0000001, -745, -1e4, double.NegativeInfinity, double.NaN };
        for (int i = 0; i < 20_000; i++)
        {
            // Log-uniform magnitudes from 1e-12 to 800, and float32-representable values as the kernels see.
            x.Add(-Math.Exp(random.NextDouble() * Math.Log(8e14)) * 1e-12);
            x.Add((float)(-random.NextDouble() * 120));
        }

        return x;
    }

    private static void CheckAgainstMathExp(double[] computed, List<double> x, double bound)
    {
        double worst = 0;
        for (int i = 0; i < computed.Length; i++)
        {
            if (double.IsNaN(x[i]))
            {
                Assert.True(double.IsNaN(computed[i]));
            }
            else if (x[i] < -707)
            {
                Assert.Equal(0.0, computed[i]);
            }
            else
            {
                double exact = Math.Exp(x[i]);
                worst = Math.Max(worst, Math.Abs(computed[i] - exact) / exact);
            }
        }

        Assert.True(worst <= bound, $"worst relative error 2^{Math.Log2(worst):F2}, bound 2^{Math.Log2(bound):F2}");
    }

    [Fact]
    public void AccurateExp_IsWithinFourDoubleUlpsOfMathExp_AndHandlesEdges()
    {
        List<double> x = Arguments();
        double[] values = x.ToArray();
        LossVectorMath.ExpNonPositive<AccurateExp>(values);
        CheckAgainstMathExp(values, x, 4 * Math.ScaleB(1, -53));
    }

    [Fact]
    public void QuickExp_IsWithinTwoToTheMinus42OfMathExp_AndHandlesEdges()
    {
        List<double> x = Arguments();
        double[] values = x.ToArray();
        LossVectorMath.ExpNonPositive<QuickExp>(values);
        CheckAgainstMathExp(values, x, Math.ScaleB(1, -42));
    }

    [Fact]
    public void ExpShiftedSum_MatchesMathExpAndItsSum_ForEveryLength()
    {
        var random = new Random(7);
        for (int n = 1; n <= 70; n++)
        {
            float[] z = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 60 - 30)).ToArray();
            float m = z.Max();
            var accurate = new double[n];
            var quick = new double[n];
            double sum = LossVectorMath.ExpShiftedSum<AccurateExp>(z, m, accurate);
            double quickSum = LossVectorMath.ExpShiftedSum<QuickExp>(z, m, quick);
            double expected = 0;
            for (int j = 0; j < n; j++)
            {
                double exact = Math.Exp((double)z[j] - m);
                expected += exact;
                Assert.True(Math.Abs(accurate[j] - exact) <= 4 * Math.ScaleB(1, -53) * exact, $"n={n}, j={j}");
                Assert.True(Math.Abs(quick[j] - exact) <= Math.ScaleB(1, -42) * exact, $"n={n}, j={j} (quick)");
            }

            Assert.True(Math.Abs(sum - expected) <= 1e-14 * expected);
            Assert.True(Math.Abs(quickSum - expected) <= 1e-12 * expected);
        }
    }
}
