using System.Diagnostics;
using System.Text.Json;
using LogitNet.Layers;

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

    private float[] Run(string model, Tensor x)
    {
        string input = Path.Combine(_directory, "input.f32");
        File.WriteAllBytes(input, System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { "run_onnx.js", model, input, x.Shape[0].ToString(), x.Shape[1].ToString() },
            WorkingDirectory = InteropPaths.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ONNX Runtime failed: {error}");
        using JsonDocument document = JsonDocument.Parse(output);
        return document.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }
}
