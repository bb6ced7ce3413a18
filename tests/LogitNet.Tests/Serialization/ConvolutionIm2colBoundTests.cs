using System.IO.Compression;
using System.Text.RegularExpressions;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Serialization;

namespace LogitNet.Tests.Serialization;

/// <summary>
/// LogitNet's own files bound a convolution's im2col matrix (<see cref="Im2colBound.MaxValues"/>, 2^28 values a
/// sample) as the Keras import does: a crafted file asking for gigabytes of it with a few weights is refused by
/// Load, naming the layer, before anything is allocated for it.
/// </summary>
public sealed class ConvolutionIm2colBoundTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-im2col-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Conv2D_ASmallKernelOverALargeInput_IsRefused_NamingTheLayer()
    {
        // 4096 × 4096 positions × 5·5·1 window values = 4.2e8 a sample (1.7 GB), from 25 weights.
        string path = Edited(new Sequential(new Input(8, 8, 1), new Conv2D(1, 5, padding: Padding.Same, useBias: false, name: "wide")),
            c => Sizes(Sizes(c, "shape", "4096, 4096, 1"), "input_shape", "4096, 4096, 1"));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("Conv2D layer 'wide' would need 16777216 × 25 values per sample for its im2col matrix", error.Message);
        Assert.Contains($"more than {Im2colBound.MaxValues}", error.Message);
    }

    [Fact]
    public void Conv2D_AKernelWhoseWindowOverflowsAnInt_IsRefused_NotAllocated()
    {
        // 65536 × 65536 window values wrap to 0 in an int, which also hid the kernel from the weight count: the file holds one weight.
        string path = Edited(new Sequential(new Input(2, 2, 1), new Conv2D(1, 1, padding: Padding.Same, useBias: false, name: "huge")),
            c => Sizes(c, "kernel_size", "65536, 65536"));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("Conv2D layer 'huge' would need 4 × 4294967296 values per sample", error.Message);
    }

    [Fact]
    public void Conv1D_ALongSequence_IsRefused_NamingTheLayer()
    {
        // 2^20 steps × 64·16 window values = 2^30 a sample, from 1,024 weights.
        string path = Edited(new Sequential(new Input(64, 16), new Conv1D(1, 64, padding: Padding.Causal, useBias: false, name: "long")),
            c => Sizes(Sizes(c, "shape", "1048576, 16"), "input_shape", "1048576, 16"));
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("Conv1D layer 'long' would need 1048576 × 1024 values per sample for its im2col matrix", error.Message);
    }

    [Fact]
    public void Convolutions_WithinTheBound_StillLoad()
    {
        // 4096 × 4096 positions × 3·3 window values = 1.5e8, under 2^28: a large model, not a hostile one.
        var images = new Sequential(new Input(4096, 4096, 1), new Conv2D(1, 3, padding: Padding.Same, useBias: false, name: "wide")) { Log = TextWriter.Null };
        images.Build(4096, 4096, 1);
        string path = Path.Combine(_directory, "images.logitnet");
        images.Save(path);
        Assert.Equal([4096, 4096, 1], Sequential.Load(path).Layers[^1].OutputShape);

        var text = new Sequential(new Input(1 << 20, 16), new Conv1D(1, 16, padding: Padding.Causal, useBias: false, name: "long")) { Log = TextWriter.Null };
        text.Build(1 << 20, 16);
        path = Path.Combine(_directory, "text.logitnet");
        text.Save(path);
        Assert.Equal([1 << 20, 1], Sequential.Load(path).Layers[^1].OutputShape);
    }

    /// <summary>Replaces the array under <paramref name="key"/> (written indented) with <paramref name="sizes"/>, requiring a change.</summary>
    private static string Sizes(string config, string key, string sizes)
    {
        string edited = Regex.Replace(config, $"\"{key}\": \\[[^\\]]*\\]", $"\"{key}\": [{sizes}]");
        Assert.NotEqual(config, edited);
        return edited;
    }

    /// <summary>Saves <paramref name="model"/> and writes a copy with its config.json edited, the weights unchanged.</summary>
    private string Edited(Sequential model, Func<string, string> edit)
    {
        model.Log = TextWriter.Null;
        string source = Path.Combine(_directory, $"model{Guid.NewGuid():N}.logitnet");
        model.Save(source);
        string target = Path.Combine(_directory, $"edited{Guid.NewGuid():N}.logitnet");
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
