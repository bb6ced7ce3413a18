using LogitNet.Layers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Tests.Serialization;

/// <summary>
/// ONNX export of Conv2D, pooling, global pooling and BatchNormalization, run by ONNX Runtime in this
/// process and compared with <see cref="Sequential.Predict(Tensor, int?)"/> on edge shapes.
/// </summary>
public sealed class OnnxConvolutionExportTests : IDisposable
{
    /// <summary>Relative to max(1, |value|): float32 sums of a few hundred products, accumulated in another order by ONNX Runtime.</summary>
    private const double Tolerance = 1e-5;

    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-onnx-conv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Models by name: each a single edge of the mapping, or a stack of them.</summary>
    public static Dictionary<string, Func<Sequential>> Models { get; } = new()
    {
        // The "simple MNIST convnet".
        ["mnist_convnet"] = () => Model([28, 28, 1],
            new Conv2D(32, kernelSize: 3, activation: Activation.Relu), new MaxPooling2D(poolSize: 2),
            new Conv2D(64, kernelSize: 3, activation: Activation.Relu), new MaxPooling2D(poolSize: 2),
            new Flatten(), new Dropout(0.5f), new Dense(10)),
        ["same_with_strides_odd_sizes"] = () => Model([9, 7, 3],
            new Conv2D(4, (3, 2), strides: (2, 3), padding: Padding.Same, activation: Activation.Tanh), new Flatten(), new Dense(2)),
        ["kernel_larger_than_input_same"] = () => Model([3, 2, 2],
            new Conv2D(3, 5, padding: Padding.Same, activation: Activation.Sigmoid), new Flatten()),
        ["stride_larger_than_kernel"] = () => Model([10, 11, 2],
            new Conv2D(3, 2, strides: 3, useBias: false), new MaxPooling2D(2, strides: 3), new Flatten()),
        ["dilation_valid_and_same"] = () => Model([9, 8, 2],
            new Conv2D(3, (2, 3), dilationRate: (2, 1), activation: Activation.Elu),
            new Conv2D(2, 3, padding: Padding.Same, dilationRate: 2), new Flatten()),
        ["max_pool_same_odd"] = () => Model([7, 5, 3], new MaxPooling2D((3, 2), strides: (2, 2), padding: Padding.Same), new Flatten()),
        ["average_pool_same_excludes_padding"] = () => Model([7, 5, 3],
            new AveragePooling2D((3, 3), strides: (2, 1), padding: Padding.Same), new AveragePooling2D(2), new Flatten()),
        ["global_average_keepdims"] = () => Model([5, 6, 4], new Conv2D(3, 2), new GlobalAveragePooling2D(keepDims: true)),
        ["global_max_into_dense"] = () => Model([5, 6, 4], new Conv2D(3, 2, activation: Activation.Relu), new GlobalMaxPooling2D(), new Dense(2, Activation.Softmax)),
        ["batch_normalization_stack"] = () => Model([6, 5, 2],
            new Conv2D(4, 3, padding: Padding.Same), new BatchNormalization(center: false), new ActivationLayer(Activation.Relu),
            new AveragePooling2D(2, padding: Padding.Same), new BatchNormalization(scale: false, epsilon: 0.05f), new GlobalMaxPooling2D(keepDims: true),
            new Flatten(), new BatchNormalization(center: false, scale: false), new Dense(3), new BatchNormalization()),
        ["batch_normalization_on_sequences"] = () => Model([4, 3], new BatchNormalization(), new Flatten(), new Dense(2)),
        ["conv_softmax_activation"] = () => Model([4, 4, 2], new Conv2D(3, 3, padding: Padding.Same, activation: Activation.Softmax)),
        ["conv_after_flat_layers"] = () => Model([12],
            new Dense(36, Activation.Relu), new Reshape(6, 6, 1), new Conv2D(2, 3, activation: Activation.Gelu), new MaxPooling2D(), new Flatten(), new Dense(1)),
    };

    public static TheoryData<string> ModelNames() => new(Models.Keys);

