using System.IO.Compression;
using LogitNet.Layers;
using PureHDF;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Keras files whose input leaves axes open (None), such as text models over sequences of any length:
/// refused without <see cref="LoadOptions.InputShape"/> (saying how to load them), loaded with it, and a
/// shape that contradicts the file refused naming both shapes. The corpus's file 030 is checked against
/// the numpy reference in <see cref="KerasCorpusTests"/>.
/// </summary>
public sealed class KerasOpenInputShapeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-open-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Embedding → Conv1D → global pooling → Dense: no weight depends on the sequence length.</summary>
    private static Sequential Text(int length) =>
        new(new Input(length), new Embedding(20, 4, name: "words"), new Conv1D(3, 2, name: "conv"), new GlobalAveragePooling1D(), new Dense(2, name: "out"))
        { Seed = 1, Log = TextWriter.Null };

    /// <summary>A .keras file of <see cref="Text"/> whose InputLayer says batch_shape [None, None], as Keras writes for Input(shape=(None,)).</summary>
    private string OpenText(out Sequential original)
    {
        original = Text(9);
        original.Build(9);
        return Edit(Save(original), c => c.Replace("\"batch_shape\":[null,9]", "\"batch_shape\":[null,null]"));
    }

    [Fact]
    public void OpenAxis_WithoutTheOption_IsRefused_NamingTheAxis_AndHowToLoadIt()
    {
        string path = OpenText(out _);
        var error = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
        Assert.Contains("input shape [None]", error.Message);
        Assert.Contains("leaves axis 0 open (None)", error.Message);
        Assert.Contains("Sequential.Load(path, new LoadOptions { InputShape = [100] })", error.Message);
        Assert.Contains("--input-shape 100", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void OpenAxis_IsFilledByTheOption_TheWeightsLoadUnchanged_AndLoadNotesSaySo()
    {
        string path = OpenText(out Sequential original);
        Sequential loaded = Sequential.Load(path, new LoadOptions { InputShape = [12] });
        Assert.Equal([12], loaded.Layers[0].InputShape);
        Assert.Contains(loaded.LoadNotes, n => n.Contains("[None]") && n.Contains("LoadOptions.InputShape [12]"));

        // The same weights in a model built in code for length 12 predict bitwise the same.
        Sequential expected = Text(12);
        expected.Build(12);
        for (int i = 0; i < expected.Parameters.Count; i++)
        {
            original.Parameters[i].Value.AsSpan().CopyTo(expected.Parameters[i].Value.AsSpan());
            Assert.Equal(original.Parameters[i].Value.ToArray(), loaded.Parameters[i].Value.ToArray());
        }

        var random = new Random(3);
        Tensor ids = Tensor.FromArray(Enumerable.Range(0, 4 * 12).Select(_ => (float)random.Next(20)).ToArray(), [4, 12]);
        Assert.Equal(expected.Predict(ids).ToArray(), loaded.Predict(ids).ToArray());
    }

    [Fact]
    public void GivenShape_ThatContradictsAKnownAxis_OrHasAnotherRank_IsAnArgumentException_NamingBothShapes()
    {
        var model = new Sequential(new Input(9, 4), new Conv1D(3, 2, name: "conv"), new GlobalMaxPooling1D(), new Dense(1)) { Seed = 2, Log = TextWriter.Null };
        model.Build(9, 4);
        string path = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,9,4]", "\"batch_shape\":[null,null,4]"));

        var contradicts = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [12, 5] }));
        Assert.Contains("[12, 5]", contradicts.Message);
        Assert.Contains("[None, 4]", contradicts.Message);
        Assert.Contains("axis 1", contradicts.Message);

        var rank = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [12] }));
        Assert.Contains("[12]", rank.Message);
        Assert.Contains("[None, 4]", rank.Message);

        var zero = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [0, 4] }));
        Assert.Contains("size 0 on axis 0", zero.Message);

        Assert.Contains("leaves axis 0 open", Assert.Throws<NotSupportedException>(() => Sequential.Load(path)).Message);
        Assert.Equal([12, 4], Sequential.Load(path, new LoadOptions { InputShape = [12, 4] }).Layers[0].InputShape);
    }

    [Fact]
    public void TwoOpenAxes_AreNamed_AndTheExampleKeepsTheKnownOne()
    {
        var model = new Sequential(new Input(5, 6, 2), new Conv2D(3, 2, name: "conv"), new GlobalAveragePooling2D(), new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        model.Build(5, 6, 2);
        string path = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,5,6,2]", "\"batch_shape\":[null,null,null,2]"));
        var error = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
        Assert.Contains("leaves axes 0 and 1 open (None)", error.Message);
        Assert.Contains("InputShape = [100, 100, 2]", error.Message);
        Assert.Contains("--input-shape 100,100,2", error.Message);
        Assert.Equal([7, 8, 2], Sequential.Load(path, new LoadOptions { InputShape = [7, 8, 2] }).Layers[0].InputShape);
    }

    [Fact]
    public void SizesTheWeightsDoNotFit_AreRefused_AsTheOptionsFault()
    {
        // Flatten before Dense: the Dense kernel's rows are length × features, so only the trained length fits.
        var model = new Sequential(new Input(9), new Embedding(20, 4, name: "words"), new Flatten(), new Dense(1, name: "out")) { Seed = 5, Log = TextWriter.Null };
        model.Build(9);
        string path = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,9]", "\"batch_shape\":[null,null]"));

        var misfit = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [8] }));
        Assert.Contains("LoadOptions.InputShape [8] does not fit the file's weights", misfit.Message);
        Assert.Contains("'out'", misfit.Message);
        Assert.IsType<LogitNet.Data.DataFormatException>(misfit.InnerException);

        Sequential trained = Sequential.Load(path, new LoadOptions { InputShape = [9] });
        Assert.Equal(model.Parameters.Select(p => p.Value.ToArray()), trained.Parameters.Select(p => p.Value.ToArray()));
    }

    [Fact]
    public void Keras2Hdf5_WithAnOpenLength_LoadsWithTheOption()
    {
        // tf.keras 2.x: Embedding(20, 4, input_length=None) over batch_input_shape [None, None], weights under Keras 2's names.
        var expected = new Sequential(new Input(5), new Embedding(20, 4), new GlobalAveragePooling1D(), new Dense(2)) { Seed = 6, Log = TextWriter.Null };
        expected.Build(5);
        IReadOnlyList<Parameter> ps = expected.Parameters;
        string config = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null], "dtype": "float32", "name": "in"}},
              {"class_name": "Embedding", "config": {"name": "embedding", "input_dim": 20, "output_dim": 4, "mask_zero": false, "input_length": null}},
              {"class_name": "GlobalAveragePooling1D", "config": {"name": "gap", "data_format": "channels_last"}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "linear", "use_bias": true}}]}}
            """;
        string path = Path.Combine(_directory, "text.h5");
        var modelWeights = new H5Group();
        foreach ((string layer, string[] names, Parameter[] values) in new[] { ("embedding", new[] { "embeddings:0" }, new[] { ps[0] }), ("dense", ["kernel:0", "bias:0"], [ps[1], ps[2]]) })
        {
            var owner = new H5Group();
            for (int i = 0; i < names.Length; i++)
            {
                owner[names[i]] = new H5Dataset(values[i].Value.ToArray(), fileDims: values[i].Value.Shape.Select(d => (ulong)d).ToArray());
            }

            modelWeights[layer] = new H5Group { Attributes = new() { ["weight_names"] = names.Select(n => $"{layer}/{n}").ToArray() }, [layer] = owner };
        }

        modelWeights.Attributes["layer_names"] = new[] { "embedding", "dense" };
        var file = new H5File { ["model_weights"] = modelWeights };
        file.Attributes["model_config"] = config;
        file.Attributes["keras_version"] = "2.15.0";
        file.Write(path);

        Assert.Contains("leaves axis 0 open (None)", Assert.Throws<NotSupportedException>(() => Sequential.Load(path)).Message);
        Sequential loaded = Sequential.Load(path, new LoadOptions { InputShape = [5] });
        Tensor ids = Tensor.FromArray([1, 2, 3, 4, 5, 19, 0, 0, 7, 7], [2, 5]);
        Assert.Equal(expected.Predict(ids).ToArray(), loaded.Predict(ids).ToArray());
    }

    [Fact]
    public void ALengthShorterThanAValidWindow_IsRefused_AsTheOptionsFault()
    {
        // Conv1D kernel 2 under "valid" needs 2 steps; the weights fit any length, the window does not.
        string path = OpenText(out _);
        var error = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [1] }));
        Assert.Contains("cannot be built for LoadOptions.InputShape [1]", error.Message);
        Assert.Contains("'conv'", error.Message);
        Assert.Equal([2], Sequential.Load(path, new LoadOptions { InputShape = [2] }).Layers[0].InputShape);
    }

    [Fact]
    public void ADepthwiseKernelLargerThanTheChosenSize_IsTheOptionsFault_AndOnAFixedInputTheFiles()
    {
        var model = new Sequential(new Input(5, 6, 2), new DepthwiseConv2D(3, name: "depthwise"), new GlobalAveragePooling2D(), new Dense(1))
            { Seed = 7, Log = TextWriter.Null };
        model.Build(5, 6, 2);
        string open = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,5,6,2]", "\"batch_shape\":[null,null,null,2]"));
        var options = Assert.Throws<ArgumentException>(() => Sequential.Load(open, new LoadOptions { InputShape = [2, 6, 2] }));
        Assert.Contains("cannot be built for LoadOptions.InputShape [2, 6, 2]", options.Message);
        Assert.Contains("'depthwise'", options.Message);

        string small = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,5,6,2]", "\"batch_shape\":[null,2,6,2]"));
        Assert.Contains("'depthwise'", Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(small)).Message);
        Assert.Equal([3, 6, 2], Sequential.Load(open, new LoadOptions { InputShape = [3, 6, 2] }).Layers[0].InputShape);
    }

    [Fact]
    public void AValidWindowLongerThanAFixedInput_IsTheFilesFault_AFormatError()
    {
        // The same refusal as above, but the file itself fixes the length at 1: no option to blame.
        Sequential model = Text(9);
        model.Build(9);
        string path = Edit(Save(model), c => c.Replace("\"batch_shape\":[null,9]", "\"batch_shape\":[null,1]"));
        var error = Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("'conv'", error.Message);
        Assert.Contains("leaves no output", error.Message);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void AWeightOfAnotherShape_InAFixedShapeFile_IsTheFilesFault_AFormatError()
    {
        // The config says 1 unit where the weights hold 2: fewer weights than present, so only the shape check can refuse it.
        Sequential model = Text(9);
        model.Build(9);
        string path = Edit(Save(model), c => c.Replace("\"units\":2", "\"units\":1"));
        var error = Assert.Throws<LogitNet.Data.DataFormatException>(() => Sequential.Load(path));
        Assert.Contains("'out'", error.Message);
        Assert.Contains("has shape [3, 2]; the architecture needs [3, 1]", error.Message);
    }

    [Fact]
    public void FilesWithAFixedShape_AreUnaffected_AndTakeOnlyTheirOwnShape()
    {
        Sequential model = Text(9);
        model.Build(9);
        string keras = Save(model);
        string logitnet = Path.Combine(_directory, "text.logitnet");
        model.Save(logitnet);
        var ids = Tensor.FromArray(Enumerable.Range(0, 18).Select(i => (float)(i % 20)).ToArray(), [2, 9]);
        float[] expected = model.Predict(ids).ToArray();

        foreach (string path in new[] { keras, logitnet })
        {
            Sequential plain = Sequential.Load(path);
            Assert.Equal(expected, plain.Predict(ids).ToArray());
            Assert.DoesNotContain(plain.LoadNotes, n => n.Contains("InputShape"));

            Sequential same = Sequential.Load(path, new LoadOptions { InputShape = [9] });
            Assert.Equal(expected, same.Predict(ids).ToArray());
            Assert.DoesNotContain(same.LoadNotes, n => n.Contains("InputShape"));

            var other = Assert.Throws<ArgumentException>(() => Sequential.Load(path, new LoadOptions { InputShape = [12] }));
            Assert.Contains("[12]", other.Message);
            Assert.Contains("[9]", other.Message);
        }
    }

    [Fact]
    public void ALoadedOpenModel_SavesWithTheShapeItWasGiven()
    {
        string path = OpenText(out _);
        Sequential loaded = Sequential.Load(path, new LoadOptions { InputShape = [12] });
        string saved = Path.Combine(_directory, "fixed.keras");
        loaded.Save(saved);
        Sequential again = Sequential.Load(saved);
        Assert.Equal([12], again.Layers[0].InputShape);
        Assert.DoesNotContain(again.LoadNotes, n => n.Contains("open"));
    }

    private string Save(Sequential model)
    {
        string path = Path.Combine(_directory, $"model{Guid.NewGuid():N}.keras");
        model.Save(path);
        return path;
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
