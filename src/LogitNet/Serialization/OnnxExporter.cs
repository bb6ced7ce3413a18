using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>
/// Writes a <see cref="Sequential"/> of Dense, activation, dropout and input layers as an ONNX model
/// (opset 17, IR version 8): input <c>input</c> [N, features] float32, output <c>output</c>, the
/// model's own output (logits or probabilities, as <see cref="Sequential.Predict(Tensor, int?)"/> returns).
/// </summary>
/// <remarks>
/// Field numbers follow onnx/onnx.proto3. Dense becomes Gemm (with its bias as input C), activations
/// their ONNX operators; the exact GELU, an operator only from opset 20, is written as
/// x·(1 + erf(x/√2))/2 with Div, Erf, Add and Mul; dropout, an identity at inference, is omitted.
/// A model with <see cref="Sequential.ClassNames"/> gets them as model metadata (<c>metadata_props</c>),
/// key <c>class_names</c>, value a JSON array of strings in class-id order.
/// </remarks>
internal static partial class OnnxExporter
{
    public const int Opset = 17;
    private const int IrVersion = 8;
    private const int FloatType = 1;

    /// <summary>The metadata key of the class names, as <c>config.json</c> names them.</summary>
    public const string ClassNamesKey = "class_names";

    public static byte[] Export(Sequential model)
    {
        var nodes = new List<Action<ProtoWriter>>();
        var initializers = new List<Action<ProtoWriter>>();
        string current = "input";
        int counter = 0;
        string Fresh(string stem) => $"{stem}_{counter++}";

        void Node(string opType, string[] inputs, string output, Action<ProtoWriter>? attributes = null) =>
            nodes.Add(n =>
            {
                foreach (string input in inputs)
                {
                    n.String(1, input);
                }

                n.String(2, output);
                n.String(3, $"{opType}_{output}");
                n.String(4, opType);
                attributes?.Invoke(n);
            });

        string Constant(string name, float value)
        {
            initializers.Add(t => t.Int(2, FloatType).String(8, name).Bytes(9, BitConverter.GetBytes(value)));
            return name;
        }

        void Activate(Activation activation)
        {
            string output = Fresh("act");
            switch (activation)
            {
                case Activation.Linear:
                    return;
                case Activation.Relu:
                    Node("Relu", [current], output);
                    break;
                case Activation.LeakyRelu:
                    Node("LeakyRelu", [current], output, n => FloatAttribute(n, "alpha", ActivationFunction.LeakySlope));
                    break;
                case Activation.Sigmoid:
                    Node("Sigmoid", [current], output);
                    break;
                case Activation.Tanh:
                    Node("Tanh", [current], output);
                    break;
                case Activation.Softmax:
                    Node("Softmax", [current], output, n => IntAttribute(n, "axis", -1));
                    break;
                case Activation.Elu:
                    Node("Elu", [current], output, n => FloatAttribute(n, "alpha", 1f));
                    break;
                case Activation.Gelu:
                    string scaled = Fresh("gelu_scaled"), erf = Fresh("gelu_erf"), onePlus = Fresh("gelu_one_plus"), half = Fresh("gelu_half_x");
                    Node("Div", [current, Constant(Fresh("sqrt2"), MathF.Sqrt(2f))], scaled);
                    Node("Erf", [scaled], erf);
                    Node("Add", [erf, Constant(Fresh("one"), 1f)], onePlus);
                    Node("Mul", [current, Constant(Fresh("half"), 0.5f)], half);
                    Node("Mul", [half, onePlus], output);
                    break;
                case Activation.Swish:
                    string sigmoid = Fresh("swish_sigmoid");
                    Node("Sigmoid", [current], sigmoid);
                    Node("Mul", [current, sigmoid], output);
                    break;
                case Activation.Selu:
                    Node("Selu", [current], output, n =>
                    {
                        FloatAttribute(n, "alpha", (float)ActivationFunction.SeluAlpha);
                        FloatAttribute(n, "gamma", (float)ActivationFunction.SeluScale);
                    });
                    break;
                case Activation.Softplus:
                    Node("Softplus", [current], output);
                    break;
                case Activation.Softsign:
                    Node("Softsign", [current], output);
                    break;
                case Activation.HardSigmoid:
                case Activation.HardSigmoidKeras2:
                    bool keras2 = activation == Activation.HardSigmoidKeras2;
                    Node("HardSigmoid", [current], output, n =>
                    {
                        FloatAttribute(n, "alpha", keras2 ? 0.2f : 1f / 6);
                        FloatAttribute(n, "beta", 0.5f);
                    });
                    break;
                case Activation.Exponential:
                    Node("Exp", [current], output);
                    break;
                case Activation.Relu6:
                    // Clip takes its bounds as inputs from opset 11.
                    Node("Clip", [current, Constant(Fresh("zero"), 0f), Constant(Fresh("six"), 6f)], output);
                    break;
                case Activation.Mish:
                    // Mish is an operator only from opset 18: x·tanh(softplus(x)).
                    string softplus = Fresh("mish_softplus"), tanh = Fresh("mish_tanh");
                    Node("Softplus", [current], softplus);
                    Node("Tanh", [softplus], tanh);
                    Node("Mul", [current, tanh], output);
                    break;
                case Activation.HardSwish:
                    // ONNX's HardSwish (opset 14) is x·max(0, min(1, x/6 + 1/2)), Keras 3's hard_silu.
                    Node("HardSwish", [current], output);
                    break;
                case Activation.GeluTanh:
                    // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), spelled out (Gelu with approximate="tanh" is opset 20).
                    string square = Fresh("gelu_square"), cube = Fresh("gelu_cube"), scaledCube = Fresh("gelu_scaled_cube"),
                        inner = Fresh("gelu_inner"), argument = Fresh("gelu_argument"), t = Fresh("gelu_tanh"),
                        onePlusT = Fresh("gelu_one_plus"), halfX = Fresh("gelu_half_x");
                    Node("Mul", [current, current], square);
                    Node("Mul", [square, current], cube);
                    Node("Mul", [cube, Constant(Fresh("cubic"), (float)ActivationFunction.GeluCubic)], scaledCube);
                    Node("Add", [current, scaledCube], inner);
                    Node("Mul", [inner, Constant(Fresh("sqrt_2_over_pi"), (float)ActivationFunction.SqrtTwoOverPi)], argument);
                    Node("Tanh", [argument], t);
                    Node("Add", [t, Constant(Fresh("one"), 1f)], onePlusT);
                    Node("Mul", [current, Constant(Fresh("half"), 0.5f)], halfX);
                    Node("Mul", [halfX, onePlusT], output);
                    break;
                default:
                    throw new NotSupportedException($"ONNX export has no mapping for the activation {activation}.");
            }

            current = output;
        }

        ImageSection? images = null;
        foreach (Layer layer in model.Layers)
        {
            switch (layer)
            {
                case Input or Dropout:
                    break;
                case var image when ImageSection.Handles(image):
                    images ??= new ImageSection(nodes, initializers, Node, Fresh, (value, activation) =>
                    {
                        current = value;
                        Activate(activation);
                        return current;
                    });
                    current = images.Export(image, current);
                    break;
                case Dense dense when dense.InputShape.Length == 1:
                    string weight = $"{dense.Name}/kernel", output = Fresh("gemm");
                    initializers.Add(t => Tensor(t, weight, dense.Kernel.Value));
                    var inputs = new List<string> { current, weight };
                    if (dense.Bias is { } bias)
                    {
                        initializers.Add(t => Tensor(t, bias.Name, bias.Value));
                        inputs.Add(bias.Name);
                    }

                    Node("Gemm", [.. inputs], output);
                    current = output;
                    Activate(dense.Activation);
                    break;
                case Dense dense:
                {
                    // On the last axis of a batch of matrices (Gemm takes only 2-D): MatMul, then the bias broadcast.
                    string kernel = $"{dense.Name}/kernel", product = Fresh("matmul");
                    initializers.Add(t => Tensor(t, kernel, dense.Kernel.Value));
                    Node("MatMul", [current, kernel], product);
                    current = product;
                    if (dense.Bias is { } denseBias)
                    {
                        string biased = Fresh("bias_add");
                        initializers.Add(t => Tensor(t, denseBias.Name, denseBias.Value));
                        Node("Add", [current, denseBias.Name], biased);
                        current = biased;
                    }

                    Activate(dense.Activation);
                    break;
                }

                case ActivationLayer activation:
                    Activate(activation.Activation);
                    break;
                case Flatten:
                {
                    string flat = Fresh("flatten");
                    Node("Flatten", [current], flat, n => IntAttribute(n, "axis", 1));
                    current = flat;
                    break;
                }

                case Reshape reshape:
                {
                    // Reshape's 0 keeps the batch size; the rest is the resolved per-sample shape.
                    string shape = Fresh("reshape_shape"), reshaped = Fresh("reshape");
                    long[] target = [0, .. reshape.OutputShape.Select(d => (long)d)];
                    initializers.Add(t => Int64Tensor(t, shape, target));
                    Node("Reshape", [current, shape], reshaped);
                    current = reshaped;
                    break;
                }

                case Rescaling rescaling:
                {
                    string scaled = Fresh("rescale"), shifted = Fresh("rescale_offset");
                    Node("Mul", [current, Constant(Fresh("scale"), rescaling.Scale)], scaled);
                    Node("Add", [scaled, Constant(Fresh("offset"), rescaling.Offset)], shifted);
                    current = shifted;
                    break;
                }

                case Normalization normalization:
                {
                    // (x − mean) / max(√variance, 1e-7), with the divisor computed here once.
                    string centered = Fresh("normalization_centered"), normalized = Fresh("normalization");
                    string mean = $"{normalization.Name}/mean", deviation = $"{normalization.Name}/deviation";
                    Tensor meanValue = normalization.Mean.Value;
                    Tensor deviationValue = LogitNet.Tensor.FromArray(
                        normalization.Variance.Value.ToArray().Select(v => (float)Math.Max(Math.Sqrt(v), Normalization.Epsilon)).ToArray(), meanValue.Shape);
                    initializers.Add(t => Tensor(t, mean, meanValue));
                    initializers.Add(t => Tensor(t, deviation, deviationValue));
                    Node("Sub", [current, mean], centered);
                    Node("Div", [centered, deviation], normalized);
                    current = normalized;
                    break;
                }

                case ReLU relu:
                {
                    // Keras 3's relu: min(x, max) above the threshold, slope·(x − threshold) at and below it.
                    string threshold = Constant(Fresh("relu_threshold"), relu.Threshold);
                    string above = Fresh("relu_above"), shifted = Fresh("relu_shifted"), below = Fresh("relu_below"), result = Fresh("relu");
                    string positive = current;
                    Node("Greater", [current, threshold], above);
                    if (relu.MaxValue is { } max)
                    {
                        positive = Fresh("relu_clipped");
                        Node("Min", [current, Constant(Fresh("relu_max"), max)], positive);
                    }

                    Node("Sub", [current, threshold], shifted);
                    Node("Mul", [shifted, Constant(Fresh("relu_slope"), relu.NegativeSlope)], below);
                    Node("Where", [above, positive, below], result);
                    current = result;
                    break;
                }

                case LeakyReLU leaky:
                {
                    string result = Fresh("leaky_relu");
                    Node("LeakyRelu", [current], result, n => FloatAttribute(n, "alpha", leaky.NegativeSlope));
                    current = result;
                    break;
                }

                case Softmax:
                {
                    string result = Fresh("softmax");
                    Node("Softmax", [current], result, n => IntAttribute(n, "axis", -1));
                    current = result;
                    break;
                }

                case ZeroPadding2D zero:
                {
                    // Pad's pads input: the begins of every axis (N, H, W, C), then the ends.
                    string pads = Fresh("pads"), padded = Fresh("zero_padding");
                    long[] amounts = [0, zero.Top, zero.Left, 0, 0, zero.Bottom, zero.Right, 0];
                    initializers.Add(t => Int64Tensor(t, pads, amounts));
                    Node("Pad", [current, pads], padded);
                    current = padded;
                    break;
                }

                case var sequence when IsSequenceLayer(sequence):
                    current = ExportSequenceLayer(sequence, current, Fresh, Node, initializers);
                    if (sequence is Conv1D conv1D)
                    {
                        Activate(conv1D.Activation);
                    }

                    break;
                default:
                    throw new NotSupportedException(
                        $"Layer '{layer.Name}' is a {layer.GetType().Name}; ONNX export supports Dense, ActivationLayer, Dropout, Input, Flatten, Reshape, Rescaling, Normalization, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, the sequence layers (Conv1D, the 1-D pooling layers, Embedding, SpatialDropout1D/2D), ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D.");
            }
        }

        // The graph's output must carry the name "output": rename the last value with an Identity.
        Node("Identity", [current], "output");
        int[] inputShape = model.Layers[0].InputShape;
        int[] outputShape = model.Layers[^1].OutputShape;
        var writer = new ProtoWriter();
        writer.Int(1, IrVersion)
            .String(2, "LogitNet")
            .String(3, typeof(Sequential).Assembly.GetName().Version?.ToString(3) ?? "0.0.0")
            .Message(7, graph =>
            {
                foreach (Action<ProtoWriter> node in nodes)
                {
                    graph.Message(1, node);
                }

                graph.String(2, "sequential");
                foreach (Action<ProtoWriter> initializer in initializers)
                {
                    graph.Message(5, initializer);
                }

                graph.Message(11, v => ValueInfo(v, "input", inputShape));
                graph.Message(12, v => ValueInfo(v, "output", outputShape));
            })
            .Message(8, opset => opset.String(1, "").Int(2, Opset));
        if (model.ClassNames is { } names)
        {
            // ModelProto.metadata_props (field 14), a StringStringEntryProto (key 1, value 2).
            writer.Message(14, entry => entry.String(1, ClassNamesKey).String(2, ClassNamesJson(names)));
        }

        return writer.ToArray();
    }

