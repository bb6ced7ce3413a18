using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// Short rows (a classifier's outputs) run four to a vector, one row per lane; each row must get the bits the
/// one-row path gives it, down to the double sum of its exponentials, whatever rows share its vector.
/// </summary>
public sealed class SoftmaxShortRowsTests
{
    /// <summary>
    /// The double Σ e^(z - max) of the four-row path (256-bit vectors of doubles) and of the eight-row path (512-bit)
    /// against the one-row reduction, bit for bit, sums and exponentials. Rows mix terms from 1 down to 1e-17
    /// (z - max in [-40, 0]), so adding them in another order or grouping moves the last bits of most sums: this
    /// compares the summation tree itself, which the float results would hide in all but a few rows.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void RowGroupSums_AreTheOneRowSums(int rowsPerGroup)
    {
        var random = new Random(rowsPerGroup == 4 ? 4242 : 8484);
        double[] maxima = new double[rowsPerGroup];
        for (int columns = 1; columns <= SoftmaxKernel.ShortRowMax; columns++)
        {
            int differing = 0;
            for (int trial = 0; trial < 300; trial++)
            {
                float[] x = Row(random, rowsPerGroup * columns);
                for (int r = 0; r < rowsPerGroup; r++)
                {
                    // A finite maximum in every row, as the grouped paths require (others take the one-row path).
                    x[r * columns + random.Next(columns)] = (float)(random.NextDouble() * 6 - 3);
                    maxima[r] = SoftmaxRow.Max(x.AsSpan(r * columns, columns));
                }

                (double[] sums, double[,] exponentials) = GroupSums(x, columns, maxima);
                double[] one = new double[columns];
                for (int r = 0; r < rowsPerGroup; r++)
                {
                    SoftmaxRow.SumExp(x.AsSpan(r * columns, columns), maxima[r], one, out double ties, out double rest);
                    double expected = ties + rest;
                    Assert.True(BitConverter.DoubleToInt64Bits(sums[r]) == BitConverter.DoubleToInt64Bits(expected),
                        $"{columns} columns, trial {trial}, lane {r}: {rowsPerGroup}-row sum {sums[r]:R}, one-row {expected:R}");
                    for (int j = 0; j < columns; j++)
                    {
                        Assert.True(BitConverter.DoubleToInt64Bits(exponentials[j, r]) == BitConverter.DoubleToInt64Bits(one[j]),
                            $"{columns} columns, lane {r}, column {j}: e = {exponentials[j, r]:R}, one-row {one[j]:R}");
                    }

                    // A sequential sum of the same terms differs from SumExp's lane order in many rows from 9 columns
                    // up: evidence that this test sees the order at all.
                    double sequential = 0;
                    foreach (double e in one)
                    {
                        sequential += e;
                    }

                    differing += BitConverter.DoubleToInt64Bits(sequential) != BitConverter.DoubleToInt64Bits(expected) ? 1 : 0;
                }
            }

            if (columns >= 9)
            {
                Assert.True(differing > 0, $"{columns} columns: no row's sum depends on the order; the test cannot see it");
            }
        }
    }

    /// <summary>
    /// <see cref="SoftmaxKernel.SumExpFour"/> or <see cref="SoftmaxKernel.SumExpEight"/> (by <paramref name="maxima"/>'s
    /// length) on rows of <paramref name="columns"/> floats: each row's sum, and exponentials[j, r] = e^(x[r, j] - max_r).
    /// </summary>
    private static (double[] Sums, double[,] Exponentials) GroupSums(float[] x, int columns, double[] maxima)
    {
        int rows = maxima.Length;
        double[] sums = new double[rows];
        double[,] exponentials = new double[columns, rows];
        if (rows == 4)
        {
            Span<Vector128<float>> values = stackalloc Vector128<float>[columns];
            Span<Vector256<double>> e = stackalloc Vector256<double>[columns];
            for (int j = 0; j < columns; j++)
            {
                values[j] = Vector128.Create(x[j], x[columns + j], x[2 * columns + j], x[3 * columns + j]);
            }

            Vector256<double> s = SoftmaxKernel.SumExpFour(values, Vector256.Create(maxima), e);
            for (int r = 0; r < rows; r++)
            {
                sums[r] = s.GetElement(r);
                for (int j = 0; j < columns; j++)
                {
                    exponentials[j, r] = e[j].GetElement(r);
                }
            }
        }
        else
        {
            Span<Vector256<float>> values = stackalloc Vector256<float>[columns];
            Span<Vector512<double>> e = stackalloc Vector512<double>[columns];
            for (int j = 0; j < columns; j++)
            {
                values[j] = Vector256.Create(x[j], x[columns + j], x[2 * columns + j], x[3 * columns + j],
                    x[4 * columns + j], x[5 * columns + j], x[6 * columns + j], x[7 * columns + j]);
            }

            Vector512<double> s = SoftmaxKernel.SumExpEight(values, Vector512.Create(maxima), e);
            for (int r = 0; r < rows; r++)
            {
                sums[r] = s.GetElement(r);
                for (int j = 0; j < columns; j++)
                {
                    exponentials[j, r] = e[j].GetElement(r);
                }
            }
        }

        return (sums, exponentials);
    }

