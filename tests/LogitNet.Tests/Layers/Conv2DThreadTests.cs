using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

/// <summary>The convolution's and pooling's sample chunks and the GEMM's cuts may run on either thread: one and several threads train to the same bits.</summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class Conv2DThreadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_ConvolutionalModel_OnTwoThreads_GivesTheOneThreadWeights(bool averagePooling)
    {
        Tensor x = Tensor.RandomUniform([70, 14, 13, 1], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 70).Select(i => (float)(i % 4)).ToArray(), 70);
        int saved = Parallelism.MaxThreads;
        try
        {
            float[][] one = Train(1);
            foreach (int threads in (int[])[2, 3, 8])
            {
                float[][] many = Train(threads);
                for (int p = 0; p < one.Length; p++)
                {
                    Assert.True(one[p].AsSpan().SequenceEqual(many[p]), $"parameter {p} differs between one and {threads} threads");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        float[][] Train(int threads)
        {
            Parallelism.MaxThreads = threads;
            var model = new Sequential(
                new Input(14, 13, 1),
                new Conv2D(16, 3, activation: Activation.Relu),
                new MaxPooling2D(),
                new Conv2D(24, 3, padding: Padding.Same, activation: Activation.Relu),
                averagePooling ? new AveragePooling2D(2, padding: Padding.Same) : new Dropout(0f),
                averagePooling ? new GlobalMaxPooling2D() : new GlobalAveragePooling2D(),
                new Dense(4)) { Seed = 3, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
    }

    /// <summary>
    /// An inference pass writes each chunk's im2col rows into a scratch of one chunk per thread (a training pass keeps
    /// the batch's matrix for its backward pass): the outputs are the training pass's bits on any thread count, for a
    /// batch of many chunks of im2col rows (455 rows, about three images, without padding) and for one image (chunks
    /// of 64 rows that end inside it).
    /// </summary>
    [Theory]
    [InlineData(Padding.Valid, 1)]
    [InlineData(Padding.Same, 2)]
    public void InferencePass_ThroughTheScratch_GivesTheTrainingPassBits_OnAnyThreadCount(Padding padding, int stride)
    {
        Tensor x = Tensor.RandomUniform([130, 15, 14, 24], -1f, 1f, seed: 4);
        var layer = new Conv2D(20, 3, strides: stride, padding: padding, activation: Activation.Relu) { Seed = 9 };
        layer.Build(15, 14, 24);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            float[] training = layer.Forward(x, training: true).ToArray();
            foreach (int threads in (int[])[1, 2, 3, 8])
            {
                Parallelism.MaxThreads = threads;
                Assert.Equal(training, layer.Forward(x).ToArray());
                Assert.Equal(training.AsSpan(0, training.Length / 130).ToArray(), layer.Forward(x.Slice(0, 1)).ToArray());
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A warm inference call on a convnet into the caller's span allocates nothing on the calling thread, the im2col
    /// scratch of the inference pass included, in passes of many sample chunks and of one row.
    /// </summary>
    [Fact]
    public void Predict_ConvolutionalModel_IntoTheCallersSpan_WhenWarm_AllocatesNothing()
    {
        Tensor x = Tensor.RandomUniform([40, 14, 13, 3], 0f, 1f, seed: 5);
        var model = new Sequential(
            new Input(14, 13, 3),
            new Conv2D(16, 3, activation: Activation.Relu),
            new MaxPooling2D(),
            new Conv2D(12, 3, padding: Padding.Same, activation: Activation.Tanh),
            new Flatten(),
            new Dense(4)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        float[] expected = model.Predict(x).ToArray();
        int saved = Parallelism.MaxThreads;
        try
        {
            // One thread: the convolution's sample chunks all run on the caller, whose allocations are counted.
            Parallelism.MaxThreads = 1;
            foreach (int rows in (int[])[40, 1])
            {
                float[] features = x.Slice(0, rows).ToArray(), output = new float[rows * 4];
                model.Predict(features, output);
                Assert.Equal(expected[..(rows * 4)], output);
                Assert.Equal(0, SteadyState.AllocatedBytes(() =>
                {
                    model.Predict(features, output);
                    model.PredictProba(features, output);
                }));
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
