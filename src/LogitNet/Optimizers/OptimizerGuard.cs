namespace LogitNet.Optimizers;

/// <summary>Argument checks shared by the optimizers and schedules, with messages that give the valid range.</summary>
internal static class OptimizerGuard
{
    public static void NonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Expected a finite, non-negative {name}.");
        }
    }

    public static void Fraction(float value, string name, bool includeOne = false)
    {
        if (!(value >= 0 && (includeOne ? value <= 1 : value < 1)))
        {
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in [0, 1{(includeOne ? "]" : ")")}.");
        }
    }

    public static void Positive(float? value, string name)
    {
        if (value is { } v && !(float.IsFinite(v) && v > 0))
        {
            throw new ArgumentOutOfRangeException(name, v, $"Expected a finite, positive {name}, or null for none.");
        }
    }
}
