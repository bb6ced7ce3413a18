using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// <see cref="VectorExp.ExpNonPositiveAccurate(Span{double})"/>, binary cross-entropy's exponential: within its ulp bound
/// of a double-double reference over [-708.39, 0], exact special values, and the same bits on every width, one lane and
/// every position of a span (its hash is part of <see cref="LogKernelsPositionTests"/>' recorded outputs).
/// </summary>
public sealed class VectorExpAccurateTests
{
    /// <summary>Measured 1.13 ulps worst: 0.5 for the last rounding, up to 0.25 from rounding r, the rest from q(r)·r.</summary>
    private const double UlpBound = 1.2;

    private static double[] Inputs()
    {
        var values = new List<double> { -0.0, 0.0, -double.Epsilon, -1e-300, -1e-20, -1e-10, -Math.Pow(2, -53), -0.5, -1, -Math.Log(2), -10, -100, -700, -708, -708.39 };
        for (int k = 1; k <= 1021; k++)
        {
            // Around the reduction's rounding boundaries (k + 1/2)·ln 2 and at multiples of ln 2.
            foreach (double centre in new[] { -(k + 0.5) * Math.Log(2), -k * Math.Log(2) })
            {
                values.Add(centre);
                values.Add(Math.BitIncrement(centre));
                values.Add(Math.BitDecrement(centre));
            }
        }

        var random = new Random(20261203);
        for (int i = 0; i < 30_000; i++)
        {
            values.Add(-708.39 * random.NextDouble());
            values.Add(-Math.Pow(2, -60 + 66 * random.NextDouble()));
        }

        return values.Where(v => v >= -708.39).ToArray();
    }

    private static double OneLane(double x) => VectorExp.ExpNonPositiveAccurate(Vector256.Create(x)).ToScalar();

    [Fact]
    public void ExpNonPositiveAccurate_IsWithinItsUlpBoundOfADoubleDoubleReference()
    {
        double worst = 0, worstX = 0;
        foreach (double x in Inputs())
        {
            DoubleDouble reference = DoubleDouble.Exp(new DoubleDouble(x, 0));
            double y = OneLane(x);
            double ulp = Math.BitIncrement(reference.Hi) - reference.Hi;
            double error = Math.Abs((y - reference.Hi) - reference.Lo) / ulp;
            if (error > worst)
            {
                (worst, worstX) = (error, x);
            }
        }

        Assert.True(worst <= UlpBound, $"worst error {worst} ulps at exp({worstX:R}) = {OneLane(worstX):R}");
    }

    [Fact]
    public void ExpNonPositiveAccurate_HasExactSpecialValues()
    {
        Assert.Equal(1.0, OneLane(0.0));
        Assert.Equal(1.0, OneLane(-0.0));
        Assert.Equal(0.0, OneLane(double.NegativeInfinity));
        Assert.Equal(0.0, OneLane(-709));
        Assert.Equal(0.0, OneLane(-1e300));
        double nan = BitConverter.Int64BitsToDouble(0x7FF8000000001234L);
        Assert.Equal(BitConverter.DoubleToInt64Bits(nan), BitConverter.DoubleToInt64Bits(OneLane(nan)));
    }

    [Fact]
    public void ExpNonPositiveAccurate_GivesTheSameBitsOnEveryWidthOneLaneAndSpanPosition()
    {
        double[] x = [.. Inputs(), double.NegativeInfinity, -1000, double.NaN];
        int n = x.Length - x.Length % 8;
        for (int i = 0; i < n; i += 8)
        {
            Vector512<double> wide = VectorExp.ExpNonPositiveAccurate(Vector512.Create(x.AsSpan(i, 8)));
            Vector256<double> lower = VectorExp.ExpNonPositiveAccurate(Vector256.Create(x.AsSpan(i, 4)));
            Vector256<double> upper = VectorExp.ExpNonPositiveAccurate(Vector256.Create(x.AsSpan(i + 4, 4)));
            for (int j = 0; j < 8; j++)
            {
                long one = BitConverter.DoubleToInt64Bits(OneLane(x[i + j]));
                long middle = BitConverter.DoubleToInt64Bits(j < 4 ? lower[j] : upper[j - 4]);
                Assert.True(one == BitConverter.DoubleToInt64Bits(wide[j]) && one == middle, $"exp({x[i + j]:R})");
            }
        }

        // The span form at every length up to 19 and every offset: body lanes and tails alike.
        for (int length = 1; length <= 19; length++)
        {
            double[] span = x.AsSpan(1000 + length, length).ToArray();
            VectorExp.ExpNonPositiveAccurate(span);
            for (int j = 0; j < length; j++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(OneLane(x[1000 + length + j])), BitConverter.DoubleToInt64Bits(span[j]));
            }
        }
    }
}
