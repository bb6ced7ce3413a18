using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The double logarithm <see cref="VectorLog"/>: within 1 double ulp of a double-double reference on adversarial
/// inputs (subnormals, 1 ± a few ulps, the sqrt(2) reduction boundary, powers of two, MaxValue), exact special
/// values, and the same bits on every width, one lane, and every instruction set (a recorded hash CI checks).
/// </summary>
public sealed class VectorLogTests
{
    // ln 2 as a double-double: 0x3FE62E42FEFA39EF plus the rest.
    private static readonly DoubleDouble Ln2 = new(0.6931471805599453, 2.3190468138462996e-17);

    /// <summary>The bound: 0.5 for the final rounding plus about 0.07 for the small terms' roundings (measured 0.566).</summary>
    private const double UlpBound = 0.6;

    internal static double[] AdversarialInputs()
    {
        var values = new List<double>
        {
            double.Epsilon, 2 * double.Epsilon, 3 * double.Epsilon, 1e-320, 1e-310, BitConverter.Int64BitsToDouble(0x000FFFFFFFFFFFFFL),
            BitConverter.Int64BitsToDouble(0x0008000000000000L), BitConverter.Int64BitsToDouble(0x000B504F333F9DE6L),
            2.2250738585072014e-308, Math.BitIncrement(2.2250738585072014e-308), 1e-300, 1e-100, 1e-30, 1e-8,
            0.1, 0.5, 0.7, 0.75, 0.9, 0.99, 1.01, 1.1, 1.25, 1.5, 2.0 / 3, 2, 3, Math.E, 10, 100, 1e8, 1e30, 1e100, 1e300, 1e308,
            double.MaxValue, Math.BitDecrement(double.MaxValue),
        };

        // 1 ± a few ulps, and 1 ± 2^-n.
        for (int i = 1; i <= 16; i++)
        {
            values.Add(1 + i * Math.Pow(2, -52));
            values.Add(1 - i * Math.Pow(2, -53));
        }

        for (int n = 1; n <= 60; n++)
        {
            values.Add(1 + Math.Pow(2, -n));
            values.Add(1 - Math.Pow(2, -n));
        }

        // Around the reduction's boundary (high word 0x3FF6A09E, just below sqrt(2)), around sqrt(2) and sqrt(1/2)
        // themselves, at several binary exponents including subnormal ones.
        long[] boundaries = [0x3FF6A09E00000000L, 0x3FF6A09E667F3BCDL, 0x3FE6A09E00000000L, 0x3FE6A09E667F3BCDL];
        foreach (long boundary in boundaries)
        {
            foreach (int shift in new[] { 0, 1, -1, 600, -600, 1000, -1020 })
            {
                double centre = Math.ScaleB(BitConverter.Int64BitsToDouble(boundary), shift);
                long bits = BitConverter.DoubleToInt64Bits(centre);
                for (long d = -3; d <= 3; d++)
                {
                    values.Add(BitConverter.Int64BitsToDouble(bits + d));
                }
            }

            values.Add(Math.ScaleB(BitConverter.Int64BitsToDouble(boundary), -1040));
        }

        // Every power of two, normal and subnormal, and its neighbours.
        for (int e = -1074; e <= 1023; e++)
        {
            double p = Math.ScaleB(1.0, e);
            values.Add(p);
            values.Add(Math.BitIncrement(p));
            values.Add(Math.BitDecrement(p));
        }

        // Seeded random: log-uniform over the whole range, uniform near 1, random subnormals.
        var random = new Random(20261203);
        for (int i = 0; i < 20_000; i++)
        {
            values.Add(Math.Pow(2, -1074 + 2098 * random.NextDouble()));
            values.Add(0.5 + 1.5 * random.NextDouble());
            values.Add(1 + (random.NextDouble() - 0.5) * Math.Pow(2, -random.Next(1, 50)));
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64(1, 0x0010000000000000L)));
        }

        return values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
    }

    private static double[] SpecialInputs() =>
    [
        0.0, -0.0, -double.Epsilon, -1.0, -1e300, double.NegativeInfinity, double.PositiveInfinity, 1.0, double.NaN,
        BitConverter.Int64BitsToDouble(0x7FF8000000001234L), BitConverter.Int64BitsToDouble(unchecked((long)0xFFF4000000000042L)),
    ];

    /// <summary>ln x in double-double: ln m + e·ln 2 with x = m·2^e, m ∈ [1, 2) (so the exponential inside the Newton step cannot overflow).</summary>
    internal static DoubleDouble Reference(double x)
    {
        int e = Math.ILogB(x);
        double m = Math.ScaleB(x, -e);
        return DoubleDouble.Log(new DoubleDouble(m, 0)) + Ln2 * e;
    }

    /// <summary>|y - ln x| in units of the last place of ln x.</summary>
    internal static double UlpError(double y, double x)
    {
        DoubleDouble reference = Reference(x);
        if (reference.Hi == 0)
        {
            return y == 0 ? 0 : double.PositiveInfinity;
        }

        double ulp = Math.BitIncrement(Math.Abs(reference.Hi)) - Math.Abs(reference.Hi);
        return Math.Abs((y - reference.Hi) - reference.Lo) / ulp;
    }

    private static double OneLane(double x) => VectorLog.Log(Vector256.Create(x)).ToScalar();

    [Fact]
    public void Log_IsWithinItsUlpBoundOfADoubleDoubleReference()
    {
        double worst = 0, worstX = 0;
        int aboveHalf = 0;
        double[] x = AdversarialInputs();
        foreach (double v in x)
        {
            double error = UlpError(OneLane(v), v);
            aboveHalf += error > 0.5 ? 1 : 0;
            if (error > worst)
            {
                (worst, worstX) = (error, v);
            }
        }

        Assert.True(worst <= UlpBound, $"{aboveHalf} of {x.Length} above half; worst error {worst} ulps at ln({worstX:R}) = {OneLane(worstX):R}, reference {Reference(worstX).Hi:R}");
        // Not correctly rounded, but nearly: almost every result is the nearest double.
        Assert.True(aboveHalf < x.Length / 100, $"{aboveHalf} of {x.Length} results are not the nearest double");
    }

    [Fact]
    public void Reference_AgreesWithMathLog()
    {
        // The reference is checked against libm too, so an error in it cannot pass the test above unnoticed.
        foreach (double v in AdversarialInputs())
        {
            Assert.True(UlpError(Math.Log(v), v) <= 1, $"reference and Math.Log disagree at {v:R}");
        }
    }

    [Fact]
    public void Log_HasExactSpecialValues()
    {
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.0), BitConverter.DoubleToInt64Bits(OneLane(1.0)));
        Assert.Equal(double.NegativeInfinity, OneLane(0.0));
        Assert.Equal(double.NegativeInfinity, OneLane(-0.0));
        Assert.Equal(double.PositiveInfinity, OneLane(double.PositiveInfinity));
        Assert.True(double.IsNaN(OneLane(-double.Epsilon)));
        Assert.True(double.IsNaN(OneLane(-1.0)));
        Assert.True(double.IsNaN(OneLane(double.NegativeInfinity)));
        foreach (double nan in new[] { double.NaN, BitConverter.Int64BitsToDouble(0x7FF8000000001234L) })
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(nan), BitConverter.DoubleToInt64Bits(OneLane(nan)));
        }

        // ln 2^e is e·ln 2 rounded: exact powers of two, including the subnormal ones, land on the nearest double.
        for (int e = -1074; e <= 1023; e++)
        {
            double p = Math.ScaleB(1.0, e);
            Assert.True(UlpError(OneLane(p), p) <= 0.5, $"ln 2^{e} = {OneLane(p):R}");
        }
    }

    [Fact]
    public void Log_GivesTheSameBitsOnEveryWidthAndOneLane()
    {
        double[] x = [.. AdversarialInputs(), .. SpecialInputs()];
        int n = x.Length - x.Length % 8;
        double[] wide = new double[n], middle = new double[n];
        for (int i = 0; i < n; i += 8)
        {
            VectorLog.Log(Vector512.Create(x.AsSpan(i, 8))).CopyTo(wide, i);
            VectorLog.Log(Vector256.Create(x.AsSpan(i, 4))).CopyTo(middle, i);
            VectorLog.Log(Vector256.Create(x.AsSpan(i + 4, 4))).CopyTo(middle, i + 4);
        }

        for (int i = 0; i < n; i++)
        {
            long one = BitConverter.DoubleToInt64Bits(OneLane(x[i]));
            Assert.True(one == BitConverter.DoubleToInt64Bits(middle[i]) && one == BitConverter.DoubleToInt64Bits(wide[i]),
                $"ln({x[i]:R}): one lane {OneLane(x[i]):R}, 256-bit {middle[i]:R}, 512-bit {wide[i]:R}");
        }
    }

    /// <summary>
    /// The outputs' hash, recorded on an AVX2 machine: CI runs this on the default path, without AVX-512 and
    /// without hardware intrinsics (software vectors), so a path that rounds one value differently fails here.
    /// </summary>
    [Fact]
    public void Log_GivesTheRecordedBitsOnEveryInstructionSet()
    {
        double[] x = [.. AdversarialInputs(), .. SpecialInputs()];
        byte[] bytes = new byte[x.Length * sizeof(double)];
        for (int i = 0; i < x.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(double)), OneLane(x[i]));
        }

        string hash = Convert.ToHexString(SHA256.HashData(bytes));
        Assert.True(hash == ExpectedHash, $"the outputs' SHA-256 is {hash}, recorded {ExpectedHash}");
    }

    private const string ExpectedHash = "A44D52DF45E5CEA729E1FB29FBE32941BEE0DA67A91A1D7D43DA5D682FD48D1D";
}
