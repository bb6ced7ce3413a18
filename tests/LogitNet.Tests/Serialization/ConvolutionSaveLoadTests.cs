using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Serialization;

public sealed class ConvolutionSaveLoadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-conv-save-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SaveThenLoad_ConvolutionAndPooling_PredictsBitwiseTheSame_AndKeepsTheSettings()
    {
        Tensor x = Tensor.RandomUniform([20, 9, 8, 2], 0f, 1f, seed: 1);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 3)).ToArray(), 20);
        var model = new Sequential(
            new Input(9, 8, 2),
            new Conv2D(4, (3, 2), strides: (2, 1), padding: Padding.Same, activation: Activation.Tanh, name: "c1"),
            new BatchNormalization(momentum: 0.9f, center: false),
            new MaxPooling2D(2, strides: 1, padding: Padding.Same),
            new Conv2D(5, 2, dilationRate: 2, activation: Activation.Relu, useBias: false),
            new AveragePooling2D((1, 2)),
            new GlobalMaxPooling2D(keepDims: true),
            new GlobalAveragePooling2D(),
            new Dense(3)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        string path = Path.Combine(_directory, "conv.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);

        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Layers.Select(l => (l.Name, l.GetType(), string.Join(",", l.OutputShape))),
            loaded.Layers.Select(l => (l.Name, l.GetType(), string.Join(",", l.OutputShape))));
        var conv = (Conv2D)loaded.Layers[1];
        Assert.Equal((4, (3, 2), (2, 1), Padding.Same, (1, 1), Activation.Tanh, true),
            (conv.Filters, conv.KernelSize, conv.Strides, conv.Padding, conv.DilationRate, conv.Activation, conv.UseBias));
        var dilated = (Conv2D)loaded.Layers[4];
        Assert.Equal(((2, 2), false, Activation.Relu), (dilated.DilationRate, dilated.UseBias, dilated.Activation));
        var max = (MaxPooling2D)loaded.Layers[3];
        Assert.Equal(((2, 2), (1, 1), Padding.Same), (max.PoolSize, max.Strides, max.Padding));
        Assert.Equal(((1, 2), (1, 2)), (((AveragePooling2D)loaded.Layers[5]).PoolSize, ((AveragePooling2D)loaded.Layers[5]).Strides));
        Assert.True(((GlobalMaxPooling2D)loaded.Layers[6]).KeepDims);
        var bn = (BatchNormalization)loaded.Layers[2];
        Assert.Equal((0.9f, 1e-3f, false, true), (bn.Momentum, bn.Epsilon, bn.Center, bn.Scale));
        Assert.Equal(((BatchNormalization)model.Layers[2]).MovingVariance.Value.ToArray(), bn.MovingVariance.Value.ToArray());
        Assert.False(bn.MovingMean.Trainable);

        // Training resumes from the same weights and optimizer state: one more epoch each, same bits.
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, shuffle: false);
        loaded.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, shuffle: false);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }
}
