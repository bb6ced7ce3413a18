using FsCheck;
using FsCheck.Fluent;
using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

/// <summary>
/// Hostile-file tests across every loader: valid files are mutated (bit flips, byte overwrites,
/// truncation, insertion, deletion, extreme 32-bit sizes, format tokens) and loading must either succeed or
/// throw <see cref="DataFormatException"/>, and never allocate far beyond the file's size.
/// Two seeded runs: a property (FsCheck, shrinks a failure to a small mutation list) and a
/// stacking fuzz loop (mutants of mutants) with a fixed iteration count.
/// </summary>
public class LoaderMutationTests
{
    /// <summary>A valid file and the loader that reads it from a stream.</summary>
    public sealed record Sample(string Name, byte[] Bytes, Action<Stream> Load);

    private static readonly Sample[] s_corpus = BuildCorpus();

    private static Sample[] BuildCorpus()
    {
        byte[] npyF4 = File.ReadAllBytes(TestFiles.Fixture("f4_le.npy"));
        byte[] npyF8 = File.ReadAllBytes(TestFiles.Fixture("f8_be.npy"));
        byte[] npyV3 = File.ReadAllBytes(TestFiles.Fixture("v3.npy"));
        byte[] npyI8 = File.ReadAllBytes(TestFiles.Fixture("i8_le.npy"));
        byte[] pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 37)).ToArray();
        byte[] idxImages = TestFiles.Idx(0x08, [3, 4, 5], pixels);
        byte[] idxLabels = TestFiles.Idx(0x08, [3], [2, 0, 1]);
        byte[] idxF8 = TestFiles.Idx(0x0E, [2, 2], new byte[32]);
        byte[] csv = "x,y,\"label\"\n1.5,-2e3,cat\n0.25,NaN,\"dog\"\r\n3,4,cat\n"u8.ToArray();
        return
        [
            new("npy f4", npyF4, s => Npy.Read(s, "m.npy")),
            new("npy f8 big-endian", npyF8, s => Npy.Read(s, "m.npy")),
            new("npy v3", npyV3, s => Npy.Read(s, "m.npy")),
            new("npy i8", npyI8, s => Npy.Read(s, "m.npy")),
            new("npy gzip", TestFiles.Gzip(npyF4), s => Npy.Read(s, "m.npy.gz")),
            new("idx u8", idxImages, s => Idx.Read(s, "m.idx")),
            new("idx f8", idxF8, s => Idx.Read(s, "m.idx")),
            new("idx gzip", TestFiles.Gzip(idxImages), s => Idx.Read(s, "m.idx.gz")),
            new("idx dataset images", idxImages, s => ReadIdxDataset(s, new MemoryStream(idxLabels))),
            new("idx dataset labels", idxLabels, s => ReadIdxDataset(new MemoryStream(idxImages), s)),
            new("idx features u8", idxImages, s => ReadIdxFeatures(s, "m.idx")),
            new("idx features f8 gzip", TestFiles.Gzip(idxF8), s => ReadIdxFeatures(s, "m.idx.gz")),
            new("safetensors weights", SavedWeights(), ReadWeights),
            new("csv table", "1.5,-2e3,7\n0.25,NaN,\"8\"\r\n3,4,9\n"u8.ToArray(), s => Csv.Read(s, "m.csv")),
            new("csv dataset", csv, s => Csv.ReadDataset(new StreamReader(s), "m.csv", hasHeader: true, "label", 0, ',', Csv.DefaultMaxElements)),
        ];
    }

    private static void ReadIdxFeatures(Stream stream, string name)
    {
        using DataSource source = DataSource.Open(stream, name, leaveOpen: true);
        Idx.ReadFeatures(source, normalize: true, Idx.DefaultMaxElements);
    }

    /// <summary>The uncompressed weights entry of a saved model (a few layers, so headers, offsets and data all get mutated).</summary>
    private static byte[] SavedWeights()
    {
        var model = new Sequential(new LogitNet.Layers.Dense(3, LogitNet.Layers.Activation.Relu), new LogitNet.Layers.Dense(2, LogitNet.Layers.Activation.Linear));
        model.Build(2);
        using var stream = new MemoryStream();
        LogitNet.Serialization.SafeTensors.Write(stream, model.Parameters.Select(p => (p.Name, LogitNet.Serialization.SafeTensor.Float32(p.Value))).ToList());
        return stream.ToArray();
    }

    /// <summary>As Sequential.Load reads the entry: its length is the container's, the content a stream.</summary>
    private static void ReadWeights(Stream stream)
    {
        var content = new MemoryStream();
        stream.CopyTo(content);
        content.Position = 0;
        LogitNet.Serialization.SafeTensors.Read(content, content.Length, "m.logitnet", "model.safetensors");
    }

    private static void ReadIdxDataset(Stream images, Stream labels)
    {
        using DataSource imageSource = DataSource.Open(images, "images", leaveOpen: true);
        using DataSource labelSource = DataSource.Open(labels, "labels", leaveOpen: true);
        Idx.ReadDataset(imageSource, labelSource, normalize: true, classCount: null, Idx.DefaultMaxElements);
    }

    [Fact]
    public void Corpus_UnmutatedFiles_AllLoad()
    {
        // Guards the tests below: a corpus file that already fails would make them vacuous.
        foreach (Sample sample in s_corpus)
        {
            sample.Load(new MemoryStream(sample.Bytes));
            sample.Load(new NonSeekableStream(sample.Bytes));
        }
    }

    [Fact]
    public void Load_MutatedFiles_SucceedOrThrowDataFormatException_Property()
    {
        Arbitrary<int> which = Gen.Choose(0, s_corpus.Length - 1).ToArbitrary();
        Arbitrary<int[]> genes = ArbMap.Default.ArbFor<int[]>();
        Config config = Config.QuickThrowOnFailure
            .WithMaxTest(600)
            .WithReplay(new Replay(new Rnd(20261122UL), Microsoft.FSharp.Core.FSharpOption<int>.None));
        Check.One(config, Prop.ForAll(which, genes, (index, mutations) =>
        {
            Sample sample = s_corpus[index];
            byte[] mutant = Mutate(sample.Bytes, mutations);
            return LoadsSafely(sample, mutant, seekable: mutations.Length % 2 == 0) is null;
        }));
    }

    [Fact]
    public void Load_StackedRandomMutations_SucceedOrThrowDataFormatException_Fuzz()
    {
        // A fixed budget, so CI time is bounded: 4,000 mutants, each one to four mutations
        // applied to the previous mutant of the same file (restarting from the valid file every 8).
        var random = new System.Random(5);
        var failures = new List<string>();
        for (int round = 0; round < 4000 && failures.Count < 5; round++)
        {
            Sample sample = s_corpus[round % s_corpus.Length];
            byte[] mutant = sample.Bytes;
            for (int depth = 0; depth <= round / s_corpus.Length % 8; depth++)
            {
                int[] genes = new int[3 * random.Next(1, 5)];
                for (int i = 0; i < genes.Length; i++) genes[i] = random.Next();
                mutant = Mutate(mutant, genes);
            }

            string? failure = LoadsSafely(sample, mutant, seekable: random.Next(2) == 0);
            if (failure is not null) failures.Add(failure);
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Null when loading succeeded or failed cleanly; else a description of the crash.</summary>
    private static string? LoadsSafely(Sample sample, byte[] mutant, bool seekable)
    {
        Stream stream = seekable ? new MemoryStream(mutant) : new NonSeekableStream(mutant);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            sample.Load(stream);
        }
        catch (DataFormatException)
        {
        }
        catch (Exception e)
        {
            return $"{sample.Name} ({mutant.Length} bytes, seekable {seekable}) threw {e.GetType().Name}: {e.Message}\nbytes: {Convert.ToHexString(mutant)}\n{e.StackTrace}";
        }

        // Fixed costs (chunk buffers, gzip state, exception text) plus a generous factor of the
        // file's own size; a loader that trusted a header's claim would allocate gigabytes.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long budget = (16L << 20) + 64L * mutant.Length;
        return allocated <= budget ? null : $"{sample.Name} allocated {allocated} bytes for a {mutant.Length}-byte file: {Convert.ToHexString(mutant)}";
    }

    private static readonly byte[][] s_tokens = new[]
    {
        "'", "\"", "(", ")", ",", ":", "{", "}", "[", "True", "False", "L", "9999999999999", "2147483647", "-1",
        "'descr'", "'shape'", "'fortran_order'", "'<f8'", "'>i8'", "'|u1'", "'<c16'", "\n", "\r", "\r\n", ";", "e", "e-99999", "NaN", "1e39",
    }.Select(t => System.Text.Encoding.UTF8.GetBytes(t)).ToArray();

    /// <summary>Applies mutations encoded as (operation, position, value) triples of <paramref name="genes"/>.</summary>
    internal static byte[] Mutate(byte[] original, int[] genes)
    {
        var bytes = new List<byte>(original);
        for (int g = 0; g + 2 < genes.Length; g += 3)
        {
            int op = (genes[g] & int.MaxValue) % 9;
            int at = bytes.Count == 0 ? 0 : (genes[g + 1] & int.MaxValue) % bytes.Count;
            int value = genes[g + 2];
            switch (op)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << (value & 7));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)value;
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)value);
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + (value & 15)));
                    break;
                case 5 or 6:
                    // Extreme 32-bit sizes, big- or little-endian: where headers keep their lengths.
                    uint[] extremes = [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0, 0x00010000, 0x0FFFFFFF];
                    uint size = extremes[(value & int.MaxValue) % extremes.Length];
                    for (int k = 0; k < 4 && at + k < bytes.Count; k++)
                    {
                        int shift = op == 5 ? 24 - 8 * k : 8 * k;
                        bytes[at + k] = (byte)(size >> shift);
                    }

                    break;
                case 7 when bytes.Count > 0:
                    int length = Math.Min(bytes.Count - at, 1 + (value & 31));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 8:
                    // Tokens of the text formats (the .npy header's dict literal, CSV), so the
                    // parsers see near-valid syntax and not only random bytes.
                    bytes.InsertRange(at, s_tokens[(value & int.MaxValue) % s_tokens.Length]);
                    break;
            }
        }

        return bytes.ToArray();
    }
}
