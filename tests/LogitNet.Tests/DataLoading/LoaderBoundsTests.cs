using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

/// <summary>
/// Limits that must hold while data is read, not after: a small limit bounds memory however the
/// file is shaped, and sizes that no tensor can hold are format errors, not argument errors.
/// </summary>
public class LoaderBoundsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// One 50 MB line of commas: 50 million empty fields. With a limit of 100 numbers the reader must
    /// refuse it while splitting, not after holding every field (it allocated 2 GB before).
    /// </summary>
    [Fact]
    public void Csv_FiftyMegabyteLineOfCommas_WithMaxElements100_IsRefusedAllocatingUnder64MB()
    {
        byte[] commas = new byte[50 << 20];
        commas.AsSpan().Fill((byte)',');
        var stream = new MemoryStream(commas);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => Csv.Read(stream, "commas.csv", maxElements: 100));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"allocated {allocated:N0} bytes refusing a 50 MB line of commas with maxElements: 100");
        Assert.True(allocated < 64 << 20, $"allocated {allocated:N0} bytes refusing a line of commas with maxElements: 100");
        Assert.Contains("more than 101 fields", error.Message);
        Assert.Equal(1, error.Line);
    }

    /// <summary>The same line under the default limit allocates in proportion to what it reads, and one later long row is refused at the first row's width.</summary>
    [Fact]
    public void Csv_RowLongerThanTheFirst_IsRefusedAtTheFirstRowsWidth()
    {
        byte[] text = [.. "1,2,3\n4,5,6\n"u8, .. Enumerable.Repeat((byte)',', 20 << 20)];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => Csv.Read(new MemoryStream(text), "wide.csv"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes refusing one over-long row");
        Assert.Equal(3, error.Line);
        Assert.Equal(4, error.Column);
        Assert.Contains("expected 3, as on line 1", error.Message);
    }

    [Fact]
    public void Csv_TotalLimit_CountsNumbersAsRowsArrive()
    {
        string rows = string.Concat(Enumerable.Repeat("1,2,3,4\n", 100));
        var error = Assert.Throws<DataFormatException>(() => Csv.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(rows)), "t.csv", maxElements: 10));
        Assert.Equal(3, error.Line);
        Assert.Contains("more than 10 numbers", error.Message);
    }

    /// <summary>
    /// A zero axis beside huge ones holds no element, but a sample of it is 2^32 values: reading it as
    /// features (one flattened sample per row) overflowed int and ended in ArgumentException.
    /// </summary>
    [Theory]
    [InlineData(new[] { 0, 65536, 65536 })]
    [InlineData(new[] { 0, int.MaxValue, 2 })]
    public void IdxReadFeatures_ZeroAxisBesideHugeOnes_IsAFormatError(int[] dims)
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty-but-huge.idx", TestFiles.Idx(0x08, dims, []));
        var error = Assert.Throws<DataFormatException>(() => Idx.ReadFeatures(path));
        Assert.Equal(path, error.FilePath);
        Assert.Equal("header", error.Entry);
        Assert.Contains("larger than any array", error.Message);
    }

    [Fact]
    public void Npy_ZeroAxisBesideHugeOnes_IsAFormatError()
    {
        byte[] file = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 65536, 65536), }", []);
        var error = Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(file), "e.npy"));
        Assert.Contains("larger than any array", error.Message);
    }

    [Fact]
    public void IdxAndNpy_ZeroAxisBesideOrdinaryOnes_StillReadAsEmpty()
    {
        using var dir = new TempDirectory();
        Assert.Equal([0, 784], Idx.ReadFeatures(dir.File("none.idx", TestFiles.Idx(0x08, [0, 28, 28], []))).Shape);
        Assert.Equal([0, 28, 28], Idx.Read(new MemoryStream(TestFiles.Idx(0x08, [0, 28, 28], []))).Shape);
    }
}
