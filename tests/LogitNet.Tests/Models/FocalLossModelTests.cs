using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// The focal cross-entropies are cross-entropies to the model as the plain ones are: a sigmoid or softmax head with a
/// probability loss trains on the fused logits, PredictProba works, "accuracy" reads logits as logits, and the loss
/// survives Save/Load and a .keras file. (Before session 15 the model treated them as regression losses: PredictProba
/// refused them, Save refused them, and a from-logits focal loss's accuracy thresholded the logits at 0.5.)
/// </summary>
public sealed class FocalLossModelTests
{
    private static (Tensor X, Tensor Binary, Tensor OneHot) Data()
    {
        (Tensor x, Tensor labels) = SequentialTests.Blobs(30);
        float[] classes = labels.ToArray();
        float[] binary = classes.Select(c => c >= 2 ? 1f : 0f).ToArray();
        float[] oneHot = new float[classes.Length * 4];
        for (int i = 0; i < classes.Length; i++)
        {
            oneHot[i * 4 + (int)classes[i]] = 1;
        }

        return (x, Tensor.FromArray(binary, binary.Length, 1), Tensor.FromArray(oneHot, classes.Length, 4));
    }

    private static Sequential Model(int outputs, Activation head, TextWriter log) =>
        new(new Dense(16, Activation.Relu), new Dense(outputs, head)) { Seed = 4, Log = log };

    [Fact]
    public void SigmoidHead_WithBinaryFocal_TrainsOnTheFusedLogits_AndPredictsProbabilities()
    {
        (Tensor x, Tensor y, _) = Data();
        var log = new StringWriter();
        Sequential fused = Model(1, Activation.Sigmoid, log);
        fused.Compile(new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4f, gamma: 1.5f, labelSmoothing: 0.1f), new Adam(0.02f));
        Assert.Contains("folds it into BinaryFocalCrossentropy", log.ToString());

