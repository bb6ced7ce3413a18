using LogitNet.Kernels;

namespace LogitNet.Tests.Losses;

public class LossVectorMathTests
{
    [Fact]
    public void ExpNonPositive_IsWithinFourDoubleUlpsOfMathExp_AndHandlesEdges()
    {
        var random = new Random(12345);
        var x = new List<double> { 0.0, -0.0, -1e-300, -5e-324, -1e-17, -0.04332, -0.0433217, -1, -88.7, -706.99, -707, -707.0000001, -745, -1e4, double.NegativeInfinity, double.NaN };
        for (int i = 0; i < 20_000; i++)
        {
            // Log-uniform magnitudes from 1e-12 to 800, and float32-representable values as the kernels see.
            x.Add(-Math.Exp(random.NextDouble() * Math.Log(8e14)) * 1e-12);
            x.Add((float)(-random.NextDouble() * 120));
        }

        double[] values = x.ToArray();
        LossVectorMath.ExpNonPositive(values);
        double worst = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double exact = Math.Exp(x[i]);
            if (double.IsNaN(x[i]))
            {
                Assert.True(double.IsNaN(values[i]));
            }
            else if (x[i] < -707)
            {
                Assert.Equal(0.0, values[i]);
            }
            else
            {
                worst = Math.Max(worst, Math.Abs(values[i] - exact) / exact);
            }
        }

        Assert.True(worst <= 4 * Math.ScaleB(1, -53), $"worst relative error {worst / Math.ScaleB(1, -53):F2} double ulps");
    }

    [Fact]
    public void ExpShiftedSum_MatchesMathExpAndItsSum_ForEveryLength()
    {
        var random = new Random(7);
        for (int n = 1; n <= 70; n++)
        {
            float[] z = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 60 - 30)).ToArray();
            float m = z.Max();
            var e = new double[n];
            double sum = LossVectorMath.ExpShiftedSum(z, m, e);
            double expected = 0;
            for (int j = 0; j < n; j++)
            {
                double exact = Math.Exp((double)z[j] - m);
                expected += exact;
                Assert.True(Math.Abs(e[j] - exact) <= 4 * Math.ScaleB(1, -53) * exact, $"n={n}, j={j}");
            }

            Assert.True(Math.Abs(sum - expected) <= 1e-14 * expected);
        }
    }
}
