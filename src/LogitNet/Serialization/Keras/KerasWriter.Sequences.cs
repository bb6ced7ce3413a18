using System.Text.Json;
using LogitNet.Layers;
using PureHDF;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization.Keras;

/// <summary>The sequence layers in a written <c>.keras</c> file, with the keys and defaults Keras 3.11's <c>get_config</c> writes.</summary>
internal static partial class KerasWriter
{
    /// <summary>The Keras class of a sequence layer, or null for other layers.</summary>
    private static string? SequenceKerasClass(Layer layer) => layer switch
    {
        Conv1D => "Conv1D",
        MaxPooling1D => "MaxPooling1D",
        AveragePooling1D => "AveragePooling1D",
        GlobalAveragePooling1D => "GlobalAveragePooling1D",
        GlobalMaxPooling1D => "GlobalMaxPooling1D",
        Embedding => "Embedding",
        SpatialDropout1D => "SpatialDropout1D",
        SpatialDropout2D => "SpatialDropout2D",
        _ => null,
    };

    /// <summary>Refuses what Keras cannot express: an activation it has no name for, or a layer frozen in part.</summary>
    private static void CheckSequenceLayer(Layer layer)
    {
        if (layer is Conv1D conv)
        {
            ActivationName(conv.Activation, conv.Name);
        }

        if (layer.Parameters.Select(p => p.Trainable).Distinct().Count() > 1)
        {
            throw new NotSupportedException(
                $"Layer '{layer.Name}' has some parameters frozen and others not; Keras freezes whole layers. Freeze all of the layer's parameters or none before saving as .keras.");
        }
    }

    /// <summary>The layer-specific keys of a sequence layer's config (after name, trainable and dtype).</summary>
    private static void WriteSequenceConfig(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case Conv1D conv:
                WriteConvolutionConfig(json, conv.Name, conv.Filters, [conv.KernelSize], [conv.Strides], conv.Padding, [conv.DilationRate],
                    conv.Activation, conv.UseBias, conv.KernelInitializer, conv.BiasInitializer, conv.KernelRegularizer, conv.BiasRegularizer);
                break;
            case Pooling1DLayer pool:
                WriteSize(json, "pool_size", pool.PoolSize);
                json.WriteString("padding", PaddingName(pool.Padding));
                WriteSize(json, "strides", pool.Strides);
                json.WriteString("data_format", "channels_last");
                break;
            case GlobalPoolingLayer global:
                GlobalPooling(json, global);
                break;
            case Embedding embedding:
                json.WriteNumber("input_dim", embedding.InputDim);
                json.WriteNumber("output_dim", embedding.OutputDim);
                KerasInitializers.Write(json, "embeddings_initializer", embedding.EmbeddingsInitializer, embedding.Name);
                KerasRegularizer(json, "embeddings_regularizer", embedding.EmbeddingsRegularizer, embedding.Name);
                json.WriteNull("activity_regularizer");
                json.WriteNull("embeddings_constraint");
                json.WriteBoolean("mask_zero", false);
                break;
            case SpatialDropoutLayer spatial:
                WriteFloat(json, "rate", spatial.Rate);
                json.WriteNull("seed");
                if (spatial is SpatialDropout2D)
                {
                    json.WriteString("data_format", "channels_last");
                }

                break;
        }
    }

    /// <summary>A sequence layer's variables under <c>vars</c>, in Keras's order (Conv1D: kernel, bias; Embedding: embeddings).</summary>
    private static void WriteSequenceWeights(H5Group vars, Layer layer)
    {
        switch (layer)
        {
            case Conv1D conv:
                vars["0"] = Dataset(conv.Kernel.Value, conv.Kernel.Value.Shape);
                if (conv.Bias is { } bias)
                {
                    vars["1"] = Dataset(bias.Value, bias.Value.Shape);
                }

                break;
            case Embedding embedding:
                vars["0"] = Dataset(embedding.Embeddings.Value, embedding.Embeddings.Value.Shape);
                break;
        }
    }
}
