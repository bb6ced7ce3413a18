using System.IO.Compression;
using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class IdxWriteTests
{
    [Fact]
    public void Write_Stream_GivesTheMnistLayoutByteForByte()
    {
        var stream = new MemoryStream();
        Idx.Write(stream, Tensor.FromArray([0f, 1, 2, 253, 254, 255], 2, 3));

        // The same bytes the reader tests build by hand: 00 00 08 02, sizes big-endian, one byte per value.
        Assert.Equal(TestFiles.Idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]), stream.ToArray());
        Assert.Equal([0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03], stream.ToArray()[..12]);
    }

    [Theory]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 4, 3 })]
    [InlineData(new[] { 2, 1, 3, 2 })]
    [InlineData(new[] { 0, 28, 28 })]
    public void Write_EveryRank_RoundTripsThroughRead(int[] shape)
    {
        int length = shape.Aggregate(1, (a, b) => a * b);
        float[] values = Enumerable.Range(0, length).Select(i => (float)(i * 37 % 256)).ToArray();
        using var dir = new TempDirectory();
        string path = System.IO.Path.Combine(dir.Path, "data-ubyte");

        Idx.Write(path, Tensor.FromArray(values, shape));
        Tensor back = Idx.Read(path);

        Assert.Equal(shape, back.Shape);
        Assert.Equal(values, back.ToArray());
        Assert.Equal(4 + 4 * shape.Length + length, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData("labels-idx1-ubyte.gz")]
    [InlineData("LABELS.IDX.GZ")]
    public void Write_GzName_WritesGzipThatDecompressesToThePlainFile(string name)
    {
        Tensor labels = Tensor.FromArray([3f, 1, 4, 1, 5, 9, 2, 6], 8);
        using var dir = new TempDirectory();
        string gz = System.IO.Path.Combine(dir.Path, name);
        var plain = new MemoryStream();

        Idx.Write(gz, labels);
        Idx.Write(plain, labels);

        byte[] written = File.ReadAllBytes(gz);
        Assert.Equal([0x1F, 0x8B], written[..2]);
        using var inflated = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(written), CompressionMode.Decompress))
        {
            gzip.CopyTo(inflated);
        }

        Assert.Equal(plain.ToArray(), inflated.ToArray());
        Assert.Equal(labels.ToArray(), Idx.Read(gz).ToArray());
    }

    [Fact]
    public void Write_DigitsImagesAndLabels_ReadDatasetGivesTheSameDataset()
    {
        Dataset digits = Datasets.Digits(normalize: false);
        using var dir = new TempDirectory();
        string images = System.IO.Path.Combine(dir.Path, "digits-images-idx3-ubyte.gz");
        string labels = System.IO.Path.Combine(dir.Path, "digits-labels-idx1-ubyte");

        Idx.Write(images, digits.Features.Reshape(-1, 8, 8));
        Idx.Write(labels, digits.Labels);
        Dataset back = Idx.ReadDataset(images, labels, normalize: false);

        Assert.Equal([1797, 8, 8], Idx.Read(images).Shape);
        Assert.Equal(digits.Features.Shape, back.Features.Shape);
        Assert.Equal(digits.Features.ToArray(), back.Features.ToArray());
        Assert.Equal(digits.Labels.ToArray(), back.Labels.ToArray());
        Assert.Equal(10, back.ClassCount);
    }

    [Theory]
    [InlineData(-1f, "-1")]
    [InlineData(256f, "256")]
    [InlineData(12.5f, "12.5")]
    [InlineData(0.2f, "0.2")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void Write_ValueThatIsNotAByte_ThrowsNamingValueAndIndex_AndWritesNothing(float bad, string shown)
    {
        float[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        values[7] = bad;   // index [1, 0, 1] of [2, 2, 3]
        Tensor tensor = Tensor.FromArray(values, 2, 2, 3);
        using var dir = new TempDirectory();
        string path = System.IO.Path.Combine(dir.Path, "images.idx");
        var stream = new MemoryStream();

        var e = Assert.Throws<ArgumentException>(() => Idx.Write(path, tensor));
        Assert.Throws<ArgumentException>(() => Idx.Write(stream, tensor));

        Assert.Equal("tensor", e.ParamName);
        Assert.Contains($"received {shown} at [1, 0, 1] of a tensor of shape [2, 2, 3]", e.Message);
        Assert.Contains("whole numbers from 0 to 255", e.Message);
        Assert.Contains("multiply by 255 and round", e.Message);
        Assert.False(File.Exists(path), "a refused tensor left a file behind");
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Write_Scalar_ThrowsSayingHowToReshape()
    {
        var stream = new MemoryStream();
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(stream, Tensor.FromArray([5f])));
        Assert.Equal("tensor", e.ParamName);
        Assert.Contains("received a scalar", e.Message);
        Assert.Contains("Reshape it to [1]", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Write_NullOrEmptyArguments_Throw()
    {
        Tensor t = Tensor.FromArray([1f], 1);
        Assert.Equal("tensor", Assert.Throws<ArgumentNullException>(() => Idx.Write(new MemoryStream(), null!)).ParamName);
        Assert.Equal("tensor", Assert.Throws<ArgumentNullException>(() => Idx.Write("x.idx", null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => Idx.Write((Stream)null!, t)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => Idx.Write("", t)).ParamName);
    }
}
