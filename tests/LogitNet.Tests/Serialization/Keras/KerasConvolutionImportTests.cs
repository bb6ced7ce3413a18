using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using LogitNet.Data;
using LogitNet.Layers;
using PureHDF;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Keras's Conv2D, pooling, global pooling and BatchNormalization layers: their settings and weights
/// land in the right LogitNet layers and parameters, and what LogitNet's layers cannot do is refused by name.
/// </summary>
public sealed class KerasConvolutionImportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-conv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A Keras 2 (tf.keras 2.15) Sequential config: the input 7 × 5 × 2, then the given layers.</summary>
    private static string Config(params string[] layers) =>
        """{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 7, 5, 2], "name": "in"}}, """
        + string.Join(", ", layers) + "]}}";

    private const string ConvLayer = """
        {"class_name": "Conv2D", "config": {"name": "conv2d_1", "filters": 3, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same",
         "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true}}
        """;

    [Fact]
    public void Keras2Hdf5ConvNet_LoadsEverySettingAndWeight_AsTheSameModelBuiltInCode()
    {
        string config = Config(
            ConvLayer,
            """{"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": [3], "momentum": 0.95, "epsilon": 0.01, "center": false, "scale": true}}""",
            """{"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "pool_size": [2, 2], "strides": [1, 1], "padding": "same", "data_format": "channels_last"}}""",
            """{"class_name": "Conv2D", "config": {"name": "conv2d_2", "filters": 4, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh", "use_bias": false}}""",
            """{"class_name": "AveragePooling2D", "config": {"name": "average_pooling2d", "pool_size": [2, 1], "strides": null, "padding": "same"}}""",
            """{"class_name": "GlobalAveragePooling2D", "config": {"name": "gap", "data_format": "channels_last"}}""",
            """{"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "linear"}}""");

        // The same model in code, with seeded weights, then those weights written under Keras 2's names.
        var expected = new Sequential(new Input(7, 5, 2),
            new Conv2D(3, (3, 2), strides: (2, 1), padding: Padding.Same, activation: Activation.Relu),
            new BatchNormalization(momentum: 0.95f, epsilon: 0.01f, center: false),
            new MaxPooling2D(2, strides: 1, padding: Padding.Same),
            new Conv2D(4, 2, dilationRate: 2, activation: Activation.Tanh, useBias: false),
            new AveragePooling2D((2, 1), padding: Padding.Same),
            new GlobalAveragePooling2D(),
            new Dense(2)) { Seed = 3, Log = TextWriter.Null };
        expected.Build(7, 5, 2);
        int seed = 40;
        foreach (Parameter p in expected.Layers.SelectMany(l => l.Parameters))
        {
            Tensor.RandomUniform(p.Value.Shape, 0.1f, 1.2f, seed++).AsSpan().CopyTo(p.Value.AsSpan());
        }

        Parameter[] ps = expected.Layers.SelectMany(l => l.Parameters).ToArray();
        string path = WriteLegacy("convnet.h5", config,
            ("conv2d_1", "conv2d_1/kernel:0", ps[0]), ("conv2d_1", "conv2d_1/bias:0", ps[1]),
            // Keras 2 lists a layer's weights trainable first; found by name, not position.
            ("batch_normalization", "batch_normalization/moving_variance:0", ps[4]), ("batch_normalization", "batch_normalization/gamma:0", ps[2]),
            ("batch_normalization", "batch_normalization/moving_mean:0", ps[3]),
            ("conv2d_2", "conv2d_2/kernel:0", ps[5]), ("dense", "dense/kernel:0", ps[6]), ("dense", "dense/bias:0", ps[7]));

        Sequential loaded = Sequential.Load(path);
        var conv = Assert.IsType<Conv2D>(loaded.Layers[1]);
        Assert.Equal(((3, 2), (2, 1), Padding.Same, Activation.Relu, true), (conv.KernelSize, conv.Strides, conv.Padding, conv.Activation, conv.UseBias));
        var bn = Assert.IsType<BatchNormalization>(loaded.Layers[2]);
        Assert.Equal((0.95f, 0.01f, false, true), (bn.Momentum, bn.Epsilon, bn.Center, bn.Scale));
        var dilated = Assert.IsType<Conv2D>(loaded.Layers[4]);
        Assert.Equal(((2, 2), (2, 2), false), (dilated.KernelSize, dilated.DilationRate, dilated.UseBias));
        var average = Assert.IsType<AveragePooling2D>(loaded.Layers[5]);
        Assert.Equal(((2, 1), (2, 1)), (average.PoolSize, average.Strides));   // strides null: the pool size
        Assert.False(Assert.IsType<GlobalAveragePooling2D>(loaded.Layers[6]).KeepDims);

        Tensor x = Tensor.RandomNormal([4, 7, 5, 2], 0f, 1f, seed: 9);
        Assert.Equal(expected.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Theory]
    [InlineData("""{"class_name": "Conv2D", "config": {"name": "c", "filters": 3, "kernel_size": 3, "data_format": "channels_first"}}""", "channels_first")]
    [InlineData("""{"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3, "groups": 2}}""", "grouped")]
    [InlineData("""{"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3, "padding": "causal"}}""", "\"causal\"")]
    [InlineData("""{"class_name": "MaxPooling2D", "config": {"name": "c", "pool_size": 2, "data_format": "channels_first"}}""", "channels_first")]
    [InlineData("""{"class_name": "GlobalMaxPooling2D", "config": {"name": "c", "data_format": "channels_first"}}""", "channels_first")]
    [InlineData("""{"class_name": "BatchNormalization", "config": {"name": "c", "axis": 1}}""", "axis 1")]
    [InlineData("""{"class_name": "BatchNormalization", "config": {"name": "c", "axis": [1, 2]}}""", "axis [1, 2]")]
    [InlineData("""{"class_name": "BatchNormalization", "config": {"name": "c", "renorm": true}}""", "'renorm'")]
    [InlineData("""{"class_name": "BatchNormalization", "config": {"name": "c", "virtual_batch_size": 8}}""", "'virtual_batch_size'")]
    public void SettingLogitNetsLayersDoNotHave_IsRefusedNamingTheLayer(string layer, string what)
    {
        string path = WriteLegacy("refused.h5", Config(layer));
        var error = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
        Assert.Contains("'c'", error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void ConvolutionOnVectors_IsAFormatErrorNamingTheShape()
    {
        string config = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 12], "name": "in"}},
              {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3}}]}}
            """;
        var error = Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(WriteLegacy("vector.h5", config)));
        Assert.Contains("[12]", error.Message);
    }

    [Fact]
    public void ValidWindowLargerThanTheInput_IsAFormatError()
    {
        string path = WriteLegacy("large.h5", Config("""{"class_name": "MaxPooling2D", "config": {"name": "c", "pool_size": [8, 2]}}"""));
        Assert.Contains("leaves no output", Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(path)).Message);
    }

    [Fact]
    public void ConvolutionNeedingAHugeIm2colMatrix_IsRefusedBeforeAllocating()
    {
        // One 1 × 1-channel filter of 2000 × 2000 over a 2000 × 2000 image, "same": 16 MB of weights, 1.6e13 im2col values a sample.
        string config = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2000, 2000, 1], "name": "in"}},
              {"class_name": "Conv2D", "config": {"name": "c", "filters": 1, "kernel_size": 2000, "padding": "same", "use_bias": false}}]}}
            """;
        string path = WriteLegacy("im2col.h5", config);
        Assert.Contains("im2col", Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(path)).Message);
    }

    [Fact]
    public void CorpusConvNets_LoadAsTheirLayers()
    {
        // tf.keras 2.15 HDF5: Conv2D, BatchNormalization with axis [3], GlobalMaxPooling2D.
        Sequential cifar = Sequential.Load(KerasCorpus.Numbered("101"));
        Assert.Contains(cifar.Layers, l => l is BatchNormalization);
        Assert.IsType<GlobalMaxPooling2D>(cifar.Layers.Single(l => l is GlobalMaxPooling2D));
        Assert.Equal([32, 32, 3], cifar.Layers[0].InputShape);

        // Keras 3.14 .keras: BatchNormalization with axis -1 after a convolution.
        Sequential keras3 = Sequential.Load(KerasCorpus.Numbered("078"));
        Assert.Equal(0.99f, keras3.Layers.OfType<BatchNormalization>().First().Momentum);
        Assert.Equal(4, keras3.Layers.OfType<BatchNormalization>().First().Parameters.Count);   // γ, β, mean, variance
    }

    /// <summary>
    /// Every setting of every image layer in a written convnet replaced by hostile values (zero, negative, huge,
    /// fractional, wrong types, lists of the wrong length): each file loads or fails with a format or support
    /// error, never another exception.
    /// </summary>
    [Fact]
    public void HostileImageLayerSettings_FailOnlyWithFormatOrSupportErrors()
    {
        string source = Path.Combine(KerasCorpus.RepositoryRoot, "tests", "LogitNet.Tests", "Serialization", "Keras", "Data", "written", "convnet.keras");
        using ZipArchive original = ZipFile.OpenRead(source);
        string configText = new StreamReader(original.GetEntry("config.json")!.Open()).ReadToEnd();
        byte[] weights = ReadAll(original.GetEntry("model.weights.h5")!);
        byte[] metadata = ReadAll(original.GetEntry("metadata.json")!);
        string[] hostile = ["0", "-1", "2147483647", "16777217", "2.5", "1e40", "null", "\"x\"", "true", "[]", "[0, 0]", "[3, 3, 3]", "[-2, 2]", "{}", "\"same\"", "\"causal\""];
        JsonArray layers = JsonNode.Parse(configText)!["config"]!["layers"]!.AsArray();
        int trials = 0, loaded = 0;
        string path = Path.Combine(_directory, "hostile.keras");
        for (int l = 0; l < layers.Count; l++)
        {
            string className = layers[l]!["class_name"]!.GetValue<string>();
            if (className is "InputLayer" or "Dense")
            {
                continue;
            }

            foreach (string key in layers[l]!["config"]!.AsObject().Select(p => p.Key).Where(k => k is not "name" and not "dtype").ToArray())
            {
                foreach (string value in hostile)
                {
                    JsonNode config = JsonNode.Parse(configText)!;
                    config["config"]!["layers"]![l]!["config"]![key] = JsonNode.Parse(value);
                    using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
                    {
                        foreach ((string entry, byte[] bytes) in new[] { ("metadata.json", metadata), ("config.json", Encoding.UTF8.GetBytes(config.ToJsonString())), ("model.weights.h5", weights) })
                        {
                            using Stream stream = zip.CreateEntry(entry).Open();
                            stream.Write(bytes);
                        }
                    }

                    try
                    {
                        Sequential.Load(path);
                        loaded++;
                    }
                    catch (Exception e) when (e is DataFormatException or NotSupportedException)
                    {
                    }
                    catch (Exception e)
                    {
                        Assert.Fail($"{className}.{key} = {value}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                    }

                    File.Delete(path);
                    trials++;
                }
            }
        }

        // What loads: settings only training reads (initializers, regularizers, constraints, trainable, which
        // Keras accepts in any form and LogitNet notes or ignores), null for Keras's default, and values Keras
        // also accepts (a huge stride, a positive epsilon); every other variant is refused.
        Assert.True(trials > 1000, $"only {trials} variants");
        Assert.True(trials - loaded > 400, $"{loaded} of {trials} hostile variants loaded");
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var buffer = new MemoryStream();
        entry.Open().CopyTo(buffer);
        return buffer.ToArray();
    }

    private string WriteLegacy(string name, string config, params (string Layer, string Weight, Parameter Value)[] weights)
    {
        string path = Path.Combine(_directory, name);
        var modelWeights = new H5Group();
        foreach (IGrouping<string, (string Layer, string Weight, Parameter Value)> layer in weights.GroupBy(w => w.Layer))
        {
            var group = new H5Group { Attributes = new() { ["weight_names"] = layer.Select(w => w.Weight).ToArray() } };
            var owner = new H5Group();
            foreach ((_, string weight, Parameter value) in layer)
            {
                owner[weight.Split('/')[1]] = new H5Dataset(value.Value.ToArray(), fileDims: value.Value.Shape.Select(d => (ulong)d).ToArray());
            }

            group[layer.Key] = owner;
            modelWeights[layer.Key] = group;
        }

        modelWeights.Attributes["layer_names"] = weights.Select(w => w.Layer).Distinct().ToArray();
        var file = new H5File { ["model_weights"] = modelWeights };
        file.Attributes["model_config"] = config;
        file.Attributes["keras_version"] = "2.15.0";
        file.Write(path);
        return path;
    }
}
