using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The double-precision elementwise kernels give a value the same bits alone (the short-input path, one lane of the
/// vector code) as inside a long row (the vector loop), so a prediction does not depend on the batch around it.
/// </summary>
public sealed class ElementwiseDoubleTests
{
    public static TheoryData<string> Kernels() => new() { "sigmoid", "softplus", "tanh" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AValue_GetsTheSameBitsAloneAsInALongRow(string kernel)
    {
        var random = new Random(kernel.Length * 7919);
        float[] x = new float[4099];
        float[] special = [0f, -0f, float.Epsilon, -1e-40f, 1e-30f, 36.7f, -36.7f, 88.8f, -104f, 3e38f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i < special.Length ? special[i] : (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-20, 7)));
        }

        float[] row = new float[x.Length], alone = new float[1];
        Apply(kernel, x, row);
        for (int i = 0; i < x.Length; i++)
        {
            Apply(kernel, x.AsSpan(i, 1), alone);
            Assert.True(BitConverter.SingleToInt32Bits(alone[0]) == BitConverter.SingleToInt32Bits(row[i]),
                $"{kernel}({x[i]:R}): {alone[0]:R} alone, {row[i]:R} in a row of {x.Length}");
        }
    }

    private static void Apply(string kernel, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (kernel)
        {
            case "sigmoid":
                SigmoidKernel.Apply(x, y);
                break;
            case "softplus":
                SoftplusKernel.Apply(x, y);
                break;
            default:
                TanhKernel.Apply(x, y);
                break;
        }
    }
}
