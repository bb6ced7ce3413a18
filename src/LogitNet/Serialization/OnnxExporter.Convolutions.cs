using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>
/// ONNX export of the 2-D image layers: Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
/// GlobalMaxPooling2D, and BatchNormalization (any rank, normalizing the last axis).
/// </summary>
/// <remarks>
/// LogitNet's images are channels last (NHWC); ONNX's Conv, pooling and BatchNormalization operators take
/// channels first (NCHW). Each such layer is wrapped in a Transpose in and a Transpose out, and a run of
/// them stays channels first: a layer whose input is the previous one's Transpose out removes that
/// Transpose and reads the channels-first value directly, so a conv stack costs one Transpose at each end.
/// Keras's "same" padding is written as explicit pads, the extra row and column at the bottom and right
/// as TensorFlow places them; pooling pads are ignored by MaxPool and left out of AveragePool's count
/// (<c>count_include_pad</c> 0), as in Keras. BatchNormalization is the inference form, with the
/// moving statistics.
/// </remarks>
internal static partial class OnnxExporter
{
    /// <summary>Writes one node: operator, inputs, output, attributes.</summary>
    private delegate void NodeWriter(string opType, string[] inputs, string output, Action<ProtoWriter>? attributes = null);

    /// <summary>The channels-first section of one export: its nodes, and the last Transpose back to channels last.</summary>
    private sealed class ImageSection(
        List<Action<ProtoWriter>> nodes, List<Action<ProtoWriter>> initializers, NodeWriter node, Func<string, string> fresh,
        Func<string, Activation, string> activate)
    {
        private string? _channelsLast;   // the output of the last Transpose back, while nothing has read it
        private string? _channelsFirst;  // that Transpose's input
        private int _transposeIndex = -1;

        public static bool Handles(Layer layer) =>
            layer is Conv2D or MaxPooling2D or AveragePooling2D or GlobalAveragePooling2D or GlobalMaxPooling2D or BatchNormalization
                or DepthwiseConv2D;

        /// <summary>Writes the layer reading <paramref name="current"/> (channels last) and returns its output (channels last).</summary>
        public string Export(Layer layer, string current)
        {
            int rank = layer.InputShape.Length + 1;
            string x = ToChannelsFirst(current, rank);
            switch (layer)
            {
                case Conv2D conv:
                {
                    Window2D w = Window(conv.InputShape, conv.KernelSize, conv.Strides, conv.DilationRate, conv.Padding);
                    string kernel = $"{conv.Name}/kernel", y = fresh("conv");
                    int[] k = conv.Kernel.Value.Shape;   // [kh, kw, in, out] -> ONNX's [out, in, kh, kw]
                    var oihw = new float[conv.Kernel.Value.Length];
                    ReadOnlySpan<float> hwio = conv.Kernel.Value.AsSpan();
                    for (int i = 0; i < k[0]; i++)
                    {
                        for (int j = 0; j < k[1]; j++)
                        {
                            for (int c = 0; c < k[2]; c++)
                            {
                                for (int f = 0; f < k[3]; f++)
                                {
                                    oihw[((f * k[2] + c) * k[0] + i) * k[1] + j] = hwio[((i * k[1] + j) * k[2] + c) * k[3] + f];
                                }
                            }
                        }
                    }

                    Tensor oihwTensor = LogitNet.Tensor.FromArray(oihw, [k[3], k[2], k[0], k[1]]);
                    initializers.Add(t => Tensor(t, kernel, oihwTensor));
                    var inputs = new List<string> { x, kernel };
                    if (conv.Bias is { } bias)
                    {
                        initializers.Add(t => Tensor(t, bias.Name, bias.Value));
                        inputs.Add(bias.Name);
                    }

                    node("Conv", [.. inputs], y, n =>
                    {
                        WindowAttributes(n, w);
                        IntsAttribute(n, "dilations", w.DilationHeight, w.DilationWidth);
                        IntAttribute(n, "group", 1);
                    });

                    // Softmax normalizes the channels, the last axis only once back to channels last.
                    if (conv.Activation == Activation.Softmax)
                    {
                        return activate(ToChannelsLast(y, rank), conv.Activation);
                    }

                    return ToChannelsLast(activate(y, conv.Activation), rank);
                }

                case DepthwiseConv2D depthwise:
                {
                    // A grouped Conv, one group per input channel: ONNX weight [C·M, 1, kh, kw], output channel c·M + m.
                    Window2D w = Window(depthwise.InputShape, depthwise.KernelSize, depthwise.Strides, depthwise.DilationRate, depthwise.Padding);
                    string kernel = $"{depthwise.Name}/kernel_oihw", y = fresh("depthwise");
                    Tensor oihw = DepthwiseKernelOihw(depthwise.Kernel.Value, depthwise.DepthMultiplier);
                    initializers.Add(t => Tensor(t, kernel, oihw));
                    var inputs = new List<string> { x, kernel };
                    if (depthwise.Bias is { } bias)
                    {
                        initializers.Add(t => Tensor(t, bias.Name, bias.Value));
                        inputs.Add(bias.Name);
                    }

                    node("Conv", [.. inputs], y, n =>
                    {
                        WindowAttributes(n, w);
                        IntsAttribute(n, "dilations", w.DilationHeight, w.DilationWidth);
                        IntAttribute(n, "group", depthwise.InputShape[2]);
                    });
                    return depthwise.Activation == Activation.Softmax
                        ? activate(ToChannelsLast(y, rank), depthwise.Activation)
                        : ToChannelsLast(activate(y, depthwise.Activation), rank);
                }

                case MaxPooling2D max:
                {
                    Window2D w = Window(max.InputShape, max.PoolSize, max.Strides, (1, 1), max.Padding);
                    string y = fresh("max_pool");
                    node("MaxPool", [x], y, n => WindowAttributes(n, w));
                    return ToChannelsLast(y, rank);
                }

                case AveragePooling2D average:
                {
                    Window2D w = Window(average.InputShape, average.PoolSize, average.Strides, (1, 1), average.Padding);
                    string y = fresh("average_pool");
                    node("AveragePool", [x], y, n =>
                    {
                        WindowAttributes(n, w);
                        IntAttribute(n, "count_include_pad", 0);
                    });
                    return ToChannelsLast(y, rank);
                }

                case GlobalAveragePooling2D or GlobalMaxPooling2D:
                {
                    bool keepDims = layer is GlobalAveragePooling2D { KeepDims: true } or GlobalMaxPooling2D { KeepDims: true };
                    string pooled = fresh("global_pool");
                    node(layer is GlobalMaxPooling2D ? "GlobalMaxPool" : "GlobalAveragePool", [x], pooled);
                    if (keepDims)
                    {
                        return ToChannelsLast(pooled, rank);
                    }

                    // [N, C, 1, 1] holds the values in the order of [N, C]: no transpose needed.
                    string flat = fresh("global_pool_flat");
                    node("Flatten", [pooled], flat, n => IntAttribute(n, "axis", 1));
                    return flat;
                }

                case BatchNormalization normalization:
                {
                    int features = normalization.MovingMean.Value.Length;
                    string scale = $"{normalization.Name}/gamma", offset = $"{normalization.Name}/beta";
                    string mean = $"{normalization.Name}/moving_mean", variance = $"{normalization.Name}/moving_variance";
                    Tensor gamma = normalization.Gamma?.Value ?? LogitNet.Tensor.Ones(features);
                    Tensor beta = normalization.Beta?.Value ?? LogitNet.Tensor.Zeros(features);
                    initializers.Add(t => Tensor(t, scale, gamma));
                    initializers.Add(t => Tensor(t, offset, beta));
                    initializers.Add(t => Tensor(t, mean, normalization.MovingMean.Value));
                    initializers.Add(t => Tensor(t, variance, normalization.MovingVariance.Value));
                    string y = fresh("batch_normalization");
                    node("BatchNormalization", [x, scale, offset, mean, variance], y, n =>
                    {
                        FloatAttribute(n, "epsilon", normalization.Epsilon);
                        FloatAttribute(n, "momentum", normalization.Momentum);
                    });
                    return ToChannelsLast(y, rank);
                }

                default:
                    throw new NotSupportedException($"Layer '{layer.Name}' is a {layer.GetType().Name}, not an image layer.");
            }
        }

        /// <summary>The value channels first: the input of the last Transpose back when that is what arrives (and the Transpose goes), else a new Transpose.</summary>
        private string ToChannelsFirst(string value, int rank)
        {
            if (rank == 2)
            {
                return value;   // [N, C] is channels first already
            }

            if (value == _channelsLast && _transposeIndex == nodes.Count - 1)
            {
                nodes.RemoveAt(_transposeIndex);
                _transposeIndex = -1;
                _channelsLast = null;
                return _channelsFirst!;
            }

            // [0, r-1, 1, ..., r-2]: the last axis moves to the second place.
            long[] perm = [0, rank - 1, .. Enumerable.Range(1, rank - 2).Select(a => (long)a)];
            string y = fresh("to_channels_first");
            node("Transpose", [value], y, n => IntsAttribute(n, "perm", perm));
            return y;
        }

        private string ToChannelsLast(string value, int rank)
        {
            if (rank == 2)
            {
                return value;
            }

            long[] perm = [0, .. Enumerable.Range(2, rank - 2).Select(a => (long)a), 1];
            string y = fresh("to_channels_last");
            node("Transpose", [value], y, n => IntsAttribute(n, "perm", perm));
            _channelsLast = y;
            _channelsFirst = value;
            _transposeIndex = nodes.Count - 1;
            return y;
        }

        private static Window2D Window(int[] inputShape, (int Height, int Width) window, (int Height, int Width) strides,
            (int Height, int Width) dilation, Padding padding) =>
            Window2D.Create(inputShape[0], inputShape[1], inputShape[2], window.Height, window.Width, strides.Height, strides.Width,
                dilation.Height, dilation.Width, padding == Padding.Same)!.Value;

        private static void WindowAttributes(ProtoWriter n, Window2D w)
        {
            IntsAttribute(n, "kernel_shape", w.KernelHeight, w.KernelWidth);
            IntsAttribute(n, "strides", w.StrideHeight, w.StrideWidth);
            // ONNX's pads: [top, left, bottom, right]; Keras's "same" puts the odd one at the bottom and right.
            IntsAttribute(n, "pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight);
        }
    }

    /// <summary>An INTS attribute (AttributeProto.ints, field 8; type 7).</summary>
    private static void IntsAttribute(ProtoWriter node, string name, params long[] values) =>
        node.Message(5, a =>
        {
            a.String(1, name);
            foreach (long value in values)
            {
                a.Int(8, value);
            }

            a.Int(20, 7);
        });
}
