using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The optimizers' flush of subnormal state (<c>FlushSubnormal</c>): every vector type gives the
/// scalar rule's bits on the boundary values, and the scalar rule is checked against the definition.
/// The 512-bit type runs in software where the CPU lacks AVX-512, which still checks its lane logic.
/// </summary>
public unsafe class FlushSubnormalTests
{
    private static readonly float[] s_values =
    [
        0f, -0f, float.Epsilon, -float.Epsilon, 3e-39f, -3e-39f,
        BitConverter.Int32BitsToSingle(0x007FFFFF), -BitConverter.Int32BitsToSingle(0x007FFFFF),  // largest subnormal
        BitConverter.Int32BitsToSingle(0x00800000), -BitConverter.Int32BitsToSingle(0x00800000),  // smallest normal
        BitConverter.Int32BitsToSingle(0x00800001), 1e-30f, -1f, 3.4e38f, float.PositiveInfinity,
        float.NegativeInfinity, float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234),
        BitConverter.Int32BitsToSingle(0x7F800001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC01234)), // signaling, negative with payload
    ];

    [Fact]
    public void Scalar_TurnsEverySubnormalIntoAZeroOfItsSign_AndLeavesTheRest()
    {
        foreach (float x in s_values)
        {
            float flushed = Gemm.FlushSubnormal(x);
            int expected = float.IsSubnormal(x)
                ? (x < 0 ? BitConverter.SingleToInt32Bits(-0f) : 0)
                : BitConverter.SingleToInt32Bits(x);
            Assert.True(expected == BitConverter.SingleToInt32Bits(flushed), $"{x:R} (0x{BitConverter.SingleToInt32Bits(x):X8}) gave 0x{BitConverter.SingleToInt32Bits(flushed):X8}");
        }
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
                TOps.Store(destination, TOps.FlushSubnormal(TOps.Load(source)));
            }

            for (int lane = 0; lane < width; lane++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(Gemm.FlushSubnormal(input[lane])) == BitConverter.SingleToInt32Bits(output[lane]),
                    $"{typeof(TOps).Name}, lane {lane}: {input[lane]:R} gave {output[lane]:R}");
            }
        }
    }
}
