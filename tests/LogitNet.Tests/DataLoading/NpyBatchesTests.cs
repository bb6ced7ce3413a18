using System.IO.Compression;
using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

/// <summary>NpyBatches reads its headers with the same reader as Npy.Read, and refuses what it cannot map.</summary>
public sealed class NpyBatchesTests
{
    [Fact]
    public void Enumerate_InOrder_GivesTheRowsNpyWrote()
    {
        string xPath = Path.GetTempFileName(), yPath = Path.GetTempFileName();
        try
        {
            Tensor x = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => i * 0.5f).ToArray(), [5, 2]);
            Tensor y = Tensor.FromArray([0f, 1f, 2f, 3f, 4f], [5]);
            Npy.Write(xPath, x);
            Npy.Write(yPath, y);
            using var batches = new NpyBatches(xPath, yPath, batchSize: 3, shuffle: false);
            (Tensor X, Tensor Y)[] all = batches.Select(b => (b.X.Clone(), b.Y.Clone())).ToArray();

            Assert.Equal(2, all.Length);
            Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f, 2f, 2.5f }, all[0].X.AsSpan().ToArray());
            Assert.Equal(new[] { 3f, 3.5f, 4f, 4.5f }, all[1].X.AsSpan().ToArray());
            Assert.Equal(new[] { 3f, 4f }, all[1].Y.AsSpan().ToArray());
        }
        finally
        {
            File.Delete(xPath);
            File.Delete(yPath);
        }
    }

    [Fact]
    public void Open_GzipOrNotNpy_ThrowsNamingTheFileAndTheFix()
    {
        string plain = Path.GetTempFileName(), gzip = Path.GetTempFileName(), text = Path.GetTempFileName();
        try
        {
            Npy.Write(plain, Tensor.Ones([4, 3]));
            using (FileStream source = File.OpenRead(plain))
            using (var zipped = new GZipStream(File.Create(gzip), CompressionLevel.Fastest))
            {
                source.CopyTo(zipped);
            }

            File.WriteAllText(text, "1,2,3\n4,5,6\n");

            DataFormatException compressed = Assert.Throws<DataFormatException>(() => new NpyBatches(gzip, plain));
            Assert.Equal(gzip, compressed.FilePath);
            Assert.Contains("gunzip", compressed.Message);

            DataFormatException notNpy = Assert.Throws<DataFormatException>(() => new NpyBatches(plain, text));
            Assert.Equal(text, notNpy.FilePath);
            Assert.Equal("magic string", notNpy.Entry);
        }
        finally
        {
            File.Delete(plain);
            File.Delete(gzip);
            File.Delete(text);
        }
    }
}