    /// <summary>
    /// The softmax of many short rows equals each row alone (which takes the one-row path), for every width up to
    /// <see cref="SoftmaxKernel.ShortRowMax"/> and row counts that leave 0-7 rows after the groups of eight (or 0-3 after the groups of four without 512-bit vectors), on rows
    /// with ties, masked -inf entries, values far below the maximum, signed zeros, and groups of eight or four holding a
    /// NaN or an infinite row (such a group falls back to the one-row path). In place gives the same bits.
    /// </summary>
    [Fact]
    public void ManyRows_GiveEachRowItsBitsAlone()
    {
        var random = new Random(99);
        for (int columns = 1; columns <= SoftmaxKernel.ShortRowMax + 1; columns++)
        {
            foreach (int rows in new[] { 4, 5, 7, 8, 13, 16, 23, 29 })
            {
                float[] x = Row(random, rows * columns);
                if (rows >= 8)
                {
                    x[columns * 5 + random.Next(columns)] = random.Next(2) == 0 ? float.NaN : float.PositiveInfinity;
                }

                if (rows >= 23)
                {
                    // A bad row in the second group of eight too, and one in the trailing group of four.
                    x[columns * 12 + random.Next(columns)] = float.NaN;
                    x[columns * 17 + random.Next(columns)] = float.PositiveInfinity;
                }

                float[] y = new float[x.Length];
                SoftmaxKernel.Rows(x, y, columns);
                float[] inPlace = (float[])x.Clone();
                SoftmaxKernel.Rows(inPlace, inPlace, columns);
                float[] alone = new float[columns];
                for (int r = 0; r < rows; r++)
                {
                    SoftmaxKernel.Row(x.AsSpan(r * columns, columns), alone);
                    for (int j = 0; j < columns; j++)
                    {
                        int expected = BitConverter.SingleToInt32Bits(alone[j]);
                        Assert.True(BitConverter.SingleToInt32Bits(y[r * columns + j]) == expected,
                            $"{rows} rows of {columns}, row {r}, column {j}: {y[r * columns + j]:R} among others, {alone[j]:R} alone");
                        Assert.True(BitConverter.SingleToInt32Bits(inPlace[r * columns + j]) == expected,
                            $"{rows} rows of {columns}, row {r}, column {j}: {inPlace[r * columns + j]:R} in place, {alone[j]:R} alone");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The four- and eight-row paths take every group of finite rows (so the tests above compare them, not a
    /// fallback) and leave a group with a NaN or an infinite entry to the one-row path, writing nothing.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void RowGroups_TakeFiniteRowsAndRefuseNonFiniteOnes(int rowsPerGroup)
    {
        var random = new Random(rowsPerGroup == 4 ? 5 : 6);
        bool Group(float[] x, float[] y, int columns) =>
            rowsPerGroup == 4 ? SoftmaxKernel.FourShortRows(x, y, columns) : SoftmaxKernel.EightShortRows(x, y, columns);

        for (int columns = 1; columns <= SoftmaxKernel.ShortRowMax; columns++)
        {
            float[] x = Row(random, rowsPerGroup * columns);
            for (int r = 0; r < rowsPerGroup; r++)
            {
                // Every row needs a finite maximum to be taken; -inf elsewhere is a masked class.
                x[r * columns] = (float)(random.NextDouble() * 10 - 5);
            }

            float[] y = new float[x.Length];
            Assert.True(Group(x, y, columns), $"{rowsPerGroup} rows of {columns} columns: finite rows not taken");
            float[] alone = new float[columns];
            for (int r = 0; r < rowsPerGroup; r++)
            {
                SoftmaxKernel.Row(x.AsSpan(r * columns, columns), alone);
                Assert.True(y.AsSpan(r * columns, columns).SequenceEqual(alone), $"{rowsPerGroup} rows of {columns} columns, row {r}");
            }

            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                float[] z = (float[])x.Clone();
                if (float.IsNegativeInfinity(bad))
                {
                    // A whole row of -inf: its maximum is -inf, not finite.
                    z.AsSpan(random.Next(rowsPerGroup) * columns, columns).Fill(bad);
                }
                else
                {
                    z[random.Next(z.Length)] = bad;
                }

                float[] untouched = Enumerable.Repeat(7f, z.Length).ToArray();
                Assert.False(Group(z, untouched, columns), $"{rowsPerGroup} rows of {columns} columns with {bad}: taken");
                Assert.All(untouched, v => Assert.Equal(7f, v));
            }
        }
    }

    /// <summary>Logits spanning 40 below to a few above the row's typical values, with ties, -inf, huge negatives and signed zeros.</summary>
    private static float[] Row(Random random, int length)
    {
        float[] x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = random.Next(12) switch
            {
                0 => float.NegativeInfinity,
                1 => -800f,
                2 => 3f,
                3 => random.Next(2) == 0 ? 0f : -0f,
                4 => -745.1f + (float)random.NextDouble(),
                _ => (float)(3 - random.NextDouble() * 40),
            };
        }

        return x;
    }
}
