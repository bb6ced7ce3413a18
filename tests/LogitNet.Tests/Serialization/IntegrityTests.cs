using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Serialization;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Serialization;

/// <summary>
/// Damage and crafted sizes in saved models: a flipped bit in the stored weights, an entry whose
/// content is rewritten with a valid checksum, and sizes in the zip directory that the file cannot back.
/// </summary>
public sealed class IntegrityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-integrity-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static Sequential Trained(out Tensor x)
    {
        (x, Tensor y) = SequentialTests.Blobs(10);
        var model = new Sequential(new Input(2), new Dense(8, Activation.Gelu), new Dropout(0.1f), new Dense(4, Activation.Softmax))
        {
            Seed = 4,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.01f));
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        return model;
    }

    /// <summary>Where an entry's stored bytes start and how many there are, read from its local file header.</summary>
    internal static (int Start, int Length) StoredBytes(byte[] zip, string entryName)
    {
        byte[] name = Encoding.UTF8.GetBytes(entryName);
        for (int at = 0; at + 30 < zip.Length; at++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) != 0x04034B50)
            {
                continue;
            }

            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 26));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            if (zip.AsSpan(at + 30, nameLength).SequenceEqual(name))
            {
                // The sizes may be in a data descriptor after the data; the central directory has them too.
                using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
                ZipArchiveEntry entry = archive.GetEntry(entryName)!;
                Assert.Equal(entry.Length, entry.CompressedLength); // stored, not deflated
                return (at + 30 + nameLength + extraLength, (int)entry.Length);
            }
        }

        throw new InvalidOperationException($"no local header for {entryName}");
    }

    [Fact]
    public void Load_WeightsWithOneFlippedBit_AreRefused_NamingFileAndEntry()
    {
        Sequential model = Trained(out _);
        string original = PathOf("model.logitnet");
        model.Save(original);
        byte[] bytes = File.ReadAllBytes(original);
        (int start, int length) = StoredBytes(bytes, "model.safetensors");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(start));
        int dataStart = start + 8 + (int)headerLength;

        var random = new Random(16);
        int loaded = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[dataStart + random.Next(start + length - dataStart)] ^= (byte)(1 << random.Next(8));
            string path = PathOf($"flipped-{trial}.logitnet");
            File.WriteAllBytes(path, damaged);
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (DataFormatException e)
            {
                Assert.Equal(path, e.FilePath);
                Assert.Equal("model.safetensors", e.Entry);
                Assert.Contains("CRC-32", e.Message);
            }
        }

        Assert.Equal(0, loaded);
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("training_state.safetensors")]
    public void Load_OtherEntryWithAFlippedBit_IsRefused(string entryName)
    {
        Sequential model = Trained(out _);
        string original = PathOf("model.logitnet");
        model.Save(original);
        byte[] bytes = File.ReadAllBytes(original);
        if (entryName == "config.json")
        {
            // Deflated: rewrite it stored, so a flipped bit changes the text rather than the compression.
            bytes = Restore(bytes, entryName, CompressionLevel.NoCompression);
        }

        (int start, int length) = StoredBytes(bytes, entryName);
        byte[] damaged = (byte[])bytes.Clone();

        // config.json: one space of its indentation becomes a tab (' ' ^ 0x29 = '\t'), still valid JSON that
        // loads the same, so only the checksum can tell. The training state: a bit of its last byte, inside
        // a tensor's data.
        bool text = entryName == "config.json";
        int at = text ? start + Encoding.UTF8.GetString(bytes, start, length).IndexOf("  ", StringComparison.Ordinal) : start + length - 1;
        damaged[at] ^= text ? (byte)0x29 : (byte)0x01;
        string path = PathOf("damaged.logitnet");
        File.WriteAllBytes(path, damaged);
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        Assert.Equal(entryName, error.Entry);
        Assert.Contains("CRC-32", error.Message);
    }

    /// <summary>Re-creates <paramref name="zip"/> with <paramref name="entryName"/> stored at the given level.</summary>
    private static byte[] Restore(byte[] zip, string entryName, CompressionLevel level)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using Stream from = entry.Open();
                using Stream to = target.CreateEntry(entry.FullName, entry.FullName == entryName ? level : CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
        }

        return output.ToArray();
    }

    [Fact]
    public void Crc32_MatchesTheStandardCheckValue_AndTheZipWriter()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        var random = new Random(3);
        foreach (int length in new[] { 1, 7, 8, 9, 63, 64, 65, 1000, 100_003 })
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            using var buffer = new MemoryStream();
            using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            using (Stream entry = zip.CreateEntry("x", CompressionLevel.NoCompression).Open())
            {
                entry.Write(data);
            }

            buffer.Position = 0;
            using var read = new ZipArchive(buffer, ZipArchiveMode.Read);
            uint expected = read.GetEntry("x")!.Crc32;

            // In one piece and in uneven pieces: the running value must not depend on how reads are cut.
            Assert.Equal(expected, Crc32.Compute(data));
            uint running = Crc32.Initial;
            for (int at = 0; at < length; at += 13)
            {
                running = Crc32.Append(running, data.AsSpan(at, Math.Min(13, length - at)));
            }

            Assert.Equal(expected, Crc32.Finish(running));
        }
    }

    /// <summary>
    /// The zip directory says how large the weights are; a crafted one that claims more than the file
    /// holds must not let the architecture through to allocation (a parameter count past int included).
    /// </summary>
    [Theory]
    [InlineData(65536, 65536)] // one kernel of 2^32 elements: more than an array holds
    [InlineData(16384, 16384)] // 2^28 elements, 1 GiB: an array could hold it, the file cannot back it
    public void Load_ArchitectureLargerThanTheFile_WithLyingZipSizes_IsRefusedBeforeAllocation(int features, int units)
    {
        var small = new Sequential(new Dense(3, Activation.Linear)) { Log = TextWriter.Null };
        small.Build(2);
        string path = PathOf("huge.logitnet");
        small.Save(path);
        byte[] bytes = RewriteEntry(path, "config.json",
            text => text.Replace("\"units\": 3", $"\"units\": {units}").Replace("[\n    2\n  ]", $"[\n    {features}\n  ]"));

        // Claim a weights entry of 2^40 bytes, compressed to 2^31: far beyond the file, as a crafted
        // directory may say (zip64 sizes, so the claim can pass 4 GiB).
        bytes = ClaimZip64Sizes(bytes, "model.safetensors", compressed: 1L << 31, uncompressed: 1L << 40);
        File.WriteAllBytes(path, bytes);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => Sequential.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"the loader allocated {allocated:N0} bytes for a {new FileInfo(path).Length}-byte file");
        Assert.Equal(path, error.FilePath);
    }

    /// <summary>
    /// Past the checksum: the weights entry's uncompressed bytes mutated (bit flips, overwrites, cuts,
    /// insertions, extreme sizes, JSON tokens) and the zip rewritten with a valid CRC, as a crafted file
    /// would be. Every one must load or fail with DataFormatException, within an allocation budget.
    /// </summary>
    [Fact]
    public void Load_WeightsEntryMutatedBehindAValidChecksum_FailsOnlyWithDataFormatException_WithinBudget()
    {
        Sequential model = Trained(out _);
        string original = PathOf("original.logitnet");
        model.Save(original);
        byte[] archive = File.ReadAllBytes(original);
        byte[] weights;
        using (var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read))
        using (Stream entry = zip.GetEntry("model.safetensors")!.Open())
        {
            var buffer = new MemoryStream();
            entry.CopyTo(buffer);
            weights = buffer.ToArray();
        }

        var random = new Random(1616);
        var failures = new List<string>();
        int loaded = 0;
        string path = PathOf("mutant.logitnet");
        for (int trial = 0; trial < 300 && failures.Count < 3; trial++)
        {
            int[] genes = new int[3 * random.Next(1, 4)];
            for (int i = 0; i < genes.Length; i++) genes[i] = random.Next();
            byte[] mutant = LogitNet.Tests.DataLoading.LoaderMutationTests.Mutate(weights, genes);
            File.WriteAllBytes(path, ReplaceEntry(archive, "model.safetensors", mutant));

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (DataFormatException)
            {
            }
            catch (Exception e)
            {
                failures.Add($"{e.GetType().Name}: {e.Message} (genes {string.Join(",", genes)})");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long budget = (16L << 20) + 64L * new FileInfo(path).Length;
            if (allocated > budget)
            {
                failures.Add($"allocated {allocated:N0} bytes for a {new FileInfo(path).Length}-byte file (genes {string.Join(",", genes)})");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(loaded < 300, "no mutant was refused: the mutations did not reach the parser");
    }

    /// <summary>The archive with one entry's content replaced (stored, with its CRC computed anew by the zip writer).</summary>
    private static byte[] ReplaceEntry(byte[] archive, string entryName, byte[] content)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using Stream to = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                if (entry.FullName == entryName)
                {
                    to.Write(content);
                }
                else
                {
                    using Stream from = entry.Open();
                    from.CopyTo(to);
                }
            }
        }

        return output.ToArray();
    }

    /// <summary>A kernel past int's range is refused by the config itself, whatever the archive's sizes say.</summary>
    [Fact]
    public void ModelConfig_KernelLargerThanAnArray_IsAFormatError_NamingTheLayer()
    {
        var small = new Sequential(new Dense(3, Activation.Linear)) { Log = TextWriter.Null };
        small.Build(2);
        string config = Encoding.UTF8.GetString(ModelConfig.Write(small))
            .Replace("\"units\": 3", "\"units\": 65536").Replace("[\n    2\n  ]", "[\n    65536\n  ]");
        var error = Assert.Throws<DataFormatException>(() => ModelConfig.Read(Encoding.UTF8.GetBytes(config), "m.logitnet"));
        Assert.Equal("config.json: layers[0].config", error.Entry);
        Assert.Contains("4,294,967,296", error.Message);
    }

    private byte[] RewriteEntry(string path, string entryName, Func<string, string> change)
    {
        byte[] bytes = File.ReadAllBytes(path);
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using var content = new MemoryStream();
                using (Stream from = entry.Open())
                {
                    from.CopyTo(content);
                }

                byte[] data = content.ToArray();
                if (entry.FullName == entryName)
                {
                    string before = Encoding.UTF8.GetString(data);
                    string after = change(before);
                    Assert.NotEqual(before, after);
                    data = Encoding.UTF8.GetBytes(after);
                }

                using Stream to = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                to.Write(data);
            }
        }

        return output.ToArray();
    }

    /// <summary>
    /// Rewrites the central-directory record of <paramref name="entryName"/> to claim the given sizes in a
    /// zip64 extra field (the 32-bit fields set to 0xFFFFFFFF), fixing the directory's size in its end record.
    /// </summary>
    private static byte[] ClaimZip64Sizes(byte[] zip, string entryName, long compressed, long uncompressed)
    {
        byte[] name = Encoding.UTF8.GetBytes(entryName);
        for (int at = 0; at + 46 < zip.Length; at++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) != 0x02014B50
                || !zip.AsSpan(at + 46, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28))).SequenceEqual(name))
            {
                continue;
            }

            Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30))); // no extra field yet
            byte[] extra = new byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), 16);
            BinaryPrimitives.WriteInt64LittleEndian(extra.AsSpan(4), uncompressed);
            BinaryPrimitives.WriteInt64LittleEndian(extra.AsSpan(12), compressed);
            int insertAt = at + 46 + name.Length;
            byte[] result = [.. zip.AsSpan(0, insertAt), .. extra, .. zip.AsSpan(insertAt)];
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(at + 20), uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(at + 24), uint.MaxValue);
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(at + 30), (ushort)extra.Length);
            int end = result.Length - 22;
            Assert.Equal(0x06054B50u, BinaryPrimitives.ReadUInt32LittleEndian(result.AsSpan(end)));
            uint directorySize = BinaryPrimitives.ReadUInt32LittleEndian(result.AsSpan(end + 12));
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(end + 12), directorySize + (uint)extra.Length);
            return result;
        }

        throw new InvalidOperationException($"no directory record for {entryName}");
    }
}
