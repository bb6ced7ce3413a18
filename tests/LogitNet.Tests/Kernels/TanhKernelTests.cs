using System.Security.Cryptography;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The tanh activation: within 0.5 + 2^-15 ulps of the double-precision reference on adversarial inputs (NaN in, NaN out),
/// and the same bits on every path (a value alone or in a long row; the scalar, AVX2 and AVX-512 paths,
/// through a hash of outputs that CI checks on each instruction set).
/// </summary>
public sealed class TanhKernelTests
{
    private static float[] AdversarialInputs()
    {
        var values = new List<float>
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-38f, 1e-30f, 1e-8f, -3e-5f, 2.44e-4f,
            0.03125f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.03125f) - 1),
            BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.03125f) + 1), -0.03125f,
            0.1f, 0.5f, -0.5f, 0.54930614f, 1f, -1f, 2f, 4.5f, 8.66f, 9.01f, -9.01f, 10f, 15f, 20f, 44f,
            355f, 710f, 1e30f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity,
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00042)),
        };
        var random = new Random(20261203);
        for (int i = 0; i < 20_000; i++)
        {
            // Normal draws, and log-uniform magnitudes from 2^-30 to 2^5 of either sign.
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            values.Add((float)(2 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
            float magnitude = (float)Math.Pow(2, -30 + 35 * random.NextDouble());
            values.Add(random.Next(2) == 0 ? magnitude : -magnitude);
        }

        return values.ToArray();
    }

    [Fact]
    public void Tanh_IsWithinHalfAnUlpOfTheDoubleReference()
    {
        float[] x = AdversarialInputs();
        float[] y = new float[x.Length];
        ActivationFunction.Forward(Activation.Tanh, x, y, x.Length);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < x.Length; i++)
        {
            double reference = Math.Tanh(x[i]);
            if (double.IsNaN(reference))
            {
                Assert.True(float.IsNaN(y[i]), $"tanh({x[i]:R}) should be NaN, got {y[i]:R}");
                continue;
            }

            // Signed zeros and exact ±1 must match exactly.
            if (reference == 0 || Math.Abs(reference) == 1)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(reference), BitConverter.DoubleToInt64Bits(y[i]));
                continue;
            }

            double ulp = Ulp((float)reference);
            double error = Math.Abs(y[i] - reference) / ulp;
            if (error > worst)
            {
                (worst, worstIndex) = (error, i);
            }
        }

        // The kernel's bound is 0.5 + 2^-16 ulps; the reference itself (Math.Tanh in double) adds about 2^-28.
        Assert.True(worst <= 0.5 + 1.0 / 32768, $"worst error {worst} ulps at tanh({x[worstIndex]:R}) = {y[worstIndex]:R}, reference {Math.Tanh(x[worstIndex]):R}");
    }

    [Fact]
    public void Tanh_GivesTheSameBitsAloneAsInALongRow()
    {
        float[] x = AdversarialInputs();
        float[] row = new float[x.Length];
        TanhKernel.Apply(x, row);
        float[] alone = new float[1];
        for (int i = 0; i < x.Length; i++)
        {
            TanhKernel.Apply(x.AsSpan(i, 1), alone);
            Assert.True(BitConverter.SingleToInt32Bits(alone[0]) == BitConverter.SingleToInt32Bits(row[i]),
                $"tanh({x[i]:R}): {alone[0]:R} alone, {row[i]:R} in a row");
        }
    }

    /// <summary>
    /// The outputs' hash, recorded on an AVX2 machine: CI runs this on the default path, without AVX-512 and
    /// without any hardware intrinsics, so a path that rounds one value differently fails here.
    /// </summary>
    [Fact]
    public void Tanh_GivesTheRecordedBitsOnEveryInstructionSet()
    {
        float[] x = AdversarialInputs();
        float[] y = new float[x.Length];
        TanhKernel.Apply(x, y);
        byte[] bytes = new byte[y.Length * sizeof(float)];
        Buffer.BlockCopy(y, 0, bytes, 0, bytes.Length);
        string hash = Convert.ToHexString(SHA256.HashData(bytes));
        Assert.True(hash == ExpectedHash, $"the outputs' SHA-256 is {hash}, recorded {ExpectedHash}");
    }

    private const string ExpectedHash = "96E9BA620DE5A82082392B33A708DC2E30B2DB73AA70FBD74F314F9DAE720859";

    private static double Ulp(float value)
    {
        float magnitude = Math.Abs(value);
        return magnitude == float.MaxValue ? Math.Pow(2, 104) : (double)MathF.BitIncrement(magnitude) - magnitude;
    }
}
