using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

[Collection(ProcessWideSettingsCollection.Name)]
public class ConvolutionKernelTests
{
    /// <summary>
    /// dz routed by the output's sign (NaN kept), and the bias gradient's column sums in their fixed blocked order
    /// (each block of <see cref="BiasGradient.SumBlockRows"/> rows in order from zero, then the blocks in order), bit
    /// for bit on every thread count: large matrices are cut into blocks of rows shared with the pool. The sums are
    /// also those of <see cref="BiasGradient.ColumnSums"/> on dz, which the layers use without a ReLU.
    /// </summary>
    [Theory]
    [InlineData(5, 19)]       // vector lanes and a scalar tail, one block
    [InlineData(3, 64)]
    [InlineData(4, 3)]        // scalar only
    [InlineData(70, 19)]      // three blocks, the last short
    [InlineData(256, 1024)]   // the L model's hidden layers: cut into blocks of rows on several threads
    [InlineData(97, 700)]     // cut, with a short last block and a scalar tail
    [InlineData(2100, 33)]    // more blocks than the most chunks: several blocks per chunk
    public void ReluBackward_RoutesTheGradientBySign_KeepsNaN_AndSumsTheColumnsInBlocks_OnEveryThreadCount(int rows, int columns)
    {
        var random = new Random(rows * 100 + columns);
        float[] y = Enumerable.Range(0, rows * columns).Select(i => i % 7 == 0 ? float.NaN : i % 3 == 0 ? 0f : (float)(random.NextDouble() - 0.5)).ToArray();
        float[] dy = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * Math.Pow(10, random.Next(-3, 4)))).ToArray();
        // Gradients that make the order of additions show: large and small magnitudes, no NaN in the sums of some columns.
        for (int i = 0; i < y.Length; i++)
        {
            if (i % columns == 1 && float.IsNaN(y[i]))
            {
                y[i] = 1f;
            }
        }

        float[] expectedDz = new float[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            expectedDz[i] = y[i] > 0 ? dy[i] : float.IsNaN(y[i]) ? float.NaN : 0f;
        }

        float[] expectedSums = new float[columns];
        for (int r0 = 0; r0 < rows; r0 += BiasGradient.SumBlockRows)
        {
            float[] block = new float[columns];
            for (int r = r0; r < Math.Min(rows, r0 + BiasGradient.SumBlockRows); r++)
            {
                for (int j = 0; j < columns; j++)
                {
                    block[j] += expectedDz[r * columns + j];
                }
            }

            for (int j = 0; j < columns; j++)
            {
                expectedSums[j] += block[j];
            }
        }

        // Sums buffers start full of NaN, and take a second call: each call must set them, not add to what was there.
        float[] columnSums = Enumerable.Repeat(float.NaN, columns).ToArray();
        for (int call = 0; call < 2; call++)
        {
            BiasGradient.ColumnSums(expectedDz, rows, columns, columnSums);
            AssertBits(expectedSums, columnSums, $"ColumnSums, call {call + 1}");
        }

        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                Parallelism.MaxThreads = threads;
                float[] dz = new float[y.Length], sums = Enumerable.Repeat(float.NaN, columns).ToArray();
                for (int call = 0; call < 2; call++)
                {
                    BiasGradient.ReluBackward(y, dy, dz, rows, columns, sums);
                    AssertBits(expectedDz, dz, $"dz on {threads} threads, call {call + 1}");
                    AssertBits(expectedSums, sums, $"sums on {threads} threads, call {call + 1}");
                }

                float[] dzOnly = new float[y.Length];
                BiasGradient.ReluBackward(y, dy, dzOnly, rows, columns, default);
                AssertBits(expectedDz, dzOnly, $"dz without sums on {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void ReluBackward_RefusesSpansShorterThanTheMatrix_NamingTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => BiasGradient.ReluBackward(new float[12], new float[12], new float[11], 3, 4, default));
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("11", e.Message);
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}, element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>
    /// A forward pass is cut by im2col rows, which may start and end inside an image: every range of rows is those rows of
    /// the whole batch's matrix, written independently from the window at each output pixel (checked against the windows
    /// read one value at a time, padding as 0), for one channel and many, padding, strides and dilation.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 1, 1, false)]
    [InlineData(1, 5, 2, 1, true)]
    [InlineData(3, 3, 1, 1, true)]
    [InlineData(8, 3, 2, 1, false)]
    [InlineData(4, 3, 1, 2, true)]
    public void Im2ColRows_AnyRange_IsThoseRowsOfTheWindows(int channels, int kernel, int stride, int dilation, bool same)
    {
        const int batch = 3, height = 9, width = 7;
        Window2D g = Window2D.Create(height, width, channels, kernel, kernel, stride, stride, dilation, dilation, same)!.Value;
        var random = new Random(channels * 31 + kernel);
        float[] input = Enumerable.Range(0, batch * g.InputLength).Select(_ => (float)random.NextDouble()).ToArray();
        int rows = batch * g.OutputPixels, patch = g.PatchLength;
        float[] expected = new float[rows * patch];
        for (int r = 0; r < rows; r++)
        {
            int b = r / g.OutputPixels, oy = r % g.OutputPixels / g.OutputWidth, ox = r % g.OutputWidth;
            for (int ky = 0, k = 0; ky < kernel; ky++)
            {
                for (int kx = 0; kx < kernel; kx++)
                {
                    int iy = oy * stride - g.PadTop + ky * dilation, ix = ox * stride - g.PadLeft + kx * dilation;
                    for (int ch = 0; ch < channels; ch++, k++)
                    {
                        bool inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                        expected[r * patch + k] = inside ? input[((b * height + iy) * width + ix) * channels + ch] : 0f;
                    }
                }
            }
        }

        float[] whole = new float[rows * patch];
        Convolution2D.Im2ColRows(g, input, 0, rows, whole);
        Assert.Equal(expected, whole);
        foreach ((int first, int count) in new[] { (0, rows), (1, 1), (g.OutputPixels - 2, 5), (g.OutputPixels, g.OutputPixels), (3, rows - 4), (rows - 1, 1) })
        {
            float[] part = Enumerable.Repeat(float.NaN, count * patch).ToArray();
            Convolution2D.Im2ColRows(g, input, first, count, part);
            Assert.Equal(expected.AsSpan(first * patch, count * patch).ToArray(), part);
        }
    }

    [Fact]
    public void MaxPooling_OnVectorLanes_PropagatesNaN_AndRoutesItsGradientToTheFirstNaN()
    {
        // 16 channels (vector lanes on every width), one 2×1 window: channel 3 has NaN second, channel 5 first.
        const int c = 16;
        float[] x = new float[2 * c];
        for (int ch = 0; ch < c; ch++)
        {
            x[ch] = ch;
            x[c + ch] = ch % 2 == 0 ? ch + 0.5f : ch - 0.5f;
        }

        x[c + 3] = float.NaN;
        x[5] = float.NaN;
        Window2D g = Window2D.Create(2, 1, c, 2, 1, 2, 1, 1, 1, false)!.Value;
        float[] y = new float[c];
        Pooling2D.MaxForward(g, x, 1, y);
        float[] dy = Enumerable.Range(1, c).Select(i => (float)i).ToArray();
        float[] dx = new float[x.Length];
        Pooling2D.MaxBackward(g, x, y, dy, 1, dx);
        for (int ch = 0; ch < c; ch++)
        {
            bool nan = ch is 3 or 5;
            Assert.Equal(nan ? float.NaN : Math.Max(x[ch], x[c + ch]), y[ch]);
            int winner = ch == 3 ? 1 : ch == 5 ? 0 : ch % 2 == 0 ? 1 : 0;
            Assert.Equal(dy[ch], dx[winner * c + ch]);
            Assert.Equal(0f, dx[(1 - winner) * c + ch]);
        }
    }

    /// <summary>
    /// Max pooling's forward pass is the scan of each window row by row, left to right, taking x where x &gt; best or x is
    /// NaN, bit for bit (signed zeros keep the first, the last NaN met wins): checked on channel counts that reach the
    /// four-vector blocks, one vector and the scalar tail, with clipped windows ("same" padding) and overlapping ones.
    /// </summary>
    [Theory]
    [InlineData(1, 2, 2, false)]
    [InlineData(7, 3, 2, true)]
    [InlineData(33, 2, 2, false)]
    [InlineData(64, 3, 1, true)]
    [InlineData(71, 2, 1, true)]
    public void MaxPooling_Forward_IsTheScalarScanOfEachWindow_BitForBit(int channels, int pool, int stride, bool same)
    {
        const int batch = 2, height = 7, width = 9;
        Window2D g = Window2D.Create(height, width, channels, pool, pool, stride, stride, 1, 1, same)!.Value;
        float[] special = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1.4e-45f, -1.4e-45f, 3e38f,
            BitConverter.Int32BitsToSingle(0x7FC00001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00002))];
        var random = new Random(channels * 7 + pool);
        float[] x = Enumerable.Range(0, batch * g.InputLength)
            .Select(_ => random.Next(3) == 0 ? special[random.Next(special.Length)] : (float)(random.Next(5) - 2)).ToArray();
        float[] y = new float[batch * g.OutputPixels * channels];
        Pooling2D.MaxForward(g, x, batch, y);
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    int y0 = Math.Max(0, oy * stride - g.PadTop), y1 = Math.Min(height, oy * stride - g.PadTop + pool);
                    int x0 = Math.Max(0, ox * stride - g.PadLeft), x1 = Math.Min(width, ox * stride - g.PadLeft + pool);
                    for (int ch = 0; ch < channels; ch++)
                    {
                        float best = x[((b * height + y0) * width + x0) * channels + ch];
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                            {
                                float v = x[((b * height + iy) * width + ix) * channels + ch];
                                best = v > best || float.IsNaN(v) ? v : best;
                            }
                        }

                        float got = y[((b * g.OutputHeight + oy) * g.OutputWidth + ox) * channels + ch];
                        Assert.True(BitConverter.SingleToInt32Bits(best) == BitConverter.SingleToInt32Bits(got),
                            $"image {b}, pixel ({oy}, {ox}), channel {ch}: {got:R} (0x{BitConverter.SingleToInt32Bits(got):X8}), the scan gives {best:R} (0x{BitConverter.SingleToInt32Bits(best):X8})");
                    }
                }
            }
        }
    }
}
