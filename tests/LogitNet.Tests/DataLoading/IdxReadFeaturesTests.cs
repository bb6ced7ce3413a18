using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class IdxReadFeaturesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadFeatures_Uint8Images_GiveReadDatasetsFeaturesExactly(bool normalize)
    {
        using var dir = new TempDirectory();
        byte[] pixels = [0, 51, 102, 255, 1, 2, 3, 254, 7, 77, 177, 200];
        string images = dir.File("images-idx3-ubyte.gz", TestFiles.Gzip(TestFiles.Idx(0x08, [3, 2, 2], pixels)));
        string labels = dir.File("labels-idx1-ubyte", TestFiles.Idx(0x08, [3], [0, 1, 0]));

        Tensor features = Idx.ReadFeatures(images, normalize);

        Dataset dataset = Idx.ReadDataset(images, labels, normalize);
        Assert.Equal([3, 4], features.Shape);
        Assert.Equal(dataset.Features.Shape, features.Shape);
        Assert.Equal(dataset.Features.ToArray(), features.ToArray());
        float[] expected = pixels.Select(p => normalize ? p / 255f : p).ToArray();
        Assert.Equal(expected, features.ToArray());
    }

    [Theory]
    [InlineData((byte)0x09, new byte[] { 0xFF, 0x7F }, new[] { -1f, 127f })]
    [InlineData((byte)0x0B, new byte[] { 0x01, 0x00, 0x00, 0xFF }, new[] { 256f, 255f })]
    [InlineData((byte)0x0D, new byte[] { 0x43, 0x48, 0, 0, 0x3F, 0xC0, 0, 0 }, new[] { 200f, 1.5f })]
    public void ReadFeatures_OtherElementTypes_KeptAsStoredEvenWhenNormalizing(byte type, byte[] payload, float[] expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("samples.idx", TestFiles.Idx(type, [2, 1], payload));

        Tensor features = Idx.ReadFeatures(path, normalize: true);

        Assert.Equal([2, 1], features.Shape);
        Assert.Equal(expected, features.ToArray());
    }

    [Fact]
    public void ReadFeatures_OneAxis_GivesOneFeaturePerSample()
    {
        using var dir = new TempDirectory();
        string path = dir.File("values.idx", TestFiles.Idx(0x08, [3], [0, 255, 51]));

        Tensor features = Idx.ReadFeatures(path);

        Assert.Equal([3, 1], features.Shape);
        Assert.Equal([0f, 1f, 0.2f], features.ToArray());
    }

    [Fact]
    public void ReadFeatures_Scalar_ThrowsNamingTheFileAndHeader()
    {
        using var dir = new TempDirectory();
        string path = dir.File("scalar.idx", TestFiles.Idx(0x08, [], [9]));

        var e = Assert.Throws<DataFormatException>(() => Idx.ReadFeatures(path));

        Assert.Equal(path, e.FilePath);
        Assert.Equal("header", e.Entry);
        Assert.Equal(3, e.Offset);
        Assert.Contains("first axis counting", e.Message);
    }
}
