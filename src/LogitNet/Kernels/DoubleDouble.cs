namespace LogitNet.Kernels;

/// <summary>
/// An unevaluated sum hi + lo of two doubles (|lo| ≤ ulp(hi)/2), about 106 significant bits, with
/// just the operations the extended log-sum-exp needs: add, multiply, exp and log.
/// </summary>
/// <remarks>
/// The algorithms are the classic error-free transformations (Knuth's TwoSum, Dekker's product via
/// a fused multiply-add) as used in Hida, Li and Bailey's QD library ("Library for double-double and
/// quad-double arithmetic", 2007). Addition and multiplication have a relative error below 2^-104.
/// Only the rare rows whose log-sum-exp cancels (see <see cref="SoftmaxRow.LogSumExp"/>) come here,
/// so the code favours clarity over speed.
/// </remarks>
internal readonly struct DoubleDouble
{
    // ln 2 = 0.69314718055994530941723212145817656807..., split into a double and its remainder.
    private const double Ln2Hi = 6.931471805599452862e-01;
    private const double Ln2Lo = 2.319046813846299558e-17;

    // Taylor coefficients 1/n! for n = 0..TaylorTerms; with |r| ≤ 2^-11 the first omitted term,
    // r^10/10!, is below 2^-131, far under the 2^-104 working precision.
    private const int TaylorTerms = 9;
    private const int Halvings = 10;
    private static readonly DoubleDouble[] s_inverseFactorials = BuildInverseFactorials();

    public DoubleDouble(double hi, double lo)
    {
        Hi = hi;
        Lo = lo;
    }

    public double Hi { get; }

    public double Lo { get; }

    /// <summary>The exact sum a + b as a double-double (Knuth's TwoSum, no condition on |a|, |b|).</summary>
    public static DoubleDouble TwoSum(double a, double b)
    {
        double s = a + b;
        double bVirtual = s - a;
        double aVirtual = s - bVirtual;
        return new DoubleDouble(s, (a - aVirtual) + (b - bVirtual));
    }

    public static DoubleDouble operator +(DoubleDouble a, DoubleDouble b)
    {
        DoubleDouble s = TwoSum(a.Hi, b.Hi);
        DoubleDouble t = TwoSum(a.Lo, b.Lo);
        DoubleDouble u = FastTwoSum(s.Hi, s.Lo + t.Hi);
        return FastTwoSum(u.Hi, u.Lo + t.Lo);
    }

    public static DoubleDouble operator +(DoubleDouble a, double b) => a + new DoubleDouble(b, 0);

    public static DoubleDouble operator -(DoubleDouble a) => new(-a.Hi, -a.Lo);

    public static DoubleDouble operator *(DoubleDouble a, DoubleDouble b)
    {
        double p = a.Hi * b.Hi;
        double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p);
        e += a.Hi * b.Lo + a.Lo * b.Hi;
        return FastTwoSum(p, e);
    }

    public static DoubleDouble operator *(DoubleDouble a, double b) => a * new DoubleDouble(b, 0);

    /// <summary>e^x to about 2^-96 relative for x ≤ 709; 0 below -746 (where e^x is under 2^-1075).</summary>
    /// <remarks>
    /// x = k ln 2 + r with |r| ≤ ln2/2; e^r = (e^(r/2^10))^(2^10), where e^(r/2^10) - 1 comes from a
    /// Taylor series and the squarings are done on s = e^t - 1 as 2s + s² so no leading 1 swamps the
    /// digits. Each squaring can double the relative error: 2^10 · 2^-106 = 2^-96.
    /// </remarks>
    public static DoubleDouble Exp(DoubleDouble x)
    {
        if (x.Hi < -746.0)
        {
            return new DoubleDouble(0, 0);
        }

        double k = Math.Round(x.Hi / Ln2Hi);
        DoubleDouble r = x + -(new DoubleDouble(Ln2Hi, Ln2Lo) * k);
        double scale = Math.ScaleB(1.0, -Halvings);
        r = new DoubleDouble(r.Hi * scale, r.Lo * scale);

        DoubleDouble p = s_inverseFactorials[TaylorTerms];
        for (int n = TaylorTerms - 1; n >= 1; n--)
        {
            p = p * r + s_inverseFactorials[n];
        }

        DoubleDouble s = p * r;
        for (int i = 0; i < Halvings; i++)
        {
            s = new DoubleDouble(2 * s.Hi, 2 * s.Lo) + s * s;
        }

        DoubleDouble e = s + 1.0;
        int exponent = (int)k;
        return new DoubleDouble(Math.ScaleB(e.Hi, exponent), Math.ScaleB(e.Lo, exponent));
    }

    /// <summary>ln x for x &gt; 0, to about 2^-96 absolute for x near 1 and relative elsewhere.</summary>
    /// <remarks>One Newton step y1 = y0 + x·e^-y0 - 1 from the double logarithm y0 (error 2^-52) squares the error.</remarks>
    public static DoubleDouble Log(DoubleDouble x)
    {
        double y0 = Math.Log(x.Hi);
        DoubleDouble correction = x * Exp(new DoubleDouble(-y0, 0)) + -1.0;
        return correction + y0;
    }

    private static DoubleDouble FastTwoSum(double a, double b)
    {
        double s = a + b;
        return new DoubleDouble(s, b - (s - a));
    }

    private static DoubleDouble[] BuildInverseFactorials()
    {
        var result = new DoubleDouble[TaylorTerms + 1];
        double factorial = 1;
        for (int n = 0; n <= TaylorTerms; n++)
        {
            factorial *= Math.Max(n, 1);
            // n! is exact in double for n ≤ 18; the remainder 1 - hi·n! is exact by the fused multiply-add.
            double hi = 1.0 / factorial;
            double lo = Math.FusedMultiplyAdd(-hi, factorial, 1.0) / factorial;
            result[n] = new DoubleDouble(hi, lo);
        }

        return result;
    }
}
