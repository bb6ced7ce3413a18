namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>Float values spread over the whole finite range, both signs, subnormals included.</summary>
internal static class ElementwiseSweep
{
    private static readonly Lazy<float[]> s_values = new(() =>
    {
        var values = new List<float>();
        for (uint bits = 0; bits < 0x7F800000u; bits += 12289)
        {
            float v = BitConverter.UInt32BitsToSingle(bits);
            values.Add(v);
            values.Add(-v);
        }

        values.Add(float.MaxValue);
        values.Add(-float.MaxValue);
        return values.ToArray();
    });

    public static float[] Values() => s_values.Value;
}
