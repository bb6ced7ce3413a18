using System.IO.Compression;
using LogitNet.Layers;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>What the Keras mapping of the sequence layers refuses, and why (the corpus's files test what it loads).</summary>
public sealed class KerasSequenceImportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-seq-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteText()
    {
        var model = new Sequential(new Input(9), new Embedding(20, 4, name: "words"), new Conv1D(3, 2, name: "conv"),
            new GlobalAveragePooling1D(), new Dense(1)) { Seed = 1, Log = TextWriter.Null };
        model.Build(9);
        string path = Path.Combine(_directory, $"text{Guid.NewGuid():N}.keras");
        model.Save(path);
        return path;
    }

    [Fact]
    public void MaskZero_IsRefused_SayingWhy()
    {
        string path = Edit(WriteText(), c => c.Replace("\"mask_zero\":false", "\"mask_zero\":true"));
        var error = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
        Assert.Contains("'words'", error.Message);
        Assert.Contains("mask_zero=True", error.Message);
        Assert.Contains("masks", error.Message);
    }

    [Fact]
    public void ChannelsFirst_AndGroups_AreRefused_NamingTheLayer()
    {
        string first = Edit(WriteText(), c => c.Replace("\"data_format\":\"channels_last\",\"dilation_rate\"", "\"data_format\":\"channels_first\",\"dilation_rate\""));
        Assert.Contains("Conv1D layer 'conv' has data_format \"channels_first\"", Assert.Throws<NotSupportedException>(() => Sequential.Load(first)).Message);
        string grouped = Edit(WriteText(), c => c.Replace("\"groups\":1", "\"groups\":3"));
        Assert.Contains("grouped convolution", Assert.Throws<NotSupportedException>(() => Sequential.Load(grouped)).Message);
    }

    [Theory]
    [InlineData("\"channels_first\"")]
    [InlineData("\"NWC\"")]
    [InlineData("1")]
    public void ADataFormatOtherThanChannelsLast_IsRefused_SayingWhatTheLayerTakes(string format)
    {
        // The sequence layers once refused only "channels_first" and loaded any other value as channels last.
        string conv = Edit(WriteText(), c => c.Replace("\"data_format\":\"channels_last\",\"dilation_rate\"", $"\"data_format\":{format},\"dilation_rate\""));
        Assert.Contains($"Conv1D layer 'conv' has data_format {format}; LogitNet's Conv1D takes channels-last sequences [steps, channels] only",
            Assert.Throws<NotSupportedException>(() => Sequential.Load(conv)).Message);
        string pooling = Edit(WriteText(), c => c.Replace("\"data_format\":\"channels_last\",\"keepdims\"", $"\"data_format\":{format},\"keepdims\""));
        Assert.Contains("GlobalAveragePooling1D layer '", Assert.Throws<NotSupportedException>(() => Sequential.Load(pooling)).Message);
    }

    [Fact]
    public void ANullDataFormat_MeansChannelsLast_AsInKeras()
    {
        string original = WriteText();
        string path = Edit(original, c => c.Replace("\"data_format\":\"channels_last\"", "\"data_format\":null"));
        Tensor ids = Tensor.FromArray(Enumerable.Range(0, 18).Select(i => (float)(i % 20)).ToArray(), [2, 9]);
        Assert.Equal(Sequential.Load(original).Predict(ids).ToArray(), Sequential.Load(path).Predict(ids).ToArray());
    }

    [Fact]
    public void CausalPadding_AndIntegerSizes_Load()
    {
        // Keras accepts kernel_size as an int or a one-element list, and padding in any case.
        string path = Edit(WriteText(), c => c.Replace("\"kernel_size\":[2]", "\"kernel_size\":2").Replace("\"padding\":\"valid\"", "\"padding\":\"CAUSAL\""));
        Sequential model = Sequential.Load(path);
        var conv = (Conv1D)model.GetLayer("conv");
        Assert.Equal((2, Padding.Causal), (conv.KernelSize, conv.Padding));
        Assert.Equal([9, 3], conv.OutputShape);
    }

    /// <summary>A copy of a .keras file with its config.json edited (the weights unchanged).</summary>
    private string Edit(string source, Func<string, string> edit)
    {
        string target = Path.Combine(_directory, $"edited{Guid.NewGuid():N}.keras");
        File.Copy(source, target);
        using ZipArchive zip = ZipFile.Open(target, ZipArchiveMode.Update);
        ZipArchiveEntry entry = zip.GetEntry("config.json")!;
        string config;
        using (var reader = new StreamReader(entry.Open()))
        {
            config = reader.ReadToEnd();
        }

        string edited = edit(config);
        Assert.NotEqual(config, edited);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
        writer.Write(edited);
        return target;
    }
}
