using System.IO.Compression;
using System.Text;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Serialization;

public sealed class ClassNamesSaveLoadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-names-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static Sequential Model(int outputUnits = 3, IReadOnlyList<string>? names = null)
    {
        var model = new Sequential(new Input(2), new Dense(4, Activation.Relu), new Dense(outputUnits)) { Log = TextWriter.Null, ClassNames = names };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        return model;
    }

    private static string Config(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>A copy of the saved <paramref name="path"/> whose config.json went through <paramref name="edit"/>.</summary>
    private string WithConfig(string path, Func<string, string> edit)
    {
        string crafted = PathOf($"crafted-{Guid.NewGuid():N}.logitnet");
        using ZipArchive source = ZipFile.OpenRead(path);
        using ZipArchive target = ZipFile.Open(crafted, ZipArchiveMode.Create);
        foreach (ZipArchiveEntry entry in source.Entries)
        {
            using var buffer = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(buffer);
            }

            byte[] content = entry.FullName == "config.json" ? Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(buffer.ToArray()))) : buffer.ToArray();
            using Stream written = target.CreateEntry(entry.FullName).Open();
            written.Write(content);
        }

        return crafted;
    }

    [Fact]
    public void SaveThenLoad_KeepsTheClassNames()
    {
        string[] names = ["setosa", "versi,color \"v\"", "virginica ✿"];
        string path = PathOf("iris.logitnet");

        Model(names: names).Save(path);
        Sequential loaded = Sequential.Load(path);

        Assert.Equal(names, loaded.ClassNames);
        Assert.Contains("\"class_names\": [", Config(path));
    }

    [Fact]
    public void SaveThenLoad_BinaryModel_KeepsItsTwoNames()
    {
        string path = PathOf("binary.logitnet");

        Model(outputUnits: 1, names: ["ham", "spam"]).Save(path);

        Assert.Equal(["ham", "spam"], Sequential.Load(path).ClassNames);
    }

    [Fact]
    public void ModelWithoutNames_SavesTheConfigAsBefore_AndLoadsWithNull()
    {
        string path = PathOf("plain.logitnet");

        Model().Save(path);

        // No key at all: the config is what LogitNet wrote before class names existed, so this is also
        // the "old file still loads" case.
        Assert.DoesNotContain("class_names", Config(path));
        Assert.Null(Sequential.Load(path).ClassNames);
        string explicitNull = WithConfig(path, c => c.Replace("\"layers\":", "\"class_names\": null,\n  \"layers\":"));
        Assert.Null(Sequential.Load(explicitNull).ClassNames);
    }

    [Theory]
    [InlineData("[\"a\", \"b\"]", "received 2 names for an output of 3 units; expected 3")]
    [InlineData("\"a,b,c\"", "'class_names' must be an array of strings (one name per class) or null; found String.")]
    [InlineData("[\"a\", 1, \"c\"]", "class name 1 must be a string; found Number.")]
    [InlineData("[\"a\", \"b\", \"a\"]", "classes 0 and 2 are both named 'a'")]
    [InlineData("[\"a\", \"\", \"c\"]", "the name of class 1 is empty")]
    public void Load_CraftedClassNames_NamesTheFault(string craftedNames, string expected)
    {
        string path = PathOf("names.logitnet");
        Model(names: ["a", "b", "c"]).Save(path);
        string crafted = WithConfig(path, c => c.Replace(
            "\"class_names\": [\n    \"a\",\n    \"b\",\n    \"c\"\n  ]", "\"class_names\": " + craftedNames));
        Assert.NotEqual(Config(path), Config(crafted));

        var e = Assert.Throws<DataFormatException>(() => Sequential.Load(crafted));

        Assert.Equal(crafted, e.FilePath);
        Assert.Equal("config.json: class_names", e.Entry);
        Assert.Contains(expected, e.Message);
    }
}
