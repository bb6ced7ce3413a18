using System.Text;

namespace LogitNet.Tests.Accuracy;

/// <summary>
/// Collects per-value errors of one operation against exact values and fails with the worst cases
/// listed, so a failing accuracy test says which input broke and by how much.
/// </summary>
public sealed class AccuracyTally(string operation)
{
    private readonly List<(double Error, string Description)> _worst = [];

    /// <summary>How many values were compared.</summary>
    public int Count { get; private set; }

    /// <summary>The largest error seen, in float32 ulps of the exact value (+inf for a non-finite result).</summary>
    public double MaxError { get; private set; }

    /// <summary>Results that were NaN or infinite where the exact value is finite.</summary>
    public int NonFinite { get; private set; }

    /// <summary>Results that were zero where the exact value rounds to a nonzero float32.</summary>
    public int Zeroed { get; private set; }

    /// <summary>Results of the wrong sign.</summary>
    public int WrongSign { get; private set; }

    /// <summary>Records one computed value against its exact value.</summary>
    public void Add(string caseId, float computed, double exact)
    {
        double error = UlpMetric.Error(computed, exact);
        Count++;
        if (double.IsPositiveInfinity(error))
        {
            NonFinite++;
        }

        if (UlpMetric.IsZeroed(computed, exact))
        {
            Zeroed++;
        }

        if (UlpMetric.IsWrongSign(computed, exact))
        {
            WrongSign++;
        }

        MaxError = Math.Max(MaxError, error);
        Remember(error, $"{caseId}: computed {computed:R}, exact {exact:R}, error {error:G4} ulp");
    }

    /// <summary>Records a normwise row error (already computed).</summary>
    public void AddNormwise(string caseId, double error)
    {
        Count++;
        if (double.IsPositiveInfinity(error))
        {
            NonFinite++;
        }

        MaxError = Math.Max(MaxError, error);
        Remember(error, $"{caseId}: normwise error {error:G4}");
    }

    /// <summary>Fails unless every error is at most <paramref name="maxUlps"/> and nothing was zeroed, wrong-signed or non-finite.</summary>
    public void AssertWithin(double maxUlps)
    {
        Assert.True(Count > 0, $"{operation}: no values were compared.");
        bool ok = MaxError <= maxUlps && NonFinite == 0 && Zeroed == 0 && WrongSign == 0;
        Assert.True(ok, Report(maxUlps));
    }

    /// <summary>A one-paragraph summary with the worst cases.</summary>
    public string Report(double maxUlps)
    {
        var text = new StringBuilder();
        text.Append($"{operation}: {Count} values, max error {MaxError:G4} ulp (allowed {maxUlps}), ");
        text.Append($"{NonFinite} non-finite, {Zeroed} zeroed, {WrongSign} wrong sign. Worst:");
        foreach ((double _, string description) in _worst)
        {
            text.Append('\n').Append("  ").Append(description);
        }

        return text.ToString();
    }

    private void Remember(double error, string description)
    {
        const int Kept = 5;
        if (_worst.Count < Kept || error > _worst[^1].Error)
        {
            _worst.Add((error, description));
            _worst.Sort((x, y) => y.Error.CompareTo(x.Error));
            if (_worst.Count > Kept)
            {
                _worst.RemoveAt(Kept);
            }
        }
    }
}
