using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class DataFormatExceptionTests
{
    [Fact]
    public void Constructor_WithLocation_PrefixesMessageAndKeepsProperties()
    {
        var inner = new InvalidDataException("bad block");
        var e = new DataFormatException("the data is truncated.", "x.npy", "data", 128, innerException: inner);
        Assert.Equal("x.npy, data, byte 128: the data is truncated.", e.Message);
        Assert.Equal("x.npy", e.FilePath);
        Assert.Equal("data", e.Entry);
        Assert.Equal(128, e.Offset);
        Assert.Null(e.Line);
        Assert.Same(inner, e.InnerException);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Constructor_TextLocation_NamesLineAndColumn()
    {
        var e = new DataFormatException("bad number.", "a.csv", line: 3, column: 2);
        Assert.Equal("a.csv, line 3, column 2: bad number.", e.Message);
        Assert.Equal("bad number.", new DataFormatException("bad number.").Message);
    }
}
