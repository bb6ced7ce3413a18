using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Tests.Serialization;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static float[] RunInOnnxRuntime(string model, Tensor x) => RunWithMetadata(model, x).Output;

    /// <summary>
    /// The model's output in ONNX Runtime (the .NET package, in this process), and its metadata_props
    /// as ONNX Runtime reads them from the file.
    /// </summary>
    private static (float[] Output, Dictionary<string, string> Metadata) RunWithMetadata(string model, Tensor x)
    {
        using var session = new InferenceSession(model);
        Assert.Equal(["input"], session.InputNames);
        Assert.Equal(["output"], session.OutputNames);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), x.Shape.Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(options, ["input"], [input], ["output"]);
        OrtValue output = Assert.Single(outputs);
        Assert.Equal([x.Shape[0], OutputWidth(session)], output.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray());
        float[] data = output.GetTensorDataAsSpan<float>().ToArray();
        return (data, new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap));
    }

    private static int OutputWidth(InferenceSession session) => session.OutputMetadata["output"].Dimensions[^1];

    [Theory]
    [InlineData(Activation.Relu, Activation.Linear)]
    [InlineData(Activation.Gelu, Activation.Softmax)]
    [InlineData(Activation.Tanh, Activation.Sigmoid)]
    [InlineData(Activation.LeakyRelu, Activation.Elu)]
    public void ExportedModel_RunsInOnnxRuntime_WithLogitNetsOutputs(Activation hidden, Activation output)
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(8, spread: 2f);
        var model = new Sequential(new Input(2), new Dense(12, hidden), new Dropout(0.3f), new Dense(7, hidden, useBias: false),
            new Dense(4, output)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), new Adam(0.01f));
        model.Fit(x, Tensor.RandomNormal([x.Shape[0], 4], 0f, 1f, seed: 2), epochs: 2, verbose: 0);
        string path = Path.Combine(_directory, "model.onnx");
        model.ExportOnnx(path);

        float[] expected = model.Predict(x).ToArray();
        float[] actual = RunInOnnxRuntime(path, x);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{hidden}/{output}, value {i}: LogitNet {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }

    [Fact]
    public void ExportedClassifier_WithActivationLayer_GivesTheSameProbabilities()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(6);
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(4), new ActivationLayer(Activation.Softmax)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
        model.Fit(x, y, epochs: 3, verbose: 0);
        string path = Path.Combine(_directory, "classifier.onnx");
        model.ExportOnnx(path);
        float[] expected = model.Predict(x).ToArray();
        float[] actual = RunInOnnxRuntime(path, x);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void ExportedClassifier_WithClassNames_CarriesThemAsMetadataOnnxRuntimeLoads()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(6);
        // A comma, a quote, a backslash and non-ASCII letters: the JSON must escape or keep each faithfully.
        string[] names = ["west", "south, by \"sea\"", "nörth\\1", "东"];
        var model = new Sequential(new Dense(8, Activation.Relu), new Dense(4)) { Log = TextWriter.Null, ClassNames = names };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, verbose: 0);
        string path = Path.Combine(_directory, "named.onnx");
        model.ExportOnnx(path);

        (float[] output, Dictionary<string, string> metadata) = RunWithMetadata(path, x);

        Assert.Equal(["class_names"], metadata.Keys);
        Assert.Equal(names, JsonSerializer.Deserialize<string[]>(metadata["class_names"]));
        Assert.Contains("nörth", metadata["class_names"]);   // kept as letters, not \u escapes, for people reading it
        float[] expected = model.Predict(x).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], output[i], 1e-5f);
        }
    }

    [Fact]
    public void ExportedModel_WithoutClassNames_HasNoMetadata()
    {
        var model = new Sequential(new Input(2), new Dense(3)) { Log = TextWriter.Null };
        string path = Path.Combine(_directory, "unnamed.onnx");
        model.ExportOnnx(path);

        (_, Dictionary<string, string> metadata) = RunWithMetadata(path, Tensor.FromArray([1f, 2f], 1, 2));

        Assert.Empty(metadata);
    }

    [Fact]
    public void Export_UnbuiltOrUnsupported_SaysWhy()
    {
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(2)).ExportOnnx(Path.Combine(_directory, "x.onnx")));
        var image = new Sequential(new Input(2, 2), new Dense(2));
        image.Build(2, 2);
        image.ExportOnnx(Path.Combine(_directory, "y.onnx"));   // samples of any shape export (Dense on the last axis: MatMul)
        Assert.True(File.Exists(Path.Combine(_directory, "y.onnx")));
    }
}
