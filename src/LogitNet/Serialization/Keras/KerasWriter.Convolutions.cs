using System.Text.Json;
using LogitNet.Layers;
using PureHDF;
using static LogitNet.Serialization.ConfigSizes;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// The 2-D image layers in a <c>.keras</c> file: Conv2D, MaxPooling2D, AveragePooling2D,
/// GlobalAveragePooling2D, GlobalMaxPooling2D and BatchNormalization, with the config keys and
/// variable order of Keras 3.11 (kernel, bias; gamma, beta, moving_mean, moving_variance).
/// </summary>
internal static partial class KerasWriter
{
    private static bool IsImageLayer(Layer layer) =>
        layer is Conv2D or MaxPooling2D or AveragePooling2D or GlobalAveragePooling2D or GlobalMaxPooling2D or BatchNormalization;

    private static void CheckImageLayer(Layer layer)
    {
        switch (layer)
        {
            case Conv2D conv:
                ActivationName(conv.Activation, conv.Name);
                RequireWholeLayerFrozen(conv, conv.Parameters);
                break;
            case BatchNormalization normalization:
                // The moving statistics are never trainable; Keras freezes γ and β with the layer, which then trains in
                // inference mode (as here), so γ and β frozen in a layer that is not (or the reverse) has no Keras form.
                Parameter[] weights = new[] { normalization.Gamma, normalization.Beta }.OfType<Parameter>().ToArray();
                RequireWholeLayerFrozen(normalization, weights);
                if (weights.Length > 0 && weights[0].Trainable != normalization.Trainable)
                {
                    throw new NotSupportedException(
                        $"Layer '{normalization.Name}' has gamma and beta {(weights[0].Trainable ? "trainable" : "frozen")} but the layer itself {(normalization.Trainable ? "trainable" : "frozen")}; Keras freezes a BatchNormalization as a whole (and a frozen one trains with its moving statistics). Set the layer's Trainable instead before saving as .keras.");
                }

                break;
        }
    }

    private static void RequireWholeLayerFrozen(Layer layer, IEnumerable<Parameter> parameters)
    {
        if (parameters.Select(p => p.Trainable).Distinct().Count() > 1)
        {
            throw new NotSupportedException(
                $"Layer '{layer.Name}' has some parameters frozen and others not; Keras freezes whole layers. Freeze all of the layer's parameters or none before saving as .keras.");
        }
    }

    private static string ImageKerasClass(Layer layer) => layer switch
    {
        Conv2D => "Conv2D",
        MaxPooling2D => "MaxPooling2D",
        AveragePooling2D => "AveragePooling2D",
        GlobalAveragePooling2D => "GlobalAveragePooling2D",
        GlobalMaxPooling2D => "GlobalMaxPooling2D",
        BatchNormalization => "BatchNormalization",
        _ => throw new NotSupportedException($"Layer '{layer.Name}' has no Keras class."),
    };

    private static void WriteImageLayerConfig(Utf8JsonWriter json, Layer layer)
    {
        switch (layer)
        {
            case Conv2D conv:
                WriteConvolutionConfig(json, conv.Name, conv.Filters, [conv.KernelSize.Height, conv.KernelSize.Width], [conv.Strides.Height, conv.Strides.Width],
                    conv.Padding, [conv.DilationRate.Height, conv.DilationRate.Width], conv.Activation, conv.UseBias,
                    conv.KernelInitializer, conv.BiasInitializer, conv.KernelRegularizer, conv.BiasRegularizer);
                break;
            case Pooling2DLayer pool:
                WriteSize(json, "pool_size", pool.PoolSize);
                json.WriteString("padding", PaddingName(pool.Padding));
                WriteSize(json, "strides", pool.Strides);
                json.WriteString("data_format", "channels_last");
                break;
            case GlobalPoolingLayer global:
                GlobalPooling(json, global);
                break;
            case BatchNormalization normalization:
                json.WriteNumber("axis", -1);
                WriteFloat(json, "momentum", normalization.Momentum);
                WriteFloat(json, "epsilon", normalization.Epsilon);
                json.WriteBoolean("center", normalization.Center);
                json.WriteBoolean("scale", normalization.Scale);
                Initializer(json, "beta_initializer", "Zeros", seed: false);
                Initializer(json, "gamma_initializer", "Ones", seed: false);
                Initializer(json, "moving_mean_initializer", "Zeros", seed: false);
                Initializer(json, "moving_variance_initializer", "Ones", seed: false);
                json.WriteNull("beta_regularizer");
                json.WriteNull("gamma_regularizer");
                json.WriteNull("beta_constraint");
                json.WriteNull("gamma_constraint");
                json.WriteBoolean("synchronized", false);
                json.WriteBoolean("renorm", false);
                json.WriteNull("renorm_clipping");
                WriteFloat(json, "renorm_momentum", 0.99f);
                break;
        }
    }

    /// <summary>A layer's variables in the order Keras creates them: vars/0, vars/1, ...</summary>
    private static void WriteImageLayerWeights(H5Group vars, Layer layer)
    {
        Parameter?[] ordered = layer switch
        {
            Conv2D conv => [conv.Kernel, conv.Bias],
            BatchNormalization normalization => [normalization.Gamma, normalization.Beta, normalization.MovingMean, normalization.MovingVariance],
            _ => [],
        };
        int index = 0;
        foreach (Parameter? parameter in ordered)
        {
            if (parameter is not null)
            {
                vars[(index++).ToString(System.Globalization.CultureInfo.InvariantCulture)] = Dataset(parameter.Value, parameter.Value.Shape);
            }
        }
    }

    private static void GlobalPooling(Utf8JsonWriter json, GlobalPoolingLayer global)
    {
        json.WriteString("data_format", "channels_last");
        json.WriteBoolean("keepdims", global.KeepDims);
    }

    /// <summary>Keras's padding names; "causal" occurs on Conv1D only.</summary>
    private static string PaddingName(Padding padding) => padding switch
    {
        Padding.Same => "same",
        Padding.Causal => "causal",
        _ => "valid",
    };

    /// <summary>
    /// The keys Keras 3 writes for a convolution (<c>BaseConv.get_config</c>, shared by Conv1D and Conv2D), in its order,
    /// after name, trainable and dtype: each size has one value per spatial axis.
    /// </summary>
    private static void WriteConvolutionConfig(Utf8JsonWriter json, string name, int filters, ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> strides,
        Padding padding, ReadOnlySpan<int> dilationRate, Activation activation, bool useBias, Initializers.Initializer kernelInitializer,
        Initializers.Initializer biasInitializer, Regularizers.Regularizer? kernelRegularizer, Regularizers.Regularizer? biasRegularizer)
    {
        json.WriteNumber("filters", filters);
        WriteInts(json, "kernel_size", kernelSize);
        WriteInts(json, "strides", strides);
        json.WriteString("padding", PaddingName(padding));
        json.WriteString("data_format", "channels_last");
        WriteInts(json, "dilation_rate", dilationRate);
        json.WriteNumber("groups", 1);
        json.WriteString("activation", ActivationName(activation, name));
        json.WriteBoolean("use_bias", useBias);
        KerasInitializers.Write(json, "kernel_initializer", kernelInitializer, name);
        KerasInitializers.Write(json, "bias_initializer", biasInitializer, name);
        KerasRegularizer(json, "kernel_regularizer", kernelRegularizer, name);
        KerasRegularizer(json, "bias_regularizer", biasRegularizer, name);
        json.WriteNull("activity_regularizer");
        json.WriteNull("kernel_constraint");
        json.WriteNull("bias_constraint");
    }
}
