using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Serialization;

/// <summary>
/// The sequence layers in ONNX. LogitNet's sequences are channels last, <c>[N, steps, channels]</c>, and ONNX's
/// Conv and pooling operators take channels first, <c>[N, channels, steps]</c>: Conv1D and the 1-D pooling layers
/// are wrapped in a pair of Transposes. The global poolings are ReduceMean/ReduceMax over the steps axis (no
/// transpose), Embedding a Gather of the embeddings at the ids cast to INT64, and the spatial dropouts, identities
/// at inference, are omitted as Dropout is.
/// </summary>
internal static partial class OnnxExporter
{
    /// <summary>Whether <see cref="ExportSequenceLayer"/> takes the layer.</summary>
    private static bool IsSequenceLayer(Layer layer) =>
        layer is Conv1D or Pooling1DLayer or GlobalAveragePooling1D or GlobalMaxPooling1D or Embedding or SpatialDropoutLayer;

    /// <summary>Adds the nodes of a sequence layer reading <paramref name="current"/>; returns the name of its output (before a Conv1D's activation).</summary>
    private static string ExportSequenceLayer(Layer layer, string current, Func<string, string> fresh,
        Action<string, string[], string, Action<ProtoWriter>?> node, List<Action<ProtoWriter>> initializers)
    {
        switch (layer)
        {
            case SpatialDropoutLayer:
                return current;
            case Embedding embedding:
            {
                // ONNX casts a float to an integer by truncation; the ids are whole numbers, so it is exact.
                string ids = fresh("embedding_ids"), gathered = fresh("embedding");
                string table = embedding.Embeddings.Name;
                initializers.Add(t => Tensor(t, table, embedding.Embeddings.Value));
                node("Cast", [current], ids, n => IntAttribute(n, "to", 7));
                node("Gather", [table, ids], gathered, n => IntAttribute(n, "axis", 0));
                return gathered;
            }

            case GlobalPoolingLayer global:
            {
                string reduced = fresh("global_pool");
                node(layer is GlobalAveragePooling1D ? "ReduceMean" : "ReduceMax", [current], reduced, n =>
                {
                    IntsAttribute(n, "axes", [1]);
                    IntAttribute(n, "keepdims", global.KeepDims ? 1 : 0);
                });
                return reduced;
            }

            default:
            {
                int[] input = layer.InputShape;
                string channelsFirst = fresh("to_channels_first"), windowed = fresh("window"), channelsLast = fresh("to_channels_last");
                node("Transpose", [current], channelsFirst, n => IntsAttribute(n, "perm", [0, 2, 1]));
                switch (layer)
                {
                    case Conv1D conv:
                    {
                        Window2D g = SequenceWindow.Create(input[0], input[1], conv.KernelSize, conv.Strides, conv.DilationRate, conv.Padding)!.Value;
                        // ONNX's Conv weight is [filters, channels, kernel]; Keras's kernel is [kernel, channels, filters].
                        string weight = $"{conv.Name}/kernel_fck";
                        Tensor w = ChannelsFirstKernel(conv.Kernel.Value);
                        initializers.Add(t => Tensor(t, weight, w));
                        var inputs = new List<string> { channelsFirst, weight };
                        if (conv.Bias is { } bias)
                        {
                            initializers.Add(t => Tensor(t, bias.Name, bias.Value));
                            inputs.Add(bias.Name);
                        }

                        node("Conv", [.. inputs], windowed, n =>
                        {
                            IntsAttribute(n, "kernel_shape", [conv.KernelSize]);
                            IntsAttribute(n, "strides", [conv.Strides]);
                            IntsAttribute(n, "dilations", [conv.DilationRate]);
                            IntsAttribute(n, "pads", [g.PadLeft, g.PadRight]);
                        });
                        break;
                    }

                    case Pooling1DLayer pool:
                    {
                        Window2D g = SequenceWindow.Create(input[0], input[1], pool.PoolSize, pool.Strides, 1, pool.Padding)!.Value;
                        bool max = pool is MaxPooling1D;
                        node(max ? "MaxPool" : "AveragePool", [channelsFirst], windowed, n =>
                        {
                            IntsAttribute(n, "kernel_shape", [pool.PoolSize]);
                            IntsAttribute(n, "strides", [pool.Strides]);
                            IntsAttribute(n, "pads", [g.PadLeft, g.PadRight]);
                            if (!max)
                            {
                                // Keras (TensorFlow) averages over the steps inside the sequence only.
                                IntAttribute(n, "count_include_pad", 0);
                            }
                        });
                        break;
                    }

                    default:
                        throw new NotSupportedException($"ONNX export has no mapping for layer '{layer.Name}' ({layer.GetType().Name}).");
                }

                node("Transpose", [windowed], channelsLast, n => IntsAttribute(n, "perm", [0, 2, 1]));
                return channelsLast;
            }
        }
    }

    /// <summary>Keras's [kernel, channels, filters] as ONNX's [filters, channels, kernel].</summary>
    private static Tensor ChannelsFirstKernel(Tensor kernel)
    {
        int k = kernel.ShapeSpan[0], c = kernel.ShapeSpan[1], f = kernel.ShapeSpan[2];
        ReadOnlySpan<float> source = kernel.AsSpan();
        var result = new float[f * c * k];
        for (int j = 0; j < k; j++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int o = 0; o < f; o++)
                {
                    result[(o * c + ch) * k + j] = source[(j * c + ch) * f + o];
                }
            }
        }

        return LogitNet.Tensor.FromArray(result, f, c, k);
    }
}
