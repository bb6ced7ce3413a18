using LogitNet.Layers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Tests.Serialization;

/// <summary>The activations Keras files bring survive ONNX export: ONNX Runtime computes what Predict does.</summary>
public sealed class OnnxKerasActivationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-onnx-act-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<Activation> All() => new(LogitNet.Tests.Layers.KerasActivationTests.NewActivations);

    [Theory]
    [MemberData(nameof(All))]
    public void ExportedActivation_RunsInOnnxRuntime_WithLogitNetsOutputs(Activation activation)
    {
        var model = new Sequential(new Input(5), new Dense(9, activation), new Dense(3), new ActivationLayer(activation)) { Seed = 7, Log = TextWriter.Null };
        model.Build(5);
        Tensor x = Tensor.RandomNormal([11, 5], 0f, 2.5f, seed: 3);
        string path = Path.Combine(_directory, "model.onnx");
        model.ExportOnnx(path);
        float[] expected = model.Predict(x).ToArray();
        float[] actual = Run(path, x);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected[i])),
                $"{activation}, value {i}: LogitNet {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        }
    }

    [Fact]
    public void ExportedPreprocessingLayers_RunInOnnxRuntime_WithLogitNetsOutputs()
    {
        var norm = new Normalization();
        norm.Adapt(Tensor.RandomNormal([30, 12], 5f, 3f, seed: 8));
        var model = new Sequential(new Input(12), new Rescaling(0.5f, 0.25f), norm, new Reshape(3, 4), new Dense(5, Activation.Swish),
            new Flatten(), new Dense(3, Activation.Softmax)) { Seed = 9, Log = TextWriter.Null };
        model.Build(12);
        Tensor x = Tensor.RandomNormal([7, 12], 4f, 3f, seed: 10);
        string path = Path.Combine(_directory, "preprocessing.onnx");
        model.ExportOnnx(path);
        float[] expected = model.Predict(x).ToArray();
        float[] actual = Run(path, x);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected[i])), $"value {i}: LogitNet {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        }
    }

    /// <summary>The model's output in ONNX Runtime (the .NET package, in this process).</summary>
    private static float[] Run(string model, Tensor x)
    {
        using var session = new InferenceSession(model);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), x.Shape.Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(options, ["input"], [input], ["output"]);
        return Assert.Single(outputs).GetTensorDataAsSpan<float>().ToArray();
    }
}