        Sequential logits = Model(1, Activation.Linear, TextWriter.Null);
        logits.Compile(new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4f, gamma: 1.5f, fromLogits: true, labelSmoothing: 0.1f), new Adam(0.02f));

        fused.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        logits.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        Assert.Equal(logits.Parameters.Select(p => p.Value.ToArray()), fused.Parameters.Select(p => p.Value.ToArray()));
        float[] probabilities = Ops.Sigmoid(logits.Predict(x)).ToArray();
        Assert.Equal(probabilities, logits.PredictProba(x).ToArray());
        Assert.Equal(probabilities, fused.PredictProba(x).ToArray());
        Assert.Equal(probabilities, fused.Predict(x).ToArray());
    }

    [Fact]
    public void SoftmaxHead_WithCategoricalFocal_TrainsOnTheFusedLogits_AndPredictsProbabilities()
    {
        (Tensor x, _, Tensor y) = Data();
        var log = new StringWriter();
        Sequential fused = Model(4, Activation.Softmax, log);
        fused.Compile(new CategoricalFocalCrossentropy(alpha: 0.5f, gamma: 3f), new SGD(0.1f));
        Assert.Contains("folds it into CategoricalFocalCrossentropy", log.ToString());

        Sequential logits = Model(4, Activation.Linear, TextWriter.Null);
        logits.Compile(new CategoricalFocalCrossentropy(alpha: 0.5f, gamma: 3f, fromLogits: true), new SGD(0.1f));

        fused.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        logits.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        Assert.Equal(logits.Parameters.Select(p => p.Value.ToArray()), fused.Parameters.Select(p => p.Value.ToArray()));
        float[] probabilities = Ops.Softmax(logits.Predict(x)).ToArray();
        Assert.Equal(probabilities, logits.PredictProba(x).ToArray());
        Assert.Equal(probabilities, fused.PredictProba(x).ToArray());
    }

    [Fact]
    public void SigmoidHead_WithFromLogitsFocal_IsWarnedAsDoubleSquashing()
    {
        var log = new StringWriter();
        Sequential model = Model(1, Activation.Sigmoid, log);
        model.Compile(new BinaryFocalCrossentropy(fromLogits: true), new Adam());
        Assert.Contains("applies a sigmoid and BinaryFocalCrossentropy(fromLogits: true) applies it again", log.ToString());
    }

    [Fact]
    public void FromLogitsFocal_Accuracy_ThresholdsTheLogitsAtZero()
    {
        // One Dense unit that passes its input through: the logits are the inputs.
        var model = new Sequential(new Dense(1)) { Log = TextWriter.Null };
        model.Build(1);
        model.Layers.OfType<Dense>().Single().Kernel.Value.AsSpan()[0] = 1f;
        model.Layers.OfType<Dense>().Single().Bias!.Value.AsSpan()[0] = 0f;
        model.Compile(new BinaryFocalCrossentropy(fromLogits: true), new SGD(), [new LogitNet.Metrics.Accuracy()]);
        Tensor x = Tensor.FromArray([0.3f, -0.3f, 0.2f, -0.1f, 2f, -2f], 6, 1);
        Tensor y = Tensor.FromArray([1f, 0f, 1f, 0f, 1f, 0f], 6, 1);

        // Logits 0.3 and 0.2 are probabilities 0.57 and 0.55: right for label 1. Read as probabilities they are below 0.5.
        Assert.Equal(1f, model.Evaluate(x, y)["accuracy"]);
    }

    [Fact]
    public void FocalLosses_SurviveSaveAndLoad_InLogitNetsFormat_AndInAKerasFile()
    {
        (Tensor x, Tensor y, Tensor oneHot) = Data();
        string directory = Path.Combine(Path.GetTempPath(), $"logitnet-focal-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            foreach (string extension in new[] { ".logitnet", ".keras" })
            {
                Sequential binary = Model(1, Activation.Linear, TextWriter.Null);
                binary.Compile(new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4f, gamma: 1.5f, fromLogits: true, labelSmoothing: 0.1f, Reduction.Sum), new Adam(0.01f));
                binary.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
                string binaryPath = Path.Combine(directory, "binary" + extension);
                binary.Save(binaryPath);
                Sequential loadedBinary = Sequential.Load(binaryPath);
                var b = Assert.IsType<BinaryFocalCrossentropy>(loadedBinary.Loss);
                Assert.Equal((true, 0.4f, 1.5f, true, 0.1f, Reduction.Sum), (b.ApplyClassBalancing, b.Alpha, b.Gamma, b.FromLogits, b.LabelSmoothing, b.Reduction));
                Assert.Equal(binary.Evaluate(x, y)["loss"], loadedBinary.Evaluate(x, y)["loss"]);
                Assert.Equal(binary.PredictProba(x).ToArray(), loadedBinary.PredictProba(x).ToArray());

                Sequential categorical = Model(4, Activation.Softmax, TextWriter.Null);
                categorical.Compile(new CategoricalFocalCrossentropy(alpha: 0.3f, gamma: 2.5f, labelSmoothing: 0.05f), new SGD(0.05f));
                categorical.Fit(x, oneHot, epochs: 1, batchSize: 8, verbose: 0);
                string categoricalPath = Path.Combine(directory, "categorical" + extension);
                categorical.Save(categoricalPath);
                Sequential loadedCategorical = Sequential.Load(categoricalPath);
                var c = Assert.IsType<CategoricalFocalCrossentropy>(loadedCategorical.Loss);
                Assert.Equal((0.3f, 2.5f, false, 0.05f), (c.Alpha, c.Gamma, c.FromLogits, c.LabelSmoothing));
                Assert.Equal(categorical.Evaluate(x, oneHot)["loss"], loadedCategorical.Evaluate(x, oneHot)["loss"]);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void MeanAbsoluteErrorAndHuber_SurviveAKerasFile()
    {
        (Tensor x, _, _) = Data();
        Tensor targets = Tensor.FromArray(Enumerable.Range(0, x.Shape[0] * 2).Select(i => (float)Math.Sin(i)).ToArray(), x.Shape[0], 2);
        string directory = Path.Combine(Path.GetTempPath(), $"logitnet-regression-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            foreach (Loss loss in new Loss[] { new MeanAbsoluteError(), new Huber(0.7f, Reduction.Sum) })
            {
                Sequential model = Model(2, Activation.Linear, TextWriter.Null);
                model.Compile(loss, new Adam(0.01f));
                model.Fit(x, targets, epochs: 1, batchSize: 8, verbose: 0);
                string path = Path.Combine(directory, loss.GetType().Name + ".keras");
                model.Save(path);
                Sequential loaded = Sequential.Load(path);
                Assert.IsType(loss.GetType(), loaded.Loss);
                Assert.Equal(loss.Reduction, loaded.Loss!.Reduction);
                if (loss is Huber huber)
                {
                    Assert.Equal(huber.Delta, ((Huber)loaded.Loss).Delta);
                }

                Assert.Equal(model.Evaluate(x, targets)["loss"], loaded.Evaluate(x, targets)["loss"]);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ALossSettingTheConstructorRefuses_InALogitNetFile_IsAFormatErrorNamingIt()
    {
        (Tensor x, Tensor y, _) = Data();
        string path = Path.Combine(Path.GetTempPath(), $"logitnet-focal-{Guid.NewGuid():N}.logitnet");
        try
        {
            Sequential model = Model(1, Activation.Linear, TextWriter.Null);
            model.Compile(new BinaryFocalCrossentropy(alpha: 0.4f, fromLogits: true), new Adam(0.01f));
            model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
            model.Save(path);
            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            {
                System.IO.Compression.ZipArchiveEntry entry = zip.GetEntry("config.json")!;
                string text;
                using (var reader = new StreamReader(entry.Open()))
                {
                    text = reader.ReadToEnd();
                }

                Assert.Contains("\"alpha\": 0.4", text);
                entry.Delete();
                using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
                writer.Write(text.Replace("\"alpha\": 0.4", "\"alpha\": 1.5"));
            }

            var error = Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(path));
            Assert.Contains("Invalid BinaryFocalCrossentropy setting", error.Message);
            Assert.Contains("alpha", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ClassWeight_WithBinaryFocalSoftLabels_WeighsEachSampleByItsRoundedClass()
    {
        // Soft labels 0.2 and 0.8: the class of each is its label rounded, as for binary cross-entropy (Keras rounds).
        (Tensor x, Tensor binary, _) = Data();
        float[] soft = binary.ToArray().Select(v => v == 1 ? 0.8f : 0.2f).ToArray();
        Tensor y = Tensor.FromArray(soft, soft.Length, 1);
        Tensor asSampleWeights = Tensor.FromArray(soft.Select(v => v >= 0.5f ? 5f : 1f).ToArray(), soft.Length);

        Sequential byClass = Model(1, Activation.Linear, TextWriter.Null);
        byClass.Compile(new BinaryFocalCrossentropy(fromLogits: true), new Adam(0.02f));
        byClass.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, classWeight: new Dictionary<int, float> { [1] = 5f });
        Sequential bySample = Model(1, Activation.Linear, TextWriter.Null);
        bySample.Compile(new BinaryFocalCrossentropy(fromLogits: true), new Adam(0.02f));
        bySample.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, sampleWeight: asSampleWeights);

        Assert.Equal(bySample.Parameters.Select(p => p.Value.ToArray()), byClass.Parameters.Select(p => p.Value.ToArray()));
    }
}
