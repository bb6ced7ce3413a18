using System.Text.Json;
using LogitNet.Layers;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Issue 13's ReLU, LeakyReLU, Softmax, ZeroPadding2D and DepthwiseConv2D from a tf.keras-style legacy HDF5 file
/// (tools/keras_reference/make_misc_fixtures.py), against the independent numpy reference.
/// </summary>
public class KerasMiscLayersImportTests
{
    private static string DataPath(params string[] parts) =>
        Path.Combine([KerasCorpus.RepositoryRoot, "tests", "LogitNet.Tests", "Serialization", "Keras", "Data", .. parts]);

    [Fact]
    public void TfKerasFile_WithTheseLayers_LoadsTheirSettings_AndMatchesTheReference()
    {
        Sequential model = Sequential.Load(DataPath("misc", "misc_tfkeras.h5"));
        Assert.Equal((0, 1, 0, 1), ((ZeroPadding2D)model.GetLayer("pad")) is var p ? (p.Top, p.Bottom, p.Left, p.Right) : default);
        var dw = (DepthwiseConv2D)model.GetLayer("dw_same");
        Assert.Equal(((3, 3), (2, 2), Padding.Same, 2, true), (dw.KernelSize, dw.Strides, dw.Padding, dw.DepthMultiplier, dw.UseBias));
        var dilated = (DepthwiseConv2D)model.GetLayer("dw_dilated");
        Assert.Equal(((2, 2), Activation.Relu, false), (dilated.DilationRate, dilated.Activation, dilated.UseBias));
        Assert.Equal(6f, ((ReLU)model.GetLayer("relu6")).MaxValue);
        Assert.Equal(0.1f, ((LeakyReLU)model.GetLayer("leaky")).NegativeSlope);   // tf.keras's "alpha"
        Assert.IsType<Softmax>(model.GetLayer("probabilities"));

        using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(DataPath("misc_reference.json")));
        JsonElement entry = reference.RootElement.GetProperty("models").EnumerateArray().Single();
        Assert.Equal("loaded", entry.GetProperty("status").GetString());
        float[] input = entry.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        int[] shape = entry.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] expected = entry.GetProperty("output").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        float[] ours = model.Predict(Tensor.FromArray(input, [input.Length / shape.Aggregate(1, (a, d) => a * d), .. shape])).ToArray();
        Assert.Equal(expected.Length, ours.Length);
        for (int i = 0; i < ours.Length; i++)
        {
            Assert.True(Math.Abs(ours[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: {ours[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Regularizers_LoadFromKerasFiles_AndSaveToThem()
    {
        // tf.keras's class configs: the fixture's Dense has L2(0.01) (as float32 widened, 0.009999999776482582), dw_same L1L2(0.001, 0.002).
        Sequential tfKeras = Sequential.Load(DataPath("misc", "misc_tfkeras.h5"));
        var penalized = (Dense)tfKeras.GetLayer("logits");
        Assert.Equal((0f, 0.01f), (((LogitNet.Regularizers.L1L2)penalized.KernelRegularizer!).L1, ((LogitNet.Regularizers.L1L2)penalized.KernelRegularizer!).L2));
        Assert.Same(penalized.KernelRegularizer, penalized.Kernel.Regularizer);
        var depthwise = (DepthwiseConv2D)tfKeras.GetLayer("dw_same");
        Assert.Equal((0.001f, 0.002f), (((LogitNet.Regularizers.L1L2)depthwise.DepthwiseRegularizer!).L1, ((LogitNet.Regularizers.L1L2)depthwise.DepthwiseRegularizer!).L2));
        Assert.DoesNotContain(tfKeras.LoadNotes, n => n.Contains("regularizer"));

        var model = new Sequential(new Input(4), new Dense(3, name: "d", kernelRegularizer: LogitNet.Regularizers.Regularizers.L1L2(0.25f, 0.5f),
            biasRegularizer: LogitNet.Regularizers.Regularizers.L1(0.125f))) { Log = TextWriter.Null };
        string directory = Directory.CreateTempSubdirectory("logitnet-keras-reg-").FullName;
        try
        {
            string path = Path.Combine(directory, "reg.keras");
            model.Save(path);
            var loaded = (Dense)Sequential.Load(path).GetLayer("d");
            Assert.Equal((0.25f, 0.5f), (((LogitNet.Regularizers.L1L2)loaded.KernelRegularizer!).L1, ((LogitNet.Regularizers.L1L2)loaded.KernelRegularizer!).L2));
            Assert.Equal(0.125f, ((LogitNet.Regularizers.L1L2)loaded.BiasRegularizer!).L1);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
