namespace LogitNet.Kernels;

/// <summary>σ(z) - y where the double difference cancels: double-double arithmetic.</summary>
internal static partial class BinaryCrossentropyKernel
{
    /// <summary>
    /// σ(z) - y with relative error about 2^-100 / (|σ(z) - y| / σ(z)), for |z| up to about 700.
    /// </summary>
    /// <remarks>
    /// Only called when |σ(z) - y| &lt; 2^-20·min(y, 1-y), so σ(z) lies within a factor 1 ± 2^-19 of y,
    /// |z| &lt; 110 (y is a float32 combination, at least 2^-150 away from 0 and 1) and σ.hi - y is
    /// exact by Sterbenz's lemma. σ(z) is formed as 1/(1 + e^-z) or e^z/(1 + e^z) in double-double
    /// from a double-double exponential (relative error about 2^-101). Closeness of σ(z) to a float32
    /// label is bounded in practice near 2^-72 relative (z ≈ 4k·2^-24 against y = 1/2 + k·2^-24), which
    /// leaves about 2^-29 relative error in the result: far inside half a float32 ulp.
    /// </remarks>
    internal static double SigmoidMinus(double z, double y)
    {
        if (!double.IsFinite(z))
        {
            return (z > 0 ? 1.0 : 0.0) - y;
        }

        DoubleDouble sigmoid;
        if (z >= 0)
        {
            DoubleDouble e = DoubleDouble.Exp(-z);
            sigmoid = DoubleDouble.Divide(new DoubleDouble(1.0, 0.0), DoubleDouble.Add(e, 1.0));
        }
        else
        {
            DoubleDouble e = DoubleDouble.Exp(z);
            sigmoid = DoubleDouble.Divide(e, DoubleDouble.Add(e, 1.0));
        }

        return (sigmoid.Hi - y) + sigmoid.Lo;
    }

    /// <summary>An unevaluated sum Hi + Lo of two doubles with |Lo| ≤ ulp(Hi)/2: about 106 bits.</summary>
    /// <remarks>The algorithms are the standard ones (Dekker 1971; Hida, Li and Bailey's QD library, 2001).</remarks>
    private readonly record struct DoubleDouble(double Hi, double Lo)
    {
        /// <summary>ln 2 = LnTwoHi + LnTwoLo to about 2^-160.</summary>
        private const double LnTwoHi = 0.6931471805599453;
        private const double LnTwoLo = 2.3190468138462996e-17;

        /// <summary>e^x for |x| ≤ 700, relative error about 2^-101.</summary>
        public static DoubleDouble Exp(double x)
        {
            // x = k·ln 2 + r with |r| ≤ ln2/2; then e^r from e^(r/32) by five squarings.
            double k = Math.Round(x / LnTwoHi);
            DoubleDouble r = Add(TwoSum(x, -k * LnTwoHi, exactProduct: TwoProductError(-k, LnTwoHi)), -k * LnTwoLo);
            DoubleDouble s = new(r.Hi / 32, r.Lo / 32);

            // expm1(s) = s·(1 + s/2·(1 + s/3·(... (1 + s/13)))) for |s| ≤ 0.011: the first omitted
            // term, s^14/14!, is below 2^-128·|s|.
            DoubleDouble series = new(1.0, 0.0);
            for (int n = 13; n >= 2; n--)
            {
                series = Add(DivideByInteger(Multiply(s, series), n), 1.0);
            }

            DoubleDouble expm1 = Multiply(s, series);
            for (int i = 0; i < 5; i++)
            {
                // e^(2a) - 1 = (e^a - 1)·(e^a - 1 + 2): keeps the small part's digits.
                expm1 = Multiply(expm1, Add(expm1, 2.0));
            }

            DoubleDouble result = Add(expm1, 1.0);
            int power = (int)k;
            return new DoubleDouble(Math.ScaleB(result.Hi, power), Math.ScaleB(result.Lo, power));
        }

        public static DoubleDouble Add(DoubleDouble a, double b)
        {
            (double s, double e) = TwoSumParts(a.Hi, b);
            e += a.Lo;
            return QuickTwoSum(s, e);
        }

        public static DoubleDouble Add(DoubleDouble a, DoubleDouble b)
        {
            (double s, double e) = TwoSumParts(a.Hi, b.Hi);
            (double t, double f) = TwoSumParts(a.Lo, b.Lo);
            e += t;
            (s, e) = QuickTwoSumParts(s, e);
            e += f;
            return QuickTwoSum(s, e);
        }

        public static DoubleDouble Multiply(DoubleDouble a, DoubleDouble b)
        {
            double p = a.Hi * b.Hi;
            double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p);
            e += a.Hi * b.Lo + a.Lo * b.Hi;
            return QuickTwoSum(p, e);
        }

        public static DoubleDouble Divide(DoubleDouble a, DoubleDouble b)
        {
            // Three quotient digits, each from the remainder of the previous ones.
            double q1 = a.Hi / b.Hi;
            DoubleDouble r = Add(a, Negate(Multiply(b, new DoubleDouble(q1, 0.0))));
            double q2 = r.Hi / b.Hi;
            r = Add(r, Negate(Multiply(b, new DoubleDouble(q2, 0.0))));
            double q3 = r.Hi / b.Hi;
            return Add(QuickTwoSum(q1, q2), q3);
        }

        private static DoubleDouble DivideByInteger(DoubleDouble a, int n) => Divide(a, new DoubleDouble(n, 0.0));

        private static DoubleDouble Negate(DoubleDouble a) => new(-a.Hi, -a.Lo);

        /// <summary>The exact sum x + (y + yError) where y + yError is an exact product, as a double-double.</summary>
        private static DoubleDouble TwoSum(double x, double y, double exactProduct)
        {
            (double s, double e) = TwoSumParts(x, y);
            return QuickTwoSum(s, e + exactProduct);
        }

        /// <summary>The rounding error of a·b: a·b - fl(a·b), exactly, by a fused multiply-add.</summary>
        private static double TwoProductError(double a, double b) => Math.FusedMultiplyAdd(a, b, -(a * b));

        private static (double Sum, double Error) TwoSumParts(double a, double b)
        {
            double s = a + b;
            double bb = s - a;
            double e = (a - (s - bb)) + (b - bb);
            return (s, e);
        }

        private static (double Sum, double Error) QuickTwoSumParts(double a, double b)
        {
            double s = a + b;
            return (s, b - (s - a));
        }

        private static DoubleDouble QuickTwoSum(double a, double b)
        {
            (double s, double e) = QuickTwoSumParts(a, b);
            return new DoubleDouble(s, e);
        }
    }
}
