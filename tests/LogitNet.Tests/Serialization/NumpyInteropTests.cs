using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using LogitNet.Data;
using LogitNet.Layers;

namespace LogitNet.Tests.Serialization;

/// <summary>
/// LogitNet's files against numpy's view of them, from references made by
/// tools/numpy-interop/make_references.sh (numpy read a model file LogitNet wrote; np.save wrote an
/// array of special values), so the suite needs no Python. Loading must see what numpy saw, and writing
/// must give back the bytes numpy read.
/// </summary>
public sealed class NumpyInteropTests : IDisposable
{
    private static readonly string s_references = Path.Combine(AppContext.BaseDirectory, "Data", "interop");
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-numpy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Hash(Tensor t) => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(t.AsSpan())));

    private static int[] Shape(JsonElement seen) => seen.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void NpyWrite_IsNumpysSave_ByteForByte()
    {
        Tensor special = Tensor.FromArray([float.NaN, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 1.5f], 2, 3);
        string path = Path.Combine(_directory, "special.npy");
        Npy.Write(path, special);

        byte[] numpys = File.ReadAllBytes(Path.Combine(s_references, "special.npy"));
        Assert.Equal(numpys, File.ReadAllBytes(path));

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_references, "numpy_read.json")));
        Assert.Equal(Hash(special), document.RootElement.GetProperty("npy").GetProperty("sha256").GetString());
    }

    [Fact]
    public void SavedModel_LoadsAsNumpyReadIt_AndSavesBackTheBytesNumpyRead()
    {
        string reference = Path.Combine(s_references, "model.logitnet");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_references, "numpy_read.json")));
        JsonElement root = document.RootElement;
        Sequential model = Sequential.Load(reference);

        // The weights, the optimizer's moments (float32), its step count (int64) and the dropout
        // generator's state (uint64), each as numpy read the same file.
        foreach (Parameter parameter in model.Parameters)
        {
            JsonElement seen = root.GetProperty(parameter.Name);
            Assert.Equal(parameter.Value.Shape, Shape(seen));
            Assert.Equal(seen.GetProperty("sha256").GetString(), Hash(parameter.Value));
        }

        Assert.Equal(model.Parameters.Count + 2, root.EnumerateObject().Count());
        JsonElement state = root.GetProperty("training_state");
        foreach ((string slot, Tensor[] values) in model.Optimizer!.Slots)
        {
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                JsonElement seen = state.GetProperty($"optimizer/{model.Parameters[i].Name}/{slot}");
                Assert.Equal(model.Parameters[i].Value.Shape, Shape(seen));
                Assert.Equal(seen.GetProperty("sha256").GetString(), Hash(values[i]));
            }
        }

        Assert.Equal(
            state.GetProperty("optimizer/iterations").GetProperty("values").EnumerateArray().Select(e => e.GetString()),
            [model.Optimizer.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        int dropout = model.Layers.ToList().FindIndex(layer => layer is Dropout);
        Assert.Equal(
            state.GetProperty("layers/dropout/seed_generator_state").GetProperty("values").EnumerateArray().Select(e => e.GetString()),
            model.DropoutGeneratorState(dropout)!.Select(w => w.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(2 * model.Parameters.Count + 2, state.EnumerateObject().Count());

        // Saved again, the tensors are the bytes numpy read: the writer has not drifted from them.
        string resaved = Path.Combine(_directory, "resaved.logitnet");
        model.Save(resaved);
        foreach (string entry in (string[])["model.safetensors", "training_state.safetensors"])
        {
            Assert.True(Entry(reference, entry).SequenceEqual(Entry(resaved, entry)), $"{entry} differs from the reference numpy read");
        }
    }

    private static byte[] Entry(string zipPath, string name)
    {
        using ZipArchive archive = ZipFile.OpenRead(zipPath);
        using Stream stream = (archive.GetEntry(name) ?? throw new InvalidDataException($"{zipPath} has no {name}")).Open();
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }
}
