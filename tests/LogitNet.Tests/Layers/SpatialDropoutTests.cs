using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class SpatialDropoutTests
{
    [Fact]
    public void Training_DropsWholeChannelsPerSample_AndScalesTheRest()
    {
        var dropout = new SpatialDropout1D(0.5f) { Seed = 3 };
        Tensor x = Tensor.RandomNormal([8, 5, 16], 1f, 0.1f, seed: 1);
        float[] input = x.ToArray(), output = dropout.Forward(x, training: true).ToArray();
        int dropped = 0;
        for (int b = 0; b < 8; b++)
        {
            for (int c = 0; c < 16; c++)
            {
                // Every step of a channel gets the same factor: 0 or 1/(1 − rate) = 2.
                float factor = output[(b * 5) * 16 + c] / input[(b * 5) * 16 + c];
                Assert.True(factor is 0f or 2f, $"sample {b}, channel {c}: factor {factor}");
                dropped += factor == 0f ? 1 : 0;
                for (int t = 1; t < 5; t++)
                {
                    Assert.Equal(input[(b * 5 + t) * 16 + c] * factor, output[(b * 5 + t) * 16 + c]);
                }
            }
        }

        Assert.InRange(dropped, 40, 88);   // about half of 128, drawn per (sample, channel)
    }

    [Fact]
    public void SpatialDropout2D_DropsWholeFeatureMaps()
    {
        var dropout = new SpatialDropout2D(0.25f) { Seed = 4 };
        Tensor x = Tensor.Ones([6, 3, 4, 8]);
        float[] y = dropout.Forward(x, training: true).ToArray();
        for (int b = 0; b < 6; b++)
        {
            for (int c = 0; c < 8; c++)
            {
                float first = y[b * 96 + c];
                Assert.True(first is 0f || Math.Abs(first - 4f / 3f) < 1e-6f, $"factor {first}");
                for (int p = 1; p < 12; p++)
                {
                    Assert.Equal(first, y[b * 96 + p * 8 + c]);
                }
            }
        }
    }

    [Fact]
    public void Inference_PassesTheInputThrough()
    {
        Tensor x = Tensor.RandomNormal([2, 5, 3], 0f, 1f, seed: 1);
        Assert.Equal(x.ToArray(), new SpatialDropout1D(0.5f).Forward(x).ToArray());
        Tensor image = Tensor.RandomNormal([2, 2, 2, 3], 0f, 1f, seed: 1);
        Assert.Equal(image.ToArray(), new SpatialDropout2D(0.5f).Forward(image).ToArray());
    }

    [Fact]
    public void Backward_AppliesTheForwardMask_AndPassesTheGradientCheck()
    {
        var dropout = new SpatialDropout1D(0.4f) { Seed = 9 };
        Tensor x = Tensor.RandomNormal([3, 4, 5], 0f, 1f, seed: 2);
        float[] y = dropout.Forward(x, training: true).ToArray();
        Tensor dy = Tensor.RandomNormal([3, 4, 5], 0f, 1f, seed: 3);
        float[] dx = dropout.Backward(dy).ToArray();
        float[] xs = x.ToArray(), dys = dy.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(y[i] / xs[i] * dys[i], dx[i], 5);
        }

        // With the rate at 0 the layer is the identity in training too; the check runs its backward pass.
        GradientCheckResult result = GradientCheck.Run(new SpatialDropout2D(0f), Tensor.RandomNormal([2, 3, 3, 2], 0f, 1f, seed: 4));
        Assert.True(result.MaxError < 1e-2, result.ToString());
    }

    [Fact]
    public void Arguments_AreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout1D(1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout2D(-0.1f));
        Assert.Throws<ArgumentException>(() => new SpatialDropout1D(0.1f).Build(4, 4, 2));
        Assert.Throws<ArgumentException>(() => new SpatialDropout2D(0.1f).Build(4, 2));
        Assert.Equal("spatial_dropout1d", new SpatialDropout1D(0.1f).Name);
        Assert.Equal("spatial_dropout2d", new SpatialDropout2D(0.1f).Name);
    }
}
