using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Regularizers;

namespace LogitNet.Tests.Regularizers;

/// <summary>
/// A built-in layer's regularizer has one source of truth: the constructor's until the weights exist, then the
/// parameter's own <see cref="Parameter.Regularizer"/>. So a penalty set on the parameter after building is the one
/// training applies, the layer reports, and both file formats save; before, Save wrote the constructor's.
/// </summary>
public sealed class LayerRegularizerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-regularizer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Sequential Model() => new(
        new Input(6, 5, 2),
        new Conv2D(3, 2, name: "conv", kernelRegularizer: LogitNet.Regularizers.Regularizers.L2(0.1f)),
        new DepthwiseConv2D(2, name: "depthwise", biasRegularizer: LogitNet.Regularizers.Regularizers.L1(0.2f)),
        new Flatten(),
        new Dense(2, name: "dense", kernelRegularizer: LogitNet.Regularizers.Regularizers.L2(0.3f), useBias: false,
            biasRegularizer: LogitNet.Regularizers.Regularizers.L1(0.4f))) { Seed = 3, Log = TextWriter.Null };

    [Fact]
    public void BeforeBuilding_TheLayerReportsTheConstructorsPenalty_AndBuildingGivesItToTheParameter()
    {
        var dense = new Dense(2, kernelRegularizer: LogitNet.Regularizers.Regularizers.L2(0.3f));
        L1L2 given = Assert.IsType<L1L2>(dense.KernelRegularizer);
        dense.Build(4);
        Assert.Same(given, dense.Kernel.Regularizer);
        Assert.Same(given, dense.KernelRegularizer);
        Assert.Null(dense.Bias!.Regularizer);
        Assert.Null(dense.BiasRegularizer);
    }

    [Fact]
    public void APenaltySetOnTheParameter_IsTheLayers_AndIsWhatBothFormatsSave()
    {
        Sequential model = Model();
        var conv = (Conv2D)model.GetLayer("conv");
        var depthwise = (DepthwiseConv2D)model.GetLayer("depthwise");
        var dense = (Dense)model.GetLayer("dense");
        L1L2 replaced = LogitNet.Regularizers.Regularizers.L1L2(0.05f, 0.06f);
        conv.Kernel.Regularizer = replaced;
        depthwise.Bias!.Regularizer = null;
        depthwise.Kernel.Regularizer = LogitNet.Regularizers.Regularizers.L1(0.07f);
        dense.Kernel.Regularizer = null;

        Assert.Same(replaced, conv.KernelRegularizer);
        Assert.Null(depthwise.BiasRegularizer);
        Assert.Equal(0.07f, Assert.IsType<L1L2>(depthwise.DepthwiseRegularizer).L1);
        Assert.Null(dense.KernelRegularizer);
        // Without a bias there is no parameter to hold the bias penalty: the constructor's stays (and is saved, as before).
        Assert.Equal(0.4f, Assert.IsType<L1L2>(dense.BiasRegularizer).L1);

        foreach (string file in new[] { "model.logitnet", "model.keras" })
        {
            string path = Path.Combine(_directory, file);
            model.Save(path);
            Sequential loaded = Sequential.Load(path);
            var loadedConv = (Conv2D)loaded.GetLayer("conv");
            var loadedDepthwise = (DepthwiseConv2D)loaded.GetLayer("depthwise");
            var loadedDense = (Dense)loaded.GetLayer("dense");
            Assert.Equal((0.05f, 0.06f), (Assert.IsType<L1L2>(loadedConv.Kernel.Regularizer).L1, ((L1L2)loadedConv.Kernel.Regularizer!).L2));
            Assert.Null(loadedDepthwise.Bias!.Regularizer);
            Assert.Equal(0.07f, Assert.IsType<L1L2>(loadedDepthwise.Kernel.Regularizer).L1);
            Assert.Null(loadedDense.Kernel.Regularizer);
            Assert.Null(loadedDense.Bias);
        }
    }

    [Fact]
    public void TheLoadedModel_ReportsTheSameRegularizedLoss()
    {
        Sequential model = Model();
        ((Dense)model.GetLayer("dense")).Kernel.Regularizer = LogitNet.Regularizers.Regularizers.L2(2f);
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        Tensor x = Tensor.RandomNormal([4, 6, 5, 2], 0f, 1f, seed: 5);
        Tensor y = Tensor.FromArray([0f, 1f, 1f, 0f], 4);
        string path = Path.Combine(_directory, "trained.logitnet");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"]);
    }
}
