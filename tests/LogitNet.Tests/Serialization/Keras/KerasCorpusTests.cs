using LogitNet.Data;
using Xunit.Abstractions;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Every file of the shared Keras corpus either loads and predicts within 1e-4 of the independent
/// numpy reference, or is refused with <see cref="NotSupportedException"/> naming its first
/// unsupported layer's Keras class and name. None crashes.
/// </summary>
public sealed class KerasCorpusTests(ITestOutputHelper output)
{
    /// <summary>Absolute below 1, relative above: float32 weights and sums of a few hundred products carry about 1e-6 relative error.</summary>
    private const double Tolerance = 1e-4;

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in KerasCorpus.Models.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void CorpusFile_LoadsAndMatchesTheReference_OrIsRefusedByName(string file)
    {
        ReferenceModel reference = KerasCorpus.Models[file];
        string path = KerasCorpus.PathOf(file);
        if (reference.Status == "loaded")
        {
            double error = MaxError(path, reference);
            Assert.True(error <= Tolerance, $"{file}: largest scaled difference from the reference {error:G3}");
            if (reference.DeclaredInputShape is not null)
            {
                // The model takes sequences of any length (an Embedding over [None]): without the option it is
                // refused, saying how to load it.
                var refusal = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
                Assert.Contains("open (None)", refusal.Message);
                Assert.Contains("LoadOptions { InputShape = [", refusal.Message);
            }
        }
        else if (reference.Reason == "unknown_input_shape")
        {
            // Every layer is supported, but the file declares no input shape at all.
            var refusal = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
            Assert.Contains("input shape", refusal.Message);
        }
        else
        {
            var refusal = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
            Assert.Contains($"Keras {reference.KerasClass}", refusal.Message);
            Assert.Contains($"'{reference.LayerName}'", refusal.Message);
        }
    }

    [Fact]
    public void Corpus_Tally_LoadsAtLeast106Files_AndRefusesTheRestByReason()
    {
        int loaded = 0, within = 0;
        double worst = 0;
        var refused = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach ((string file, ReferenceModel reference) in KerasCorpus.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            try
            {
                double error = MaxError(KerasCorpus.PathOf(file), reference);
                loaded++;
                within += error <= Tolerance ? 1 : 0;
                worst = Math.Max(worst, error);
            }
            catch (NotSupportedException e)
            {
                string reason = e.Message.Split(", which")[0];
                string key = reference.KerasClass is { } kerasClass && e.Message.Contains($"Keras {kerasClass}") ? $"unsupported layer {kerasClass}" : reason;
                refused[key] = refused.GetValueOrDefault(key) + 1;
            }
        }

        output.WriteLine($"{KerasCorpus.Models.Count} files: {loaded} loaded, {within} within {Tolerance} of the reference (largest difference {worst:G3}); refused:");
        foreach ((string reason, int count) in refused)
        {
            output.WriteLine($"  {count,3} {reason}");
        }

        Assert.True(loaded >= 106, $"only {loaded} corpus files loaded");
        Assert.Equal(loaded, within);
        Assert.Equal(KerasCorpus.Models.Values.Count(m => m.Status == "loaded"), loaded);
    }

    /// <summary>Loads the file, predicts the reference's inputs, and returns the largest |ours − reference| / max(1, |reference|).</summary>
    private static double MaxError(string path, ReferenceModel reference)
    {
        Sequential model = Sequential.Load(path, reference.Options);
        model.Log = TextWriter.Null;
        int samples = reference.Input!.Length / reference.InputShape!.Aggregate(1, (p, d) => p * d);
        Tensor x = Tensor.FromArray(reference.Input, [samples, .. reference.InputShape!]);
        Tensor y = model.Predict(x);
        Assert.Equal(reference.OutputShape!, y.Shape);
        float[] ours = y.ToArray();
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double expected = reference.Output![i];
            worst = Math.Max(worst, Math.Abs(ours[i] - expected) / Math.Max(1, Math.Abs(expected)));
        }

        return worst;
    }
}
