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

    /// <summary>Guards the unchecked vector loops: every span of one update has the parameter's length.</summary>
    public static void SameLength(Span<float> value, ReadOnlySpan<float> gradient, Span<float> first, Span<float> second = default)
    {
        if (gradient.Length != value.Length || first.Length != value.Length || (!second.IsEmpty && second.Length != value.Length))
        {
            throw new InvalidOperationException(
                $"Optimizer state does not match the parameter ({value.Length} values, gradient {gradient.Length}, state {first.Length}/{second.Length}).");
        }
    }
}
