namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>
/// Rows that break naive softmax code: huge and tiny magnitudes, subnormals, exact ties, a dominant
/// entry, masked entries, lengths that leave every vector tail. All finite except the -inf masks.
/// </summary>
internal static class AdversarialRows
{
    public static IEnumerable<(string Name, float[] Z)> All()
    {
        const float Max = float.MaxValue;
        const float Sub = float.Epsilon; // 2^-149, the smallest subnormal
        float ninf = float.NegativeInfinity;

        yield return ("single", [3.5f]);
        yield return ("single huge", [-3e38f]);
        yield return ("subnormals", [Sub, 0f, -Sub, 1e-40f, -1e-40f, 1.17549435e-38f, -0f]);
        yield return ("tiny", [1e-30f, -1e-30f, 1e-7f, 0f, 1e-10f]);
        yield return ("huge positive", [3e38f, 3e38f, 2.9999998e38f, 1e38f]);
        yield return ("huge negative", [-3e38f, -3e38f, -2.9999998e38f, -Max]);
        yield return ("flt max spread", [Max, -Max, 0f, Max]);
        yield return ("flt max neighbours", [Max, MathF.BitDecrement(Max), MathF.BitDecrement(MathF.BitDecrement(Max))]);
        yield return ("offset 1e4", [1e4f, 1e4f + 1f, 1e4f - 0.5f, 9999.999f]);
        yield return ("dominant 1e4", [0f, 1e4f, -1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f]);
        yield return ("dominant 20 long", Enumerable.Range(0, 33).Select(i => i == 17 ? 20f : 0.01f * i).ToArray());
        yield return ("dominant 88", [88f, 0f, 0f]);
        yield return ("dominant 104", [104f, 0f, -1f, 0f, 0f, 0f, 0f, 0f, 0f]);
        yield return ("masked", [ninf, 1f, ninf, 2f, ninf, ninf, ninf, ninf, 0.5f, ninf]);
        yield return ("masked all but one", [ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, -4f]);
        yield return ("ties with tail", [5f, 5f, 5f, 5f, 5f, 5f, 5f, 5f, 5f, 4f, 5f]);
        yield return ("ties far below", [-1e4f, -1e4f, -1e4f + 0.0009765625f]);
        yield return ("mixed scales", [1e-45f, 1e-20f, 1f, 30f, -30f, 87.3f, 88.7f, -103.9f, 15.9f]);
        yield return ("subnormal results", [0f, -100f, -103.2789f, -104f, -87.33655f, -50f, -200f, -1000f]);
        for (int length = 1; length <= 70; length += 3)
        {
            yield return ($"ramp length {length}", Enumerable.Range(0, length).Select(i => (float)(-2.5 * i + 40)).ToArray());
        }
    }
}
