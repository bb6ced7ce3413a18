using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// One model shared by many threads, as a server's singleton is: every call must give exactly the bits
/// it gives alone. (Before execution state moved out of the layers, concurrent passes wrote into the
/// same layer buffers and 63% of such calls returned other numbers.)
/// </summary>
public class SharedModelTests
{
    private const int Threads = 8;
    private const int Rounds = 30;

    [Fact]
    public void PredictPredictProbaAndEvaluate_FromEightThreads_GiveTheBitsOfCallsMadeAlone()
    {
        (Sequential model, Tensor x, Tensor y) = TrainedModel(withDropout: true);
        Tensor[] inputs = [x.Slice(0, 1), x.Slice(5, 1), x.Slice(0, 64), x.Slice(3, 190), x];
        float[][] predictAlone = inputs.Select(input => model.Predict(input).ToArray()).ToArray();
        float[][] probaAlone = inputs.Select(input => model.PredictProba(input).ToArray()).ToArray();
        IReadOnlyDictionary<string, float> evaluateAlone = model.Evaluate(x, y, batchSize: 50);

        int mismatches = 0;
        using var start = new Barrier(Threads);
        Thread[] workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            float[] spanOutput = new float[10];
            for (int round = 0; round < Rounds; round++)
            {
                int i = (t + round) % inputs.Length;
                if (!model.Predict(inputs[i]).ToArray().AsSpan().SequenceEqual(predictAlone[i]))
                {
                    Interlocked.Increment(ref mismatches);
                }

                if (!model.PredictProba(inputs[i]).ToArray().AsSpan().SequenceEqual(probaAlone[i]))
                {
                    Interlocked.Increment(ref mismatches);
                }

                model.Predict(inputs[1].AsSpan(), spanOutput);
                if (!spanOutput.AsSpan().SequenceEqual(predictAlone[1]))
                {
                    Interlocked.Increment(ref mismatches);
                }

                if (round % 10 == t % 10)
                {
                    IReadOnlyDictionary<string, float> evaluated = model.Evaluate(x, y, batchSize: 50);
                    if (!evaluated.OrderBy(p => p.Key).SequenceEqual(evaluateAlone.OrderBy(p => p.Key)))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        Assert.All(workers, worker => Assert.True(worker.Join(TimeSpan.FromMinutes(3)), "the shared-model calls did not finish in three minutes"));
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Predict_DoesNotDependOnTheBatchOrThePassSize()
    {
        (Sequential model, Tensor x, _) = TrainedModel(withDropout: false);
        float[] whole = model.Predict(x).ToArray();
        Assert.Equal(whole, model.Predict(x, batchSize: 7).ToArray());
        Assert.Equal(whole, model.Predict(x, batchSize: 1).ToArray());
        float[] rowByRow = Enumerable.Range(0, x.Shape[0]).SelectMany(i => model.Predict(x.Slice(i, 1)).ToArray()).ToArray();
        Assert.Equal(whole, rowByRow);

        var destination = Tensor.Zeros(x.Shape[0], 10);
        model.Predict(x, destination);
        Assert.Equal(whole, destination.ToArray());
        float[] flat = new float[x.Shape[0] * 10];
        Assert.Equal(x.Shape[0], model.Predict(x.AsSpan(), flat));
        Assert.Equal(whole, flat);

        float[] probabilities = model.PredictProba(x).ToArray();
        Assert.Equal(Ops.Softmax(Tensor.FromArray(whole, x.Shape[0], 10)).ToArray(), probabilities);
        float[] flatProbabilities = new float[flat.Length];
        model.PredictProba(x.AsSpan(), flatProbabilities);
        Assert.Equal(probabilities, flatProbabilities);
    }

    [Fact]
    public void Predict_IntoTheCallersSpan_WhenWarm_AllocatesNothing()
    {
        (Sequential model, Tensor x, _) = TrainedModel(withDropout: true);

        // 4 rows take the softmax's four-row path; 12 the eight-row one too where 512-bit vectors run.
        foreach (int rows in new[] { 4, 12 })
        {
            float[] features = x.Slice(0, rows).ToArray();
            float[] output = new float[rows * 10];
            model.Predict(features, output);
            model.PredictProba(features, output);
            Assert.Equal(0, SteadyState.AllocatedBytes(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    model.Predict(features, output);
                    model.PredictProba(features, output);
                }
            }));
        }
    }

    [Fact]
    public void Predict_WithWrongLengths_NamesTheProblem()
    {
        (Sequential model, Tensor x, _) = TrainedModel(withDropout: false);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(new float[13], new float[10]));
        Assert.Contains("whole samples of 12 features", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Predict(new float[24], new float[10]));
        Assert.Contains("20 values", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Predict(x, Tensor.Zeros(x.Shape[0], 9)));
        Assert.Contains("destination", error.ParamName);
    }

