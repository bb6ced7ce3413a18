using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

public class SpecialFunctionsTests
{
    // Reference values from the defining integrals, computed to 20 digits (Abramowitz and Stegun,
    // table 7.1, and standard tables of the normal distribution).
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.47950012218695346232)]
    [InlineData(1.0, 0.15729920705028513066)]
    [InlineData(2.0, 0.0046777349810472658379)]
    [InlineData(3.0, 2.2090496998585441373e-05)]
    [InlineData(5.0, 1.5374597944280348502e-12)]
    [InlineData(10.0, 2.0884875837625447570e-45)]
    [InlineData(-1.0, 1.84270079294971486934)]
    [InlineData(30.0, 0.0)]
    public void Erfc_MatchesTables(double z, double expected)
    {
        const double tolerance = 1e-14;
        Assert.True(Math.Abs(SpecialFunctions.Erfc(z) - expected) <= tolerance * Math.Abs(expected),
            $"erfc({z}) = {SpecialFunctions.Erfc(z):R}, expected {expected:R}");
    }

    [Fact]
    public void Erfc_IsContinuousAcrossTheMethodSwitchAtTwo()
    {
        double below = SpecialFunctions.Erfc(Math.BitDecrement(2.0));
        double at = SpecialFunctions.Erfc(2.0);
        Assert.True(Math.Abs(below - at) <= 1e-13 * at, $"{below:R} vs {at:R}");
    }

    [Fact]
    public void NormalCdf_TailsKeepRelativeAccuracy()
    {
        Assert.Equal(7.6198530241605260659e-24, SpecialFunctions.NormalCdf(-10), 1e-36);
        Assert.Equal(0.5, SpecialFunctions.NormalCdf(0));
        Assert.Equal(0.84134474606854293, SpecialFunctions.NormalCdf(1), 1e-15);
        Assert.Equal(1.0, SpecialFunctions.NormalCdf(40));
        Assert.True(double.IsNaN(SpecialFunctions.NormalCdf(double.NaN)));
    }

    [Theory]
    [InlineData(1e-10, 1.00000000005e-10)]
    [InlineData(-1e-10, -9.9999999995e-11)]
    [InlineData(1e-20, 1e-20)]
    [InlineData(1.0, 1.7182818284590452354)]
    [InlineData(-40.0, -0.99999999999999999575)]
    [InlineData(-800.0, -1.0)]
    public void ExpM1_KeepsDigitsNearZero(double x, double expected)
    {
        Assert.True(Math.Abs(SpecialFunctions.ExpM1(x) - expected) <= 4e-16 * Math.Abs(expected),
            $"expm1({x}) = {SpecialFunctions.ExpM1(x):R}, expected {expected:R}");
    }
}
