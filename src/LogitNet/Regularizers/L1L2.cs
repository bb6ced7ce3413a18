using System.Globalization;

namespace LogitNet.Regularizers;

/// <summary>
/// The L1 and L2 penalties, as Keras's <c>L1</c>, <c>L2</c> and <c>L1L2</c>:
/// <c>l1·Σ|w| + l2·Σw²</c>, gradient <c>l1·sign(w) + 2·l2·w</c> (sign(0) = 0, as Keras's backends give).
/// </summary>
/// <remarks>
/// Sums are taken in double in index order, so the value is the same on every instruction set and
/// thread count; each gradient entry is the old gradient plus the penalty's derivative, rounded once.
/// Create it with <see cref="Regularizers.L1"/>, <see cref="Regularizers.L2"/> or <see cref="Regularizers.L1L2"/>.
/// </remarks>
/// <example><c>Regularizers.L2(0.1f).Penalty([1f, -2f])</c> is 0.1·(1 + 4) = 0.5.</example>
public sealed class L1L2 : Regularizer
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="l1">The L1 factor; finite and non-negative.</param>
    /// <param name="l2">The L2 factor; finite and non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is negative or not finite.</exception>
    public L1L2(float l1 = 0f, float l2 = 0f)
    {
        L1 = Check(l1, nameof(l1));
        L2 = Check(l2, nameof(l2));
    }

    /// <summary>The L1 factor.</summary>
    public float L1 { get; }

    /// <summary>The L2 factor.</summary>
    public float L2 { get; }

    /// <inheritdoc/>
    public override double Penalty(ReadOnlySpan<float> values)
    {
        double absolute = 0, squares = 0;
        foreach (float w in values)
        {
            absolute += Math.Abs(w);
            squares += (double)w * w;
        }

        return ((double)L1 * absolute) + ((double)L2 * squares);
    }

    /// <inheritdoc/>
    public override void AddGradient(ReadOnlySpan<float> values, Span<float> gradient)
    {
        if (values.Length != gradient.Length)
        {
            throw new ArgumentException($"Expected a gradient of {values.Length} values, one per parameter value; received {gradient.Length}.", nameof(gradient));
        }

        double l1 = L1, twoL2 = 2.0 * L2;
        for (int i = 0; i < values.Length; i++)
        {
            double w = values[i];
            // Math.Sign throws on NaN; a NaN weight must give a NaN gradient (NaN in, NaN out).
            double sign = w > 0 ? 1 : w < 0 ? -1 : w == 0 ? 0 : double.NaN;
            gradient[i] = (float)(gradient[i] + (l1 * sign) + (twoL2 * w));
        }
    }

    /// <summary>The factors, as C# would write them.</summary>
    /// <returns>For example <c>L1L2(l1: 0, l2: 0.01)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"L1L2(l1: {L1}, l2: {L2})");

    private static float Check(float factor, string name) =>
        factor >= 0 && float.IsFinite(factor)
            ? factor
            : throw new ArgumentOutOfRangeException(name, factor, "Expected a finite, non-negative penalty factor, such as 0.01.");
}
