using LogitNet.Kernels;

namespace LogitNet.Tests.Kernels;

public class Window2DTests
{
    [Theory]
    // TensorFlow's "same": out = ceil(in / stride), total padding split with the extra row at the bottom/right.
    [InlineData(5, 4, 1, 1, true, 5, 1, 2)]    // kernel 4 over 5: pad 3 = 1 top + 2 bottom
    [InlineData(3, 5, 1, 1, true, 3, 2, 2)]    // kernel larger than the input: pad 4 = 2 + 2
    [InlineData(2, 5, 1, 1, true, 2, 2, 2)]    // pad 4 = 2 + 2, windows mostly padding
    [InlineData(6, 3, 2, 1, true, 3, 0, 1)]    // even size, stride 2: pad 1, all of it at the bottom
    [InlineData(7, 3, 2, 1, true, 4, 1, 1)]
    [InlineData(7, 2, 3, 1, true, 3, 0, 1)]    // stride > kernel
    [InlineData(9, 3, 1, 2, true, 9, 2, 2)]    // dilation 2: span 5
    [InlineData(7, 3, 1, 1, false, 5, 0, 0)]
    [InlineData(7, 2, 3, 1, false, 2, 0, 0)]   // stride > kernel: windows at 0 and 3; 6 has no room
    [InlineData(9, 3, 1, 3, false, 3, 0, 0)]   // dilation 3: span 7
    public void Create_GivesKerasOutputSizeAndPadding(int size, int kernel, int stride, int dilation, bool same,
        int expectedOutput, int expectedBefore, int expectedAfter)
    {
        Window2D g = Window2D.Create(size, size, 1, kernel, kernel, stride, stride, dilation, dilation, same)!.Value;
        Assert.Equal(expectedOutput, g.OutputHeight);
        Assert.Equal(expectedOutput, g.OutputWidth);
        Assert.Equal(expectedBefore, g.PadTop);
        Assert.Equal(expectedBefore, g.PadLeft);
        Assert.Equal(expectedAfter, g.PadBottom);
        Assert.Equal(expectedAfter, g.PadRight);
    }

    [Fact]
    public void Create_Valid_WithTheKernelLargerThanTheInput_IsNull()
    {
        Assert.Null(Window2D.Create(3, 8, 1, 4, 2, 1, 1, 1, 1, false));
        Assert.Null(Window2D.Create(5, 5, 1, 3, 3, 1, 1, 3, 3, false));   // dilated span 7 > 5
    }

    [Theory]
    [InlineData(-2, 1, 3, 5, 2, 3)]
    [InlineData(3, 1, 3, 5, 0, 2)]
    [InlineData(-3, 2, 3, 4, 2, 3)]   // taps at -3, -1, 1: only the last is inside
    [InlineData(-4, 1, 3, 5, 3, 3)]   // no tap inside
    [InlineData(5, 1, 3, 5, 0, 0)]    // starts past the end
    public void InsideRange_ListsTheTapsInsideTheImage(int x0, int dilation, int kernel, int size, int first, int end)
    {
        (int First, int End) range = Convolution2D.InsideRange(x0, dilation, kernel, size);
        int expectedCount = Enumerable.Range(0, kernel).Count(k => x0 + k * dilation >= 0 && x0 + k * dilation < size);
        Assert.Equal(expectedCount, Math.Max(0, range.End - range.First));
        if (expectedCount > 0)
        {
            Assert.Equal((first, end), range);
        }
    }
}
