using System.Numerics.Tensors;

namespace LogitNet.Layers;

/// <summary>
/// The shared work of <see cref="SpatialDropout1D"/> and <see cref="SpatialDropout2D"/>: one keep-or-drop draw per
/// sample and channel, applied to every position of that channel.
/// </summary>
internal static class SpatialMask
{
    public const int OutputSlot = 0;
    public const int MaskSlot = 1;
    public const int InputGradientSlot = 2;

    public static void RequireRate(float rate)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Expected a dropout rate in [0, 1): the fraction of channels set to 0 in training.");
        }
    }

    /// <summary>y[b, ..., c] = x[b, ..., c]·m[b, c], with m drawn sample by sample, channel by channel (0 with probability rate, else 1/(1 − rate)).</summary>
    public static Tensor Forward(Tensor input, LayerContext context, float rate, long seed, ReadOnlySpan<int> sampleShape)
    {
        RandomSource random = MaskGenerator.For(context, seed);
        int channels = sampleShape[^1];
        Tensor mask = context.Buffer(MaskSlot, [channels]);
        Tensor output = context.Buffer(OutputSlot, sampleShape);
        Span<float> m = mask.AsSpan();
        float keep = 1f / (1f - rate);
        random.FillKeepMask(m, rate, keep);

        Scale(input.AsSpan(), m, channels, output.AsSpan());
        return output;
    }

    /// <summary>dx = dy·m with the forward pass's mask.</summary>
    public static Tensor Backward(Tensor outputGradient, LayerContext context, ReadOnlySpan<int> sampleShape)
    {
        int channels = sampleShape[^1];
        Tensor inputGradient = context.Buffer(InputGradientSlot, sampleShape);
        Scale(outputGradient.AsSpan(), context.Buffer(MaskSlot, [channels]).AsSpan(), channels, inputGradient.AsSpan());
        return inputGradient;
    }

    /// <summary>Multiplies every run of <paramref name="channels"/> values by its sample's mask row.</summary>
    private static void Scale(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, int channels, Span<float> y)
    {
        int batch = mask.Length / channels;
        int perSample = x.Length / Math.Max(1, batch);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> m = mask.Slice(b * channels, channels);
            for (int at = b * perSample, end = at + perSample; at < end; at += channels)
            {
                TensorPrimitives.Multiply(x.Slice(at, channels), m, y.Slice(at, channels));
            }
        }
    }
}