    [Fact]
    public void Predict_FromAnotherThreadDuringOnTrainEnd_IsRefused()
    {
        // OnTrainEnd may write the weights (EarlyStopping's restoreBestWeights); it ran after Fit had left training, so a
        // Predict on another thread was let in and could read them half written.
        (Sequential model, Tensor x, Tensor y) = TrainedModel(withDropout: false);
        Exception? seen = null;
        var atEnd = new LogitNet.Callbacks.LambdaCallback(onTrainEnd: _ =>
        {
            var other = new Thread(() =>
            {
                try
                {
                    model.Predict(x.Slice(0, 1));
                }
                catch (Exception e)
                {
                    seen = e;
                }
            });
            other.Start();
            other.Join();
        });
        model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0, callbacks: [atEnd]);
        Assert.Contains("while Fit is training this model on another thread", Assert.IsType<InvalidOperationException>(seen).Message);
        model.Predict(x.Slice(0, 1));   // and after Fit returns, it runs
    }

    [Fact]
    public void Predict_FromAnotherThreadWhileFitRuns_IsRefusedOrExact()
    {
        (Sequential model, Tensor x, Tensor y) = TrainedModel(withDropout: false);
        using var training = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        var pause = new LambdaOnEpoch(() =>
        {
            training.Set();
            resume.Wait(TimeSpan.FromSeconds(30));
        });
        var fit = new Thread(() => model.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0, callbacks: [pause]));
        fit.Start();
        Assert.True(training.Wait(TimeSpan.FromSeconds(30)));
        var error = Assert.Throws<InvalidOperationException>(() => model.Predict(x.Slice(0, 1)));
        Assert.Contains("while Fit is training this model on another thread", error.Message);
        Assert.Throws<InvalidOperationException>(() => model.Evaluate(x, y));
        Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 1, verbose: 0));
        resume.Set();
        Assert.True(fit.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, model.Predict(x.Slice(0, 1)).Shape[0]);
    }

    [Fact]
    public void Predict_OfAModelSharingALayerWithOneInTraining_IsRefused()
    {
        // A layer reused in a second model (a new head on a trained base, as in Keras): training the second model writes
        // the layer's weights and moving statistics, so the first model's Predict on another thread must be refused too.
        // The version that refuses it was the model's own, so the first model's calls ran and read half-written weights.
        (_, Tensor x, Tensor y) = Data();
        var features = new Dense(16, Activation.Relu);
        var statistics = new BatchNormalization();
        var serving = new Sequential(features, statistics, new Dense(10)) { Seed = 1, Log = TextWriter.Null };
        serving.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        serving.Fit(x, y, epochs: 1, verbose: 0);
        var tuned = new Sequential(features, statistics, new Dense(10)) { Seed = 2, Log = TextWriter.Null };
        tuned.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));

        Exception? predicted = null, evaluated = null, trained = null;
        var collide = new LambdaCallback(onBatchEnd: progress =>
        {
            if (progress.Batch != 0 || predicted is not null)
            {
                return;
            }

            var other = new Thread(() =>
            {
                predicted = Record(() => serving.Predict(x.Slice(0, 3)));
                evaluated = Record(() => serving.Evaluate(x, y));
                trained = Record(() => serving.Fit(x, y, epochs: 1, verbose: 0));
            });
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(60)));
        });
        tuned.Fit(x, y, epochs: 1, batchSize: 50, verbose: 0, callbacks: [collide]);
        Assert.Contains("while Fit is training this model on another thread", Assert.IsType<InvalidOperationException>(predicted).Message);
        Assert.IsType<InvalidOperationException>(evaluated);
        Assert.Contains("already running", Assert.IsType<InvalidOperationException>(trained).Message);

        // Once the other model's Fit has returned, both run again, and a refused Fit left nothing locked.
        Assert.Equal(3, serving.Predict(x.Slice(0, 3)).Shape[0]);
        serving.Fit(x, y, epochs: 1, verbose: 0);
        tuned.Fit(x, y, epochs: 1, verbose: 0);

        static Exception? Record(Action action)
        {
            try
            {
                action();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    [Fact]
    public void SaveAndExport_FromAnotherThreadWhileFitRuns_AreRefusedAndWriteNothing()
    {
        // The refusal tells the caller to predict on a copy, "Save and Load it"; a Save taken while the weights and the
        // optimizer's moments move wrote a file mixing two steps, which Load then trained on as if it were one.
        (Sequential model, Tensor x, Tensor y) = TrainedModel(withDropout: false);
        string directory = Directory.CreateTempSubdirectory("logitnet-save-during-fit").FullName;
        try
        {
            using var training = new ManualResetEventSlim();
            using var resume = new ManualResetEventSlim();
            var pause = new LambdaCallback(onBatchEnd: progress =>
            {
                if (progress.Batch == 0)
                {
                    model.Save(Path.Combine(directory, "from-the-training-thread.logitnet"));   // a checkpoint: allowed
                    training.Set();
                    resume.Wait(TimeSpan.FromSeconds(30));
                }
            });
            Exception? fitError = null;
            var fit = new Thread(() =>
            {
                try
                {
                    model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0, callbacks: [pause]);
                }
                catch (Exception e)
                {
                    fitError = e;
                    training.Set();
                }
            });
            fit.Start();
            Assert.True(training.Wait(TimeSpan.FromSeconds(30)));
            Assert.Null(fitError);
            foreach (string name in new[] { "copy.logitnet", "copy.keras", "copy.onnx" })
            {
                string path = Path.Combine(directory, name);
                var error = Assert.Throws<InvalidOperationException>(() =>
                {
                    if (name.EndsWith(".onnx"))
                    {
                        model.ExportOnnx(path);
                    }
                    else
                    {
                        model.Save(path);
                    }
                });
                Assert.Contains("while Fit is training this model on another thread", error.Message);
                Assert.False(File.Exists(path), $"{name} was written");
            }

            resume.Set();
            Assert.True(fit.Join(TimeSpan.FromSeconds(60)));
            Assert.True(File.Exists(Path.Combine(directory, "from-the-training-thread.logitnet")));
            model.Save(Path.Combine(directory, "after.logitnet"));
            Assert.Equal(model.Predict(x).ToArray(), Sequential.Load(Path.Combine(directory, "after.logitnet")).Predict(x).ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Adapt_FromAnotherThreadWhileFitRuns_IsRefusedAndChangesNothing()
    {
        // Adapt writes a Normalization's mean and then its variance: during a Fit on another thread the training passes read
        // them half replaced (and so could an inference call, with no refusal at all). It now goes through the layer's
        // training gate, so it is refused during Fit, and an inference call that overlaps it is refused.
        (_, Tensor x, Tensor y) = Data();
        var normalization = new Normalization();
        normalization.Adapt(x);
        var model = new Sequential(normalization, new Dense(10)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        float[] mean = normalization.Mean.Value.ToArray();
        Exception? adapted = null;
        var collide = new LambdaCallback(onBatchEnd: progress =>
        {
            if (progress.Batch == 0)
            {
                var other = new Thread(() =>
                {
                    try
                    {
                        normalization.Adapt(Ops.Multiply(x, Tensor.Scalar(3f)));
                    }
                    catch (Exception e)
                    {
                        adapted = e;
                    }
                });
                other.Start();
                Assert.True(other.Join(TimeSpan.FromSeconds(30)));
            }
        });
        model.Fit(x, y, epochs: 1, batchSize: 50, verbose: 0, callbacks: [collide]);
        Assert.Contains("while Fit is training", Assert.IsType<InvalidOperationException>(adapted).Message);
        Assert.Equal(mean, normalization.Mean.Value.ToArray());
        normalization.Adapt(Ops.Multiply(x, Tensor.Scalar(3f)));   // after Fit, it runs
        Assert.NotEqual(mean, normalization.Mean.Value.ToArray());
    }

    [Fact]
    public void Fit_RefusedOnAnotherThread_ChangesNothingOfTheRunningFit()
    {
        // A second Fit reset StopTraining (and ran its callbacks' OnTrainBegin) before it was refused, so an EarlyStopping
        // or TerminateOnNaN request of the running Fit was lost and it trained on.
        (Sequential model, Tensor x, Tensor y) = TrainedModel(withDropout: false);
        Exception? refused = null;
        bool otherBegan = false;
        var stopAndCollide = new LambdaCallback(onEpochEnd: (epoch, _) =>
        {
            model.StopTraining = true;
            var other = new Thread(() =>
            {
                try
                {
                    model.Fit(x, y, epochs: 1, verbose: 0, callbacks: [new LambdaCallback(onTrainBegin: (_, _) => otherBegan = true)]);
                }
                catch (Exception e)
                {
                    refused = e;
                }
            });
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(30)));
        });
        History history = model.Fit(x, y, epochs: 4, batchSize: 50, verbose: 0, callbacks: [stopAndCollide]);
        Assert.Contains("Fit is already running", Assert.IsType<InvalidOperationException>(refused).Message);
        Assert.False(otherBegan, "the refused Fit ran its callbacks");
        Assert.Equal(1, history.Epochs);
    }

    [Fact]
    public void Fit_WithACallbackThatPredictsAndEvaluates_TrainsTheSameWeights()
    {
        // A softmax output with a probability loss trains on its logits; calling Predict or Evaluate
        // from a callback used to switch that off for the rest of the run (the softmax applied twice).
        float[][] without = Train(callback: null);
        float[][] with = Train(model => new LambdaOnEpoch(() =>
        {
            model.Predict(Tensor.Ones(3, 12));
            model.Evaluate(Tensor.Ones(3, 12), Tensor.FromArray([0f, 1f, 2f], 3));
        }));
        for (int p = 0; p < without.Length; p++)
        {
            Assert.Equal(without[p], with[p]);
        }

        static float[][] Train(Func<Sequential, Callback>? callback)
        {
            (_, Tensor x, Tensor y) = Data();
            var model = new Sequential(new Dense(16, Activation.Relu), new Dense(10, Activation.Softmax)) { Seed = 4, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
            model.Fit(x, y, epochs: 4, batchSize: 16, verbose: 0, callbacks: callback is null ? null : [callback(model)]);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
    }

    private static (Sequential Model, Tensor X, Tensor Y) Data()
    {
        var random = new Random(11);
        const int samples = 200;
        Tensor x = Tensor.FromArray(Enumerable.Range(0, samples * 12).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(), samples, 12);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, samples).Select(i => (float)(i % 10)).ToArray(), samples);
        return (null!, x, y);
    }

    private static (Sequential Model, Tensor X, Tensor Y) TrainedModel(bool withDropout)
    {
        (_, Tensor x, Tensor y) = Data();
        Layer[] layers = withDropout
            ? [new Dense(32, Activation.Tanh), new Dropout(0.3f), new Dense(24, Activation.Relu), new Dense(10)]
            : [new Dense(32, Activation.Tanh), new Dense(10)];
        var model = new Sequential(layers) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f), [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy]);
        model.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0);
        return (model, x, y);
    }

    private sealed class LambdaOnEpoch(Action action) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => action();
    }
}
