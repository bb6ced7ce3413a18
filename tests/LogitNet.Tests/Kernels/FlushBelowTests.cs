using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The optimizers' flush of their state (<c>FlushBelow</c> at <c>StateFloor</c>: below 2^-100 in magnitude, or below
/// 2^-126 for an optimizer with an epsilon of 0, a zero of the value's sign): every vector type gives the scalar rule's
/// bits on the boundary values of both floors, and the scalar rule is checked against the definition. The 512-bit type
/// runs in software where the CPU lacks AVX-512, which still checks its lane logic.
/// </summary>
public unsafe class FlushBelowTests
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

    [Theory]
    [InlineData(1e-7f, -100)]                // Keras's default
    [InlineData(5.96046448E-08f, -100)]      // 2^-24, the smallest epsilon that hides a flushed second moment
    [InlineData(5.96046412E-08f, -126)]      // the float below it
    [InlineData(1e-8f, -126)]                // PyTorch's default
    [InlineData(1.4e-45f, -126)]             // the smallest subnormal
    [InlineData(0f, -126)]
    [InlineData(1f, -100)]
    public void StateFloor_Is2ToTheMinus100_WithALargeEpsilon_Else2ToTheMinus126(float epsilon, int exponent)
    {
        Assert.True(Math.ScaleB(1.0, exponent) == (double)Gemm.StateFloor(epsilon), $"epsilon {epsilon:R}: floor {Gemm.StateFloor(epsilon):R}");
    }

    [Theory]
    [InlineData(-100, 14)]   // subnormals, the smallest normals and the normals just below 2^-100 flush; 2^-100 stays
    [InlineData(-126, 6)]    // only the subnormals flush
    public void Scalar_TurnsEveryValueBelowTheFloorIntoAZeroOfItsSign_AndLeavesTheRest(int floorExponent, int expectedFlushes)
    {
        float floor = (float)Math.ScaleB(1.0, floorExponent);
        int flushed = 0;
        foreach (float x in s_values)
        {
            float result = Gemm.FlushBelow(x, floor);
            // The definition, in double: |x| < floor (NaN compares false and is kept).
            bool below = Math.Abs((double)x) < Math.ScaleB(1.0, floorExponent);
            int expected = below
                ? (float.IsNegative(x) ? BitConverter.SingleToInt32Bits(-0f) : 0)
                : BitConverter.SingleToInt32Bits(x);
            flushed += below && x != 0 ? 1 : 0;
            Assert.True(expected == BitConverter.SingleToInt32Bits(result), $"floor 2^{floorExponent}: {x:R} (0x{BitConverter.SingleToInt32Bits(x):X8}) gave 0x{BitConverter.SingleToInt32Bits(result):X8}");
        }

        Assert.Equal(expectedFlushes, flushed);
    }

    [Fact]
    public void EveryVectorWidth_GivesTheScalarBits_InEveryLane()
    {
        foreach (float floor in new[] { Gemm.StateFloor(1e-7f), Gemm.StateFloor(0f) })
        {
            Check<GemmVector512, Vector512<float>>(floor);
            Check<GemmVector256, Vector256<float>>(floor);
            Check<GemmVector128, Vector128<float>>(floor);
        }
    }

    private static void Check<TOps, TVec>(float floor)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        // Every value in every lane: rotate the list through the vector.
        int width = TOps.Width;
        float[] input = new float[width], output = new float[width];
        TVec floors = TOps.Broadcast(&floor);
        for (int shift = 0; shift < s_values.Length; shift++)
        {
            for (int lane = 0; lane < width; lane++)
            {
                input[lane] = s_values[(lane + shift) % s_values.Length];
            }

            fixed (float* source = input, destination = output)
            {
                TOps.Store(destination, TOps.FlushBelow(TOps.Load(source), floors));
            }

            for (int lane = 0; lane < width; lane++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(Gemm.FlushBelow(input[lane], floor)) == BitConverter.SingleToInt32Bits(output[lane]),
                    $"{typeof(TOps).Name}, floor {floor:R}, lane {lane}: {input[lane]:R} gave {output[lane]:R}");
            }
        }
    }
}
