using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class ZeroPadding2DTests
{
    [Theory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(0, 2, 3, 0, 2)]
    [InlineData(0, 1, 0, 1, 1)]
    [InlineData(0, 0, 0, 0, 3)]
    public void Forward_PlacesTheImageInZeros_AndBackwardCrops(int top, int bottom, int left, int right, int batch)
    {
        var layer = new ZeroPadding2D(((top, bottom), (left, right)));
        Tensor x = Tensor.RandomNormal([batch, 3, 4, 2], 0f, 1f, seed: 1);
        float[] y = layer.Forward(x, training: true).ToArray();
        int oh = 3 + top + bottom, ow = 4 + left + right;
        Assert.Equal([oh, ow, 2], layer.OutputShape);
        float[] input = x.ToArray();
        for (int n = 0; n < batch; n++)
        for (int r = 0; r < oh; r++)
        for (int col = 0; col < ow; col++)
        for (int ch = 0; ch < 2; ch++)
        {
            int ir = r - top, ic = col - left;
            float expected = ir >= 0 && ir < 3 && ic >= 0 && ic < 4 ? input[((n * 3 + ir) * 4 + ic) * 2 + ch] : 0f;
            Assert.Equal(expected, y[((n * oh + r) * ow + col) * 2 + ch]);
        }

        GradientCheckResult result = GradientCheck.Run(layer, x);
        Assert.True(result.MaxError < 1e-3, result.ToString());
    }

    [Theory]
    [InlineData(1, 2, 3, 1)]
    [InlineData(0, 0, 2, 0)]
    [InlineData(2, 0, 0, 0)]
    [InlineData(0, 0, 0, 0)]
    public void Forward_WritesEveryPaddingValue_IntoADestinationHoldingOldValues(int top, int bottom, int left, int right)
    {
        // The last layer of a prediction writes straight into the caller's tensor; the padding must overwrite what it held.
        var model = new Sequential(new Input(3, 4, 2), new ZeroPadding2D(((top, bottom), (left, right)))) { Log = TextWriter.Null };
        Tensor x = Tensor.RandomNormal([5, 3, 4, 2], 0f, 1f, seed: 2);
        int oh = 3 + top + bottom, ow = 4 + left + right;
        Tensor destination = Tensor.FromArray(Enumerable.Repeat(float.NaN, 5 * oh * ow * 2).ToArray(), 5, oh, ow, 2);
        model.Predict(x, destination);
        float[] expected = new float[5 * oh * ow * 2];
        float[] input = x.ToArray();
        for (int n = 0; n < 5; n++)
        for (int r = 0; r < 3; r++)
        for (int col = 0; col < 4; col++)
        for (int ch = 0; ch < 2; ch++)
        {
            expected[((n * oh + r + top) * ow + col + left) * 2 + ch] = input[((n * 3 + r) * 4 + col) * 2 + ch];
        }

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), destination.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Constructors_TakeKerasForms()
    {
        var uniform = new ZeroPadding2D();
        Assert.Equal((1, 1, 1, 1), (uniform.Top, uniform.Bottom, uniform.Left, uniform.Right));
        var symmetric = new ZeroPadding2D((2, 3));
        Assert.Equal((2, 2, 3, 3), (symmetric.Top, symmetric.Bottom, symmetric.Left, symmetric.Right));
        Assert.Equal("zero_padding2d", symmetric.Name);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding2D(-1)).ParamName);
        Assert.Throws<ArgumentException>(() => new ZeroPadding2D().Build(5, 5));
    }
}
