using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Tests.Serialization;

/// <summary>ONNX export of the sequence layers, run by ONNX Runtime in this process against <c>Predict</c>.</summary>
public sealed class OnnxSequenceExportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-onnx-seq-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    private static readonly Dictionary<string, Func<(Sequential Model, Tensor X)>> Models = new()
    {
        ["text"] = () =>
        {
            var model = new Sequential(new Input(11), new Embedding(40, 6), new SpatialDropout1D(0.3f),
                new Conv1D(5, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Tanh),
                new MaxPooling1D(3, strides: 2, padding: Padding.Same),
                new Conv1D(4, 2, strides: 2, padding: Padding.Same, activation: Activation.Relu, useBias: false),
                new AveragePooling1D(2, strides: 1, padding: Padding.Same), new GlobalMaxPooling1D(keepDims: true), new Flatten(),
                new Dense(3, Activation.Softmax)) { Seed = 5, Log = TextWriter.Null };
            var random = new Random(3);
            Tensor x = Tensor.FromArray(Enumerable.Range(0, 7 * 11).Select(_ => (float)random.Next(40)).ToArray(), 7, 11);
            return (model, x);
        },
        ["signal"] = () =>
        {
            // A kernel longer than the sequence under "same", a stride above the kernel, odd lengths.
            var model = new Sequential(new Input(7, 2), new Conv1D(3, 9, padding: Padding.Same, activation: Activation.Selu),
                new AveragePooling1D(3, padding: Padding.Same), new Conv1D(4, 1), new MaxPooling1D(2, strides: 3, padding: Padding.Same),
                new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid)) { Seed = 6, Log = TextWriter.Null };
            return (model, Tensor.RandomNormal([5, 7, 2], 0f, 1f, seed: 7));
        },
        ["image"] = () =>
        {
            var model = new Sequential(new Input(4, 5, 3), new SpatialDropout2D(0.2f), new Reshape(20, 3),
                new Conv1D(2, 4, strides: 3, activation: Activation.Swish), new GlobalAveragePooling1D(keepDims: true),
                new Flatten(), new Dense(2)) { Seed = 8, Log = TextWriter.Null };
            return (model, Tensor.RandomNormal([1, 4, 5, 3], 0f, 1f, seed: 9));
        },
    };

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void ExportedSequenceModel_RunsInOnnxRuntime_WithLogitNetsOutputs(string name)
    {
        (Sequential model, Tensor x) = Models[name]();
        // Trained a little, so biases and weights are not at their initial values.
        model.Compile(new MeanSquaredError(), new Adam(0.01f));
        int outputs = model.Predict(x).Shape[^1];
        model.Fit(x, Tensor.RandomNormal([x.Shape[0], outputs], 0f, 1f, seed: 2), epochs: 3, batchSize: 2, verbose: 0);
        string path = Path.Combine(_directory, $"{name}.onnx");
        model.ExportOnnx(path);

        float[] expected = model.Predict(x).ToArray();
        using var session = new InferenceSession(path);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), x.Shape.Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, ["input"], [input], ["output"]);
        OrtValue output = Assert.Single(results);
        Assert.Equal([x.Shape[0], outputs], output.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray());
        float[] actual = output.GetTensorDataAsSpan<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{name}, value {i}: LogitNet {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }
}
