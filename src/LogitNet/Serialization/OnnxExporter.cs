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
internal static class OnnxExporter
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
                default:
                    throw new NotSupportedException($"ONNX export has no mapping for {activation}.");
            }

            current = output;
        }

        foreach (Layer layer in model.Layers)
        {
            switch (layer)
            {
                case Input or Dropout:
                    break;
                case Dense dense:
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
                case ActivationLayer activation:
                    Activate(activation.Activation);
                    break;
                default:
                    throw new NotSupportedException(
                        $"Layer '{layer.Name}' is a {layer.GetType().Name}; ONNX export supports Dense, ActivationLayer, Dropout and Input.");
            }
        }

        // The graph's output must carry the name "output": rename the last value with an Identity.
        Node("Identity", [current], "output");
        int features = model.Layers[0].InputShape[^1];
        int outputs = model.Layers[^1].OutputShape[^1];
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

                graph.Message(11, v => ValueInfo(v, "input", features));
                graph.Message(12, v => ValueInfo(v, "output", outputs));
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

    private static void ValueInfo(ProtoWriter v, string name, int width) =>
        v.String(1, name).Message(2, type => type.Message(1, tensor => tensor
            .Int(1, FloatType)
            .Message(2, shape => shape
                .Message(1, batch => batch.String(2, "N"))
                .Message(1, dim => dim.Int(1, width)))));

    private static void FloatAttribute(ProtoWriter node, string name, float value) =>
        node.Message(5, a => a.String(1, name).Float(2, value).Int(20, 1));

    private static void IntAttribute(ProtoWriter node, string name, long value) =>
        node.Message(5, a => a.String(1, name).Int(3, value).Int(20, 2));
}
