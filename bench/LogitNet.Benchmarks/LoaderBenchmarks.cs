using System.Globalization;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using LogitNet;
using LogitNet.Data;

namespace LogitNet.Benchmarks;

/// <summary>
/// Loading a full MNIST-sized training set, 60,000 × 784, from the formats users bring: .npy
/// (float32 and uint8) and IDX (plain and gzip, as the MNIST distribution ships it), plus CSV at
/// 10,000 rows for scale. The files are real MNIST pixels (the embedded 7,996 training images,
/// tiled to 60,000 rows) written to a temp folder in the set-up, so gzip sees realistic data.
/// Target: well under a second for .npy and IDX. Peer: numpy (see bench/results/loaders.md).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class LoaderBenchmarks
{
    private const int Rows = 60_000, Columns = 784, CsvRows = 10_000;
    private string _folder = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "logitnet-loader-bench-" + Environment.ProcessId);
        WriteFiles(_folder);
    }

    /// <summary>
    /// Writes the benchmark's files into <paramref name="folder"/>: <c>x_f32.npy</c>, <c>x_u8.npy</c>,
    /// <c>x.idx</c>, <c>x.idx.gz</c> (60,000 × 784 real MNIST pixels) and <c>x.csv</c> (10,000 rows).
    /// Shared with the fresh-process harness (<see cref="LoaderColdStart"/>).
    /// </summary>
    public static void WriteFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        float[] mnist = Datasets.Mnist().Train.Features.ToArray();
        float[] pixels = new float[Rows * Columns];
        for (int i = 0; i < pixels.Length; i += mnist.Length) mnist.AsSpan(0, Math.Min(mnist.Length, pixels.Length - i)).CopyTo(pixels.AsSpan(i));
        byte[] bytes = Array.ConvertAll(pixels, p => (byte)MathF.Round(p * 255));

        Npy.Write(Path.Combine(folder, "x_f32.npy"), Tensor.FromArray(pixels, Rows, Columns));
        WriteNpyUInt8(Path.Combine(folder, "x_u8.npy"), bytes);
        byte[] idx = IdxFile(bytes);
        File.WriteAllBytes(Path.Combine(folder, "x.idx"), idx);
        using (var file = File.Create(Path.Combine(folder, "x.idx.gz")))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            gzip.Write(idx);
        }

        var csv = new StringBuilder();
        for (int r = 0; r < CsvRows; r++)
        {
            for (int c = 0; c < Columns; c++) csv.Append(bytes[r * Columns + c].ToString(CultureInfo.InvariantCulture)).Append(',');
            csv.Append(r % 10).Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, "x.csv"), csv.ToString());
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Description = "Npy.Read float32 60000x784 (188 MB)")]
    public Tensor NpyFloat32() => Npy.Read(Path.Combine(_folder, "x_f32.npy"));

    [Benchmark(Description = "Npy.Read uint8 60000x784 (47 MB)")]
    public Tensor NpyUInt8() => Npy.Read(Path.Combine(_folder, "x_u8.npy"));

    [Benchmark(Description = "Idx.Read uint8 60000x784 (47 MB)")]
    public Tensor IdxPlain() => Idx.Read(Path.Combine(_folder, "x.idx"));

    [Benchmark(Description = "Idx.Read gzip 60000x784")]
    public Tensor IdxGzip() => Idx.Read(Path.Combine(_folder, "x.idx.gz"));

    [Benchmark(Description = "Csv.ReadDataset 10000x785")]
    public Dataset CsvDataset() => Csv.ReadDataset(Path.Combine(_folder, "x.csv"), labelColumn: -1);

    private static void WriteNpyUInt8(string path, byte[] values)
    {
        string dict = $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({Rows}, {Columns}), }}";
        int unpadded = 10 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(values);
    }

    private static byte[] IdxFile(byte[] values)
    {
        byte[] idx = new byte[12 + values.Length];
        idx[2] = 0x08;
        idx[3] = 2;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(idx.AsSpan(4), Rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(idx.AsSpan(8), Columns);
        values.CopyTo(idx, 12);
        return idx;
    }
}
