using System.Globalization;

namespace LogitNet.Cli.Demos;

/// <summary>
/// A positive reference value kept as its natural logarithm, so values far below double's range
/// (e^-10000) can still be printed and compared: relative errors are computed from logarithms.
/// </summary>
internal readonly record struct ExactValue(double Log)
{
    /// <summary>The value in double, 0 when it underflows.</summary>
    public double Value => Math.Exp(Log);

    public static ExactValue Of(double value) => new(Math.Log(value));

    /// <summary>Whether the value lies below half of float32's smallest subnormal, so its float32 rounding is 0.</summary>
    public bool RoundsToZeroInFloat32 => Log < Math.Log(Math.Pow(2, -150));

    public string Text()
    {
        double log10 = Log / Math.Log(10);
        if (Math.Abs(log10) < 300)
        {
            return Value.ToString("G8", CultureInfo.InvariantCulture);
        }

        double exponent = Math.Floor(log10);
        double mantissa = Math.Pow(10, log10 - exponent);
        return string.Create(CultureInfo.InvariantCulture, $"{mantissa:0.0000000}E{exponent:0}");
    }

    /// <summary>The error of a float32 result in units in the last place of the exact value's float32 neighbourhood.</summary>
    public double UlpError(float computed)
    {
        if (!float.IsFinite(computed))
        {
            return double.PositiveInfinity;
        }

        double exact = RoundsToZeroInFloat32 ? 0 : Value;
        float nearest = (float)exact;
        double ulp = (double)MathF.BitIncrement(Math.Abs(nearest)) - Math.Abs(nearest);
        return Math.Abs(computed - exact) / ulp;
    }

    /// <summary>|computed − exact| / exact as text, with what went wrong when the result is not a number; and whether it is within 1 ulp.</summary>
    public (string Text, bool WithinOneUlp) RelativeError(float computed)
    {
        bool ok = UlpError(computed) <= 1;
        if (float.IsNaN(computed))
        {
            return ("NaN", false);
        }

        if (float.IsInfinity(computed))
        {
            return ("infinite", false);
        }

        if (computed == 0)
        {
            return (RoundsToZeroInFloat32 ? "0 (underflow, exact)" : "1 (zeroed)", ok);
        }

        double error = Math.Abs(Math.Exp(Math.Log(computed) - Log) - 1);
        string text = error.ToString("0.0E+0", CultureInfo.InvariantCulture);

        // Subnormal results carry few digits: a large relative error can still be the nearest float32.
        return (ok && error > 1e-7 ? text + " (subnormal, nearest)" : text, ok);
    }
}