    /// <summary>The names as a JSON array of strings, e.g. <c>["cat","dog"]</c>; non-ASCII letters kept as they are, for people reading the metadata in a model viewer.</summary>
    internal static string ClassNamesJson(IReadOnlyList<string> names)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (string name in names)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Tensor(ProtoWriter t, string name, Tensor value)
    {
        foreach (int size in value.ShapeSpan)
        {
            t.Int(1, size);
        }

        t.Int(2, FloatType).String(8, name);
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(value.AsSpan());
        t.Bytes(9, BitConverter.IsLittleEndian ? bytes : throw new PlatformNotSupportedException("ONNX export needs a little-endian machine."));
    }

    private static void ValueInfo(ProtoWriter v, string name, int[] sampleShape) =>
        v.String(1, name).Message(2, type => type.Message(1, tensor => tensor
            .Int(1, FloatType)
            .Message(2, shape =>
            {
                shape.Message(1, batch => batch.String(2, "N"));
                foreach (int size in sampleShape)
                {
                    shape.Message(1, dim => dim.Int(1, size));
                }
            })));

    /// <summary>An INT64 TensorProto (data_type 7) with raw little-endian data, such as Reshape's shape input.</summary>
    private static void Int64Tensor(ProtoWriter t, string name, long[] values)
    {
        t.Int(1, values.Length).Int(2, 7).String(8, name);
        t.Bytes(9, BitConverter.IsLittleEndian ? MemoryMarshal.AsBytes(values.AsSpan()) : throw new PlatformNotSupportedException("ONNX export needs a little-endian machine."));
    }

    private static void FloatAttribute(ProtoWriter node, string name, float value) =>
        node.Message(5, a => a.String(1, name).Float(2, value).Int(20, 1));

    private static void IntAttribute(ProtoWriter node, string name, long value) =>
        node.Message(5, a => a.String(1, name).Int(3, value).Int(20, 2));

    /// <summary>Keras's depthwise kernel [kh, kw, C, M] as ONNX's grouped Conv weight [C·M, 1, kh, kw] (output channel c·M + m).</summary>
    private static Tensor DepthwiseKernelOihw(Tensor kernel, int multiplier)
    {
        int kh = kernel.ShapeSpan[0], kw = kernel.ShapeSpan[1], channels = kernel.ShapeSpan[2];
        ReadOnlySpan<float> source = kernel.AsSpan();
        float[] target = new float[source.Length];
        for (int y = 0; y < kh; y++)
        {
            for (int x = 0; x < kw; x++)
            {
                for (int k = 0; k < channels * multiplier; k++)
                {
                    target[(k * kh + y) * kw + x] = source[(y * kw + x) * channels * multiplier + k];
                }
            }
        }

        return LogitNet.Tensor.FromArray(target, channels * multiplier, 1, kh, kw);
    }
}
