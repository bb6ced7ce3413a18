using System.Diagnostics;
using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Serialization;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private float[] RunInOnnxRuntime(string model, Tensor x)
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
    public void Export_UnbuiltOrUnsupported_SaysWhy()
    {
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(2)).ExportOnnx(Path.Combine(_directory, "x.onnx")));
        var image = new Sequential(new Input(2, 2), new Dense(2));
        image.Build(2, 2);
        Assert.Contains("flat feature vectors", Assert.Throws<InvalidOperationException>(() => image.ExportOnnx(Path.Combine(_directory, "y.onnx"))).Message);
    }
}