    private static Sequential Model(int[] input, params Layer[] layers)
    {
        var model = new Sequential([new Input(input), .. layers]) { Seed = 5, Log = TextWriter.Null };
        model.Build(input);

        // Seeded non-trivial biases, γ, β and moving statistics (zero biases and unit statistics would hide a misplaced weight).
        int seed = 100;
        foreach (Parameter p in model.Layers.SelectMany(l => l.Parameters).Where(p => p.Value.Rank == 1))
        {
            Tensor.RandomUniform([p.Value.Length], 0.2f, 1.5f, seed++).AsSpan().CopyTo(p.Value.AsSpan());
        }

        return model;
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void ExportedImageModel_RunsInOnnxRuntime_WithLogitNetsOutputs(string name)
    {
        Sequential model = Models[name]();
        string path = Path.Combine(_directory, name + ".onnx");
        model.ExportOnnx(path);
        foreach (int batch in (int[])[1, 5])
        {
            Tensor x = Tensor.RandomNormal([batch, .. model.Layers[0].InputShape], 0f, 1.5f, seed: batch);
            Tensor expected = model.Predict(x);
            (float[] actual, int[] shape) = Run(path, x);
            Assert.Equal(expected.Shape, shape);
            float[] ours = expected.ToArray();
            for (int i = 0; i < ours.Length; i++)
            {
                Assert.True(Math.Abs(ours[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(ours[i])),
                    $"{name}, batch {batch}, value {i}: LogitNet {ours[i]}, ONNX Runtime {actual[i]}");
            }
        }
    }

    [Theory]
    [InlineData("025")]   // tf.keras 2.6: three "same" Conv2D/MaxPooling2D blocks
    [InlineData("078")]   // Keras 3.14 .keras: Conv2D, BatchNormalization, MaxPooling2D
    [InlineData("101")]   // tf.keras 2.15: Conv2D, BatchNormalization, GlobalMaxPooling2D
    public void CorpusConvNet_LoadedFromKeras_ExportsToOnnxWithLogitNetsOutputs(string number)
    {
        Sequential model = Sequential.Load(Keras.KerasCorpus.Numbered(number));
        model.Log = TextWriter.Null;
        string path = Path.Combine(_directory, number + ".onnx");
        model.ExportOnnx(path);
        Tensor x = Tensor.RandomUniform([3, .. model.Layers[0].InputShape], 0f, 1f, seed: 4);
        float[] ours = model.Predict(x).ToArray();
        (float[] actual, _) = Run(path, x);
        for (int i = 0; i < ours.Length; i++)
        {
            Assert.True(Math.Abs(ours[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(ours[i])),
                $"{number}, value {i}: LogitNet {ours[i]}, ONNX Runtime {actual[i]}");
        }
    }

    [Fact]
    public void ConvStack_StaysChannelsFirst_WithOneTransposeAtEachEnd()
    {
        string path = Path.Combine(_directory, "stack.onnx");
        Models["mnist_convnet"]().ExportOnnx(path);
        Assert.Equal(2, OperatorCount(File.ReadAllBytes(path), "Transpose"));
        Assert.Equal(2, OperatorCount(File.ReadAllBytes(path), "Conv"));

        // Each layer after a non-image layer goes channels first again.
        Models["conv_after_flat_layers"]().ExportOnnx(path);
        Assert.Equal(2, OperatorCount(File.ReadAllBytes(path), "Transpose"));
    }

    /// <summary>How many nodes have the operator: NodeProto.op_type is field 4, a length-prefixed string.</summary>
    private static int OperatorCount(byte[] model, string opType)
    {
        byte[] field = [0x22, (byte)opType.Length, .. System.Text.Encoding.ASCII.GetBytes(opType)];
        int count = 0;
        for (int at = model.AsSpan().IndexOf(field); at >= 0; at = model.AsSpan(at + 1).IndexOf(field) is var next and >= 0 ? at + 1 + next : -1)
        {
            count++;
        }

        return count;
    }

    private static (float[] Output, int[] Shape) Run(string model, Tensor x)
    {
        using var session = new InferenceSession(model);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), x.Shape.Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(options, ["input"], [input], ["output"]);
        OrtValue output = Assert.Single(outputs);
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray());
    }
}
