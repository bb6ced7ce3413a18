using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The optimizers' flush of subnormal state (<c>FlushNegligible</c>): every vector type gives the
/// scalar rule's bits on the boundary values, and the scalar rule is checked against the definition.
/// The 512-bit type runs in software where the CPU lacks AVX-512, which still checks its lane logic.
/// </summary>
public unsafe class FlushNegligibleTests
{
    private static readonly float[] s_values =
    [
        0f, -0f, float.Epsilon, -float.Epsilon, 3e-39f, -3e-39f,
        BitConverter.Int32BitsToSingle(0x007FFFFF), -BitConverter.Int32BitsToSingle(0x007FFFFF),  // largest subnormal
        BitConverter.Int32BitsToSingle(0x00800000), -BitConverter.Int32BitsToSingle(0x00800000),  // smallest normal
        BitConverter.Int32BitsToSingle(0x00800001), 1e-37f, -1e-35f, 5e-31f,
        BitConverter.Int32BitsToSingle(0x0D7FFFFF), -BitConverter.Int32BitsToSingle(0x0D7FFFFF),  // just below 2^-100
        BitConverter.Int32BitsToSingle(0x0D800000), -BitConverter.Int32BitsToSingle(0x0D800000),  // 2^-100
        BitConverter.Int32BitsToSingle(0x0D800001), 1e-30f, -1f, 3.4e38f, float.PositiveInfinity,
        float.NegativeInfinity, float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234),
        BitConverter.Int32BitsToSingle(0x7F800001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC01234)), // signaling, negative with payload
    ];

    [Fact]
    public void Threshold_Is2ToTheMinus100()
    {
        Assert.True(Math.ScaleB(1.0, -100) == (double)Gemm.NegligibleState, $"NegligibleState is {Gemm.NegligibleState:R}");
    }

    [Fact]
    public void Scalar_TurnsEveryValueBelow2ToTheMinus100IntoAZeroOfItsSign_AndLeavesTheRest()
    {
        int flushed = 0;
        foreach (float x in s_values)
        {
            float result = Gemm.FlushNegligible(x);
            // The definition, in double: |x| < 2^-100 (NaN compares false and is kept).
            bool negligible = Math.Abs((double)x) < Math.ScaleB(1.0, -100);
            int expected = negligible
                ? (float.IsNegative(x) ? BitConverter.SingleToInt32Bits(-0f) : 0)
                : BitConverter.SingleToInt32Bits(x);
            flushed += negligible && x != 0 ? 1 : 0;
            Assert.True(expected == BitConverter.SingleToInt32Bits(result), $"{x:R} (0x{BitConverter.SingleToInt32Bits(x):X8}) gave 0x{BitConverter.SingleToInt32Bits(result):X8}");
        }

        // Subnormals, the smallest normals and the normals just below 2^-100 all flush; 2^-100 itself stays.
        Assert.Equal(14, flushed);
    }

    [Fact]
    public void EveryVectorWidth_GivesTheScalarBits_InEveryLane()
    {
        Check<GemmVector512, Vector512<float>>();
        Check<GemmVector256, Vector256<float>>();
        Check<GemmVector128, Vector128<float>>();
    }

    private static void Check<TOps, TVec>()
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        // Every value in every lane: rotate the list through the vector.
        int width = TOps.Width;
        float[] input = new float[width], output = new float[width];
        for (int shift = 0; shift < s_values.Length; shift++)
        {
            for (int lane = 0; lane < width; lane++)
            {
                input[lane] = s_values[(lane + shift) % s_values.Length];
            }

            fixed (float* source = input, destination = output)
            {
                TOps.Store(destination, TOps.FlushNegligible(TOps.Load(source)));
            }

            for (int lane = 0; lane < width; lane++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(Gemm.FlushNegligible(input[lane])) == BitConverter.SingleToInt32Bits(output[lane]),
                    $"{typeof(TOps).Name}, lane {lane}: {input[lane]:R} gave {output[lane]:R}");
            }
        }
    }
}
