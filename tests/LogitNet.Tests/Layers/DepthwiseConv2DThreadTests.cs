using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

/// <summary>
/// <see cref="DepthwiseConv2D"/> on the worker pool (chunks of samples for the forward pass and the input gradient, of
/// channels for the kernel and bias gradients): every thread count gives the bits of the one-thread loops it replaced,
/// written out here in float in their order, and a warm pass on the pool allocates nothing.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class DepthwiseConv2DThreadTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3, 4, 8];

    // h, w, c, k, multiplier, stride, same, batch: batches of several sample chunks with a short last one, channel
    // chunks of 16 with a short last one (and a scalar tail), batch 1, a single chunk.
    public static IEnumerable<object[]> Shapes =>
    [
        [16, 16, 21, 3, 1, 1, true, 13],   // 4 samples a chunk: 4 chunks, the last of 1; channels 16 + 5
        [16, 16, 21, 3, 2, 2, true, 13],   // 42 channels: 16 + 16 + 10; stride 2
        [15, 17, 21, 3, 2, 1, false, 7],   // "valid", odd sizes
        [16, 16, 40, 5, 1, 2, true, 1],    // batch 1
        [6, 5, 3, 3, 2, 1, true, 3],       // small: one chunk of each kind
        [12, 12, 33, 4, 1, 3, true, 9],    // even kernel, stride past half the kernel
        [8, 8, 70, 3, 2, 1, true, 5],      // 140 channels: kernel-gradient chunks of 128 + 12
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Passes_OnAnyThreadCount_GiveTheBitsOfTheSequentialFloatLoops(int h, int w, int c, int k, int m, int s, bool same, int n)
    {
        Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 21);
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in ThreadCounts)
            {
                Parallelism.MaxThreads = threads;
                var layer = new DepthwiseConv2D(k, s, same ? Padding.Same : Padding.Valid, m) { Seed = 5 };
                layer.Build(h, w, c);
                Tensor.RandomNormal([c * m], 0f, 0.5f, seed: 6).AsSpan().CopyTo(layer.Bias!.Value.AsSpan());
                float[] y = layer.Forward(x, training: true).ToArray();
                Tensor dy = Tensor.RandomNormal([n, .. layer.OutputShape], 0f, 1f, seed: 22);
                float[] dx = layer.Backward(dy).ToArray();
                Loops expected = OneThreadLoops(x.ToArray(), n, h, w, c, m, k, s, same, layer.Kernel.Value.ToArray(), layer.Bias.Value.ToArray(), dy.ToArray());
                Assert.True(expected.Y.AsSpan().SequenceEqual(y), $"forward differs on {threads} threads");
                Assert.True(expected.Dx.AsSpan().SequenceEqual(dx), $"input gradient differs on {threads} threads");
                Assert.True(expected.Dw.AsSpan().SequenceEqual(layer.Kernel.Gradient.AsSpan()), $"kernel gradient differs on {threads} threads");
                Assert.True(expected.Db.AsSpan().SequenceEqual(layer.Bias.Gradient.AsSpan()), $"bias gradient differs on {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Fit_DepthwiseModel_OnSeveralThreads_GivesTheOneThreadWeightsAndPredictions()
    {
        Tensor x = Tensor.RandomNormal([80, 16, 16, 6], 0f, 1f, seed: 7);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 80).Select(i => (float)(i % 3)).ToArray(), 80);
        int saved = Parallelism.MaxThreads;
        try
        {
            (float[][] oneWeights, float[] onePredictions) = Train(1);
            foreach (int threads in ThreadCounts[1..])
            {
                (float[][] weights, float[] predictions) = Train(threads);
                for (int p = 0; p < oneWeights.Length; p++)
                {
                    Assert.True(oneWeights[p].AsSpan().SequenceEqual(weights[p]), $"parameter {p} differs between one and {threads} threads");
                }

                Assert.True(onePredictions.AsSpan().SequenceEqual(predictions), $"predictions differ between one and {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        (float[][] Weights, float[] Predictions) Train(int threads)
        {
            Parallelism.MaxThreads = threads;
            var model = new Sequential(
                new Input(16, 16, 6),
                new DepthwiseConv2D(3, strides: 2, padding: Padding.Same, depthMultiplier: 2, activation: Activation.Relu),
                new DepthwiseConv2D(3, padding: Padding.Same, activation: Activation.Tanh),
                new Conv2D(8, 1, activation: Activation.Relu),
                new DepthwiseConv2D(2, padding: Padding.Valid),
                new GlobalAveragePooling2D(),
                new Dense(3)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
            return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), model.Predict(x).ToArray());
        }
    }

    [Fact]
    public void TrainingAndPredict_OnTwoThreads_WhenWarm_AllocateNothing()
    {
        // Batches of 24 images of 12 x 12 x 16 make several sample chunks and, with a multiplier of 2, two channel chunks.
        Tensor x = Tensor.RandomUniform([24 * 40, 12, 12, 16], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 24 * 40).Select(i => (float)(i % 3)).ToArray(), 24 * 40);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var model = new Sequential(
                new Input(12, 12, 16),
                new DepthwiseConv2D(3, padding: Padding.Same, activation: Activation.Relu),
                new DepthwiseConv2D(3, strides: 2, depthMultiplier: 2, activation: Activation.Tanh),
                new GlobalAveragePooling2D(),
                new Dense(3)) { Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
            var probe = new AllocationWindows(from: 5, window: 10);
            model.Fit(x, y, epochs: 1, batchSize: 24, verbose: 0, callbacks: [probe]);
            Assert.True(probe.Windows >= 3, $"only {probe.Windows} windows of 10 steps measured");
            Assert.Equal(0, probe.FewestBytes);

            float[] features = x.Slice(0, 24).ToArray();
            float[] output = new float[24 * 3];
            model.Predict(features, output);
            model.Predict(features, output);

            // The fewest bytes of several rounds (SteadyState): one round of this test allocated 4,736 bytes in a CI
            // pass (Release, tiered compilation off) while every other round and run allocated none.
            Assert.Equal(0, SteadyState.AllocatedBytes(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    model.Predict(features, output);
                }
            }, rounds: 10));
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private sealed record Loops(float[] Y, float[] Dx, float[] Dw, float[] Db);

    /// <summary>
    /// The one-thread loops the pool replaced, in float and in their order: the output from the bias, then the taps in
    /// row order; the kernel and bias gradients from +0 over samples, then output pixels; the expanded input's gradient
    /// scattered from +0 over samples, output pixels and taps, then its M filters added per input channel.
    /// </summary>
    private static Loops OneThreadLoops(float[] x, int n, int h, int w, int c, int m, int k, int s, bool same, float[] kernel, float[] bias, float[] dy)
    {
        (int oh, int padTop) = Axis(h, k, s, same);
        (int ow, int padLeft) = Axis(w, k, s, same);
        int channels = c * m;
        var y = new float[n * oh * ow * channels];
        var dw = new float[k * k * channels];
        var db = new float[channels];
        var dxe = new float[n * h * w * channels];
        for (int b = 0; b < n; b++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            int o = ((b * oh + oy) * ow + ox) * channels;
            for (int ch = 0; ch < channels; ch++)
            {
                float a = bias[ch];
                float g = dy[o + ch];
                db[ch] += g;
                for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    int iy = oy * s - padTop + ky, ix = ox * s - padLeft + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                    {
                        continue;
                    }

                    float xv = x[((b * h + iy) * w + ix) * c + ch / m];
                    float wv = kernel[(ky * k + kx) * channels + ch];
                    float p = xv * wv;
                    a += p;
                    float q = xv * g;
                    dw[(ky * k + kx) * channels + ch] += q;
                    float r = g * wv;
                    dxe[((b * h + iy) * w + ix) * channels + ch] += r;
                }

                y[o + ch] = a;
            }
        }

        var dx = new float[n * h * w * c];
        for (int i = 0; i < dx.Length; i++)
        {
            float sum = 0f;
            for (int j = 0; j < m; j++)
            {
                sum += dxe[i * m + j];
            }

            dx[i] = sum;
        }

        return new Loops(y, dx, dw, db);
    }

    private static (int Output, int PadBefore) Axis(int input, int kernel, int stride, bool same)
    {
        if (!same)
        {
            return ((input - kernel) / stride + 1, 0);
        }

        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + kernel - input);
        return (output, total / 2);
    }
}
