using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Serialization;

public sealed class NumpyInteropTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-numpy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Hash(Tensor t) => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(t.AsSpan())));

    [Fact]
    public void SavedWeightsAndNpy_ReadByNumpy_AreBitForBitTheSame()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(10);
        var model = new Sequential(new Dense(9, Activation.Tanh), new Dropout(0.2f), new Dense(4)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, verbose: 0);
        string modelPath = Path.Combine(_directory, "model.logitnet");
        string npyPath = Path.Combine(_directory, "x.npy");
        model.Save(modelPath);
        Tensor special = Tensor.FromArray([float.NaN, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 1.5f], 2, 3);
        Npy.Write(npyPath, special);

        string interop = InteropPaths.Directory;
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { Path.Combine(interop, "read_with_numpy.py"), modelPath, npyPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"numpy could not read the files (is python3-numpy installed? tests/interop/install-peers.sh installs it): {error}");

        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement root = document.RootElement;
        foreach (Parameter parameter in model.Parameters)
        {
            JsonElement seen = root.GetProperty(parameter.Name);
            Assert.Equal(parameter.Value.Shape, seen.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            Assert.Equal(Hash(parameter.Value), seen.GetProperty("sha256").GetString());
        }

        Assert.Equal(model.Parameters.Count + 2, root.EnumerateObject().Count());

        // The optimizer state beside the weights: Adam's moments as float32, the step count as int64,
        // the dropout generator as uint64, all read by numpy from the same bytes.
        JsonElement state = root.GetProperty("training_state");
        foreach ((string slot, Tensor[] values) in model.Optimizer!.Slots)
        {
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                Parameter parameter = model.Parameters[i];
                JsonElement seen = state.GetProperty($"optimizer/{parameter.Name}/{slot}");
                Assert.Equal(parameter.Value.Shape, seen.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
                Assert.Equal(Hash(values[i]), seen.GetProperty("sha256").GetString());
            }
        }

        Assert.Equal([model.Optimizer.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)], state.GetProperty("optimizer/iterations").GetProperty("values").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            model.DropoutGeneratorState(1)!.Select(w => w.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            state.GetProperty("layers/dropout/seed_generator_state").GetProperty("values").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2 * model.Parameters.Count + 4, state.EnumerateObject().Count());   // slots, iterations, dropout, Fit's epoch count and shuffler
        Assert.Equal([2, 3], root.GetProperty("npy").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(Hash(special), root.GetProperty("npy").GetProperty("sha256").GetString());
    }
}
