using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Callbacks;

/// <summary>The monitoring callbacks refuse bad arguments when made, naming them and the value received.</summary>
public sealed class CallbackArgumentTests
{
    [Fact]
    public void AnUndefinedMonitorMode_IsRefused_NotTakenAsAuto()
    {
        var mode = (MonitorMode)7;
        foreach (Func<Callback> make in new Func<Callback>[]
        {
            () => new EarlyStopping(mode: mode),
            () => new ReduceLROnPlateau(mode: mode),
            () => new ModelCheckpoint("best.logitnet", mode: mode),
        })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(make);
            Assert.Equal("mode", error.ParamName);
            Assert.Equal(mode, error.ActualValue);
        }
    }

    [Theory]
    [InlineData(-1f, 0f, "minDelta", -1f)]
    [InlineData(0f, float.NaN, "minLearningRate", float.NaN)]
    public void ReduceLROnPlateau_NegativeOrNaNFloors_AreRefusedWithTheirValue(float minDelta, float minLearningRate, string name, float value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(minDelta: minDelta, minLearningRate: minLearningRate));
        Assert.Equal(name, error.ParamName);
        Assert.Equal(value, error.ActualValue);
    }

    [Fact]
    public void AMissingMonitoredQuantity_WarnsOncePerFit_AndTheEpochsPassUnwatched_AsKeras()
    {
        // It threw after the first epoch, ending the Fit (History lost); Keras warns and trains on, and its
        // ModelCheckpoint(save_best_only) saves every epoch.
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        var model = new Sequential(new Dense(4)) { Seed = 1 };
        var log = new StringWriter();
        model.Log = log;
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        string folder = Path.Combine(Path.GetTempPath(), $"logitnet-ckpt-{Guid.NewGuid():N}", "nested");
        try
        {
            var checkpoint = new ModelCheckpoint(Path.Combine(folder, "m{epoch}.logitnet"), saveBestOnly: true);
            History history = model.Fit(x, y, epochs: 3, verbose: 0, callbacks:
                [new EarlyStopping(patience: 0), new ReduceLROnPlateau(patience: 0), checkpoint]);
            Assert.Equal(3, history.Epochs);
            Assert.Equal([0, 1, 2], checkpoint.SavedEpochs);
            // Keras makes the folder a checkpoint names.
            Assert.True(File.Exists(Path.Combine(folder, "m3.logitnet")));
            string text = log.ToString();
            foreach (string callback in new[] { "EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint" })
            {
                Assert.Equal(1, text.Split(callback + " monitors 'val_loss', which this epoch's logs do not hold").Length - 1);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void ReduceLROnPlateau_IsSilentByDefault_AsKeras_AndSpeaksWithVerbose1()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        foreach (int verbose in new[] { 0, 1 })
        {
            var model = new Sequential(new Dense(4)) { Seed = 1 };
            var log = new StringWriter();
            model.Log = log;
            // A tiny rate moves the loss by far less than minDelta: a reduction after the second epoch.
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(1e-9f));
            model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new ReduceLROnPlateau("loss", patience: 1, verbose: verbose)]);
            Assert.Equal(verbose == 1, log.ToString().Contains("learning rate reduced", StringComparison.Ordinal));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(verbose: 2));
    }

    [Fact]
    public void ADivergedFit_StillEndsItsCallbacks_SoEarlyStoppingRestoresTheBestWeights()
    {
        // The exception skipped OnTrainEnd: the model kept its NaN weights and a CsvLogger's file stayed open.
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        var model = new Sequential(new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.01f));
        float[]? afterFirstEpoch = null;
        var error = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 5, batchSize: 2, verbose: 0, callbacks:
        [
            new EarlyStopping("loss", patience: 10, restoreBestWeights: true),
            new LearningRateScheduler((epoch, rate) => epoch == 0 ? 0.01f : 3e38f),
            new LambdaCallback(onEpochEnd: (epoch, _) => afterFirstEpoch ??= model.Parameters[0].Value.ToArray()),
        ]));
        Assert.Equal(1, error.History.Epochs);
        Assert.Equal(afterFirstEpoch, model.Parameters[0].Value.ToArray());
    }
}
