using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

public class ConvolutionKernelTests
{
    [Theory]
    [InlineData(5, 19)]   // vector lanes and a scalar tail
    [InlineData(3, 64)]
    [InlineData(4, 3)]    // scalar only
    public void ReluBackward_RoutesTheGradientBySign_KeepsNaN_AndSumsTheColumnsInRowOrder(int rows, int columns)
    {
        var random = new Random(rows * 100 + columns);
        float[] y = Enumerable.Range(0, rows * columns).Select(i => i % 7 == 0 ? float.NaN : i % 3 == 0 ? 0f : (float)(random.NextDouble() - 0.5)).ToArray();
        float[] dy = Enumerable.Range(0, rows * columns).Select(_ => (float)random.NextDouble()).ToArray();
        float[] dz = new float[y.Length], sums = new float[columns];
        BiasGradient.ReluBackward(y, dy, dz, rows, columns, sums);
        var expectedSums = new float[columns];
        for (int i = 0; i < y.Length; i++)
        {
            float expected = y[i] > 0 ? dy[i] : float.IsNaN(y[i]) ? float.NaN : 0f;
            Assert.Equal(expected, dz[i]);
            expectedSums[i % columns] += expected;
        }

        Assert.Equal(expectedSums, sums);
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
}
