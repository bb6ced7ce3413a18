using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.SoftmaxFamily;

public class VectorExpTests
{
    [Fact]
    public void ExpNonPositive_AcrossItsDomain_Within2ToMinus46OfMathExp()
    {
        // Math.Exp is within an ulp (2^-52); the documented bound for the vector exponential is 2^-46.
        var random = new Random(11);
        double worst = 0;
        for (int k = 0; k < 200_000; k++)
        {
            double x = k < 100_000 ? -708.39 * random.NextDouble() : -2.0 * random.NextDouble();
            double computed = VectorExp.ExpNonPositive(Vector256.Create(x)).GetElement(0);
            double exact = Math.Exp(x);
            worst = Math.Max(worst, Math.Abs(computed - exact) / exact);
        }

        Assert.True(worst <= Math.ScaleB(1.0, -46), $"worst relative error {worst:E3}");
    }

    [Fact]
    public void ExpNonPositive_SpecialValues()
    {
        Vector256<double> result = VectorExp.ExpNonPositive(Vector256.Create(0.0, -0.0, double.NegativeInfinity, double.NaN));
        Assert.Equal(1.0, result[0]);
        Assert.Equal(1.0, result[1]);
        Assert.Equal(0.0, result[2]);
        Assert.True(double.IsNaN(result[3]));

        // Below ln(2^-1022) the result is flushed to 0 (documented); just above it, it is normal.
        Vector256<double> edge = VectorExp.ExpNonPositive(Vector256.Create(-708.4, -708.39, -745.2, -1e300));
        Assert.Equal(0.0, edge[0]);
        Assert.True(Math.Abs(edge[1] - Math.Exp(-708.39)) <= Math.ScaleB(Math.Exp(-708.39), -46));
        Assert.Equal(0.0, edge[2]);
        Assert.Equal(0.0, edge[3]);
    }
}
