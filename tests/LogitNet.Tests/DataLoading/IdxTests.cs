using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class IdxTests
{
    private static Tensor ReadBytes(byte[] bytes, long maxElements = Idx.DefaultMaxElements) =>
        Idx.Read(new MemoryStream(bytes), "test.idx", maxElements);

    [Fact]
    public void Read_Uint8Images_KeepsShapeAndRawValues()
    {
        byte[] file = TestFiles.Idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
        Tensor t = ReadBytes(file);
        Assert.Equal([2, 2, 3], t.Shape);
        Assert.Equal([0f, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255], t.ToArray());
    }

    [Fact]
    public void Read_GzipCompressed_DetectsByMagicAndMatchesPlain()
    {
        byte[] plain = TestFiles.Idx(0x08, [3], [7, 8, 9]);
        Assert.Equal([7f, 8, 9], ReadBytes(TestFiles.Gzip(plain)).ToArray());
        Assert.Equal([7f, 8, 9], Idx.Read(new NonSeekableStream(TestFiles.Gzip(plain))).ToArray());
    }

    [Fact]
    public void Read_BigEndianTypes_DecodeEachType()
    {
        Assert.Equal([-1f, 2], ReadBytes(TestFiles.Idx(0x09, [2], [0xFF, 0x02])).ToArray());
        Assert.Equal([-2f, 258], ReadBytes(TestFiles.Idx(0x0B, [2], [0xFF, 0xFE, 0x01, 0x02])).ToArray());
        Assert.Equal([16777217f], ReadBytes(TestFiles.Idx(0x0C, [1], [0x01, 0x00, 0x00, 0x01])).ToArray()); // rounds to nearest even
        Assert.Equal([1.5f], ReadBytes(TestFiles.Idx(0x0D, [1], [0x3F, 0xC0, 0x00, 0x00])).ToArray());
        Assert.Equal([0.1f], ReadBytes(TestFiles.Idx(0x0E, [1], BitConverter.GetBytes(0.1).Reverse().ToArray())).ToArray());
    }

    [Fact]
    public void Read_File_ReadsFromDisk()
    {
        using var dir = new TempDirectory();
        string path = dir.File("labels-idx1-ubyte.gz", TestFiles.Gzip(TestFiles.Idx(0x08, [4], [3, 1, 4, 1])));
        Assert.Equal([3f, 1, 4, 1], Idx.Read(path).ToArray());
    }

    [Fact]
    public void Read_NonSeekablePlainStream_ReadsAll()
    {
        byte[] payload = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Tensor t = Idx.Read(new NonSeekableStream(TestFiles.Idx(0x08, [10, 100], payload)));
        Assert.Equal(payload.Select(b => (float)b).ToArray(), t.ToArray());
    }

    [Fact]
    public void Read_Truncated_ThrowsWithOffset()
    {
        byte[] file = TestFiles.Idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(file[..^2]));
        Assert.Equal("test.idx", e.FilePath);
        Assert.Contains("truncated", e.Message);
        Assert.Equal(12, e.Offset);

        var header = Assert.Throws<DataFormatException>(() => ReadBytes(file[..6]));
        Assert.Equal("size of axis 0", header.Entry);
    }

    [Fact]
    public void Read_TruncatedGzip_ThrowsFormatError()
    {
        byte[] gz = TestFiles.Gzip(TestFiles.Idx(0x08, [100], new byte[100]));
        Assert.Throws<DataFormatException>(() => ReadBytes(gz[..^10]));
        Assert.Throws<DataFormatException>(() => ReadBytes(gz[..12]));
    }

    [Fact]
    public void Read_HugeClaimedSize_RefusedBeforeAllocation()
    {
        // 2^31-1 x 2^31-1 x 255 elements claimed by a 20-byte file.
        byte[] file = TestFiles.Idx(0x08, [int.MaxValue, int.MaxValue, 255], [1, 2, 3, 4]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(file));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the loader allocated for a size the file cannot back");
        Assert.Contains("larger than any array", e.Message);

        // A zero axis after huge ones: no tensor can hold the shape, so it is refused, not passed on.
        var zero = Assert.Throws<DataFormatException>(() => ReadBytes(TestFiles.Idx(0x08, [int.MaxValue, int.MaxValue, 0], [])));
        Assert.Equal("header", zero.Entry);

        // Within the element cap but far beyond the file's length.
        var shortFile = Assert.Throws<DataFormatException>(() => ReadBytes(TestFiles.Idx(0x0E, [100_000_000], [1, 2, 3])));
        Assert.Contains("only 3 bytes follow", shortFile.Message);
    }

    [Fact]
    public void Read_GzipClaimingMoreThanItHolds_AllocatesOnlyWhatArrives()
    {
        // 200 million float64 claimed (1.6 GB), 1,000 bytes delivered: the reader must fail
        // after reading, without having allocated for the claim.
        byte[] gz = TestFiles.Gzip(TestFiles.Idx(0x0E, [200_000_000], new byte[1000]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(gz));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "the loader allocated for the claim, not the content");
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Read_MaxElements_RefusesLargerFiles()
    {
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(TestFiles.Idx(0x08, [10], new byte[10]), maxElements: 9));
        Assert.Contains("maxElements", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadBytes(TestFiles.Idx(0x08, [1], [1]), maxElements: -1));
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x08, 0x01 }, "magic number", 0L)]
    [InlineData(new byte[] { 0x00, 0x00, 0x07, 0x01 }, "magic number", 2L)]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x05 }, "magic number", 3L)]
    public void Read_BadMagic_ThrowsNamingTheByte(byte[] magic, string entry, long offset)
    {
        byte[] file = [.. magic, 0, 0, 0, 1, 9];
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(file));
        Assert.Equal(entry, e.Entry);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Read_TrailingBytes_Throws()
    {
        var e = Assert.Throws<DataFormatException>(() => ReadBytes([.. TestFiles.Idx(0x08, [2], [1, 2]), 0]));
        Assert.Equal("trailer", e.Entry);
        Assert.Throws<DataFormatException>(() => ReadBytes(TestFiles.Gzip([.. TestFiles.Idx(0x08, [2], [1, 2]), 0])));
    }

    [Fact]
    public void Read_NegativeAxisSize_Throws()
    {
        byte[] file = TestFiles.Idx(0x08, [-1], []);
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(file));
        Assert.Equal("size of axis 0", e.Entry);
    }

    [Fact]
    public void ReadDataset_MnistStyleFiles_FlattensAndNormalizes()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images.gz", TestFiles.Gzip(TestFiles.Idx(0x08, [2, 2, 2], [0, 51, 102, 255, 0, 0, 0, 0])));
        string labels = dir.File("labels", TestFiles.Idx(0x08, [2], [9, 2]));
        Dataset d = Idx.ReadDataset(images, labels);
        Assert.Equal([2, 4], d.Features.Shape);
        Assert.Equal([0f, 0.2f, 0.4f, 1f, 0, 0, 0, 0], d.Features.ToArray());
        Assert.Equal([9f, 2], d.Labels.ToArray());
        Assert.Equal(10, d.ClassCount);

        Dataset raw = Idx.ReadDataset(images, labels, normalize: false, classCount: 12);
        Assert.Equal(255f, raw.Features[0, 3]);
        Assert.Equal(12, raw.ClassCount);
    }

    [Fact]
    public void ReadDataset_NoImages_KeepsTheRowLength()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images", TestFiles.Idx(0x08, [0, 28, 28], []));
        string labels = dir.File("labels", TestFiles.Idx(0x08, [0], []));
        Dataset d = Idx.ReadDataset(images, labels, classCount: 10);
        Assert.Equal([0, 784], d.Features.Shape);
        Assert.Equal(0, d.Count);
    }

    [Fact]
    public void ReadDataset_MismatchedCounts_ThrowsNamingLabelsFile()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images", TestFiles.Idx(0x08, [2, 1], [1, 2]));
        string labels = dir.File("labels", TestFiles.Idx(0x08, [3], [1, 2, 3]));
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadDataset(images, labels));
        Assert.Equal(labels, e.FilePath);
        Assert.Contains("belong together", e.Message);
    }

    [Fact]
    public void ReadDataset_LabelOutOfRange_Throws()
    {
        using var dir = new TempDirectory();
        string images = dir.File("images", TestFiles.Idx(0x08, [2, 1], [1, 2]));
        string labels = dir.File("labels", TestFiles.Idx(0x08, [2], [1, 7]));
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadDataset(images, labels, classCount: 5));
        Assert.Contains("label 1 is 7", e.Message);
        string fractional = dir.File("fractional", TestFiles.Idx(0x0D, [2], [0x3F, 0xC0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<DataFormatException>(() => Idx.ReadDataset(images, fractional));
    }
}
