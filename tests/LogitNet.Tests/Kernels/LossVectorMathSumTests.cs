using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The losses' double sum of a row (softmax cross-entropy's Σ e^(z−max), its Σ over the other classes) adds in one
/// fixed order, so a loss has the same bits on every instruction set: the CI runs this on AVX-512, AVX2 and software
/// vectors, and each must give the order written out here in scalar code.
/// </summary>
public class LossVectorMathSumTests
{
    /// <summary>Eight running sums (j mod 8), lanes l and l + 4 added, then (v0 + v1) + (v2 + v3), then the tail in order.</summary>
    private static double EightLaneSum(double[] values)
    {
        var lanes = new double[8];
        int body = values.Length / 8 * 8;
        for (int j = 0; j < body; j++)
        {
            lanes[j % 8] += values[j];
        }

        double total = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
        for (int j = body; j < values.Length; j++)
        {
            total += values[j];
        }

        return total;
    }

    private static double Sequential(double[] values)
    {
        double total = 0;
        foreach (double v in values)
        {
            total += v;
        }

        return total;
    }

    [Fact]
    public void LongRows_AddInTheEightLaneOrder_ShortRowsInSequence()
    {
        var random = new Random(5);
        int orderVisible = 0;
        for (int length = 1; length <= 131; length++)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                // Values whose sum depends on the order: magnitudes from 2^-60 to 2^60, both signs, some exact cancellations.
                double[] values = new double[length];
                for (int j = 0; j < length; j++)
                {
                    values[j] = (random.Next(2) == 0 ? -1 : 1) * Math.ScaleB(1 + random.NextDouble(), random.Next(-60, 61));
                    if (j > 0 && random.Next(8) == 0)
                    {
                        values[j] = -values[j - 1];
                    }
                }

                double expected = length >= 32 ? EightLaneSum(values) : Sequential(values);
                double actual = LossVectorMath.Sum(values);
                Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
                    $"length {length}, trial {trial}: expected {expected:R}, got {actual:R}");
                orderVisible += length >= 32 && EightLaneSum(values) != Sequential(values) ? 1 : 0;
            }
        }

        Assert.True(orderVisible > 0, "no long row here sums differently in sequence, so the test cannot see the order");
    }
}
