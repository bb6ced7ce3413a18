using LogitNet.Cli.Training;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>--input-shape</c>'s one parser, which train and the model-reading commands share: every form either
/// accepted before (commas everywhere; x and X on train) is accepted by all of them, and a bad text is a
/// usage error that quotes it and shows the forms. Train's own limit of 3 axes is in <see cref="ConvLayersTests"/>.
/// </summary>
public sealed class InputShapeArgumentTests
{
    [Theory]
    [InlineData("250", new[] { 250 })]
    [InlineData("100,8", new[] { 100, 8 })]
    [InlineData("28x28x1", new[] { 28, 28, 1 })]
    [InlineData("28X28x1", new[] { 28, 28, 1 })]
    [InlineData("28,28,1", new[] { 28, 28, 1 })]
    [InlineData("28x28,1", new[] { 28, 28, 1 })]
    [InlineData(" 28 x 28 , 1 ", new[] { 28, 28, 1 })]
    [InlineData("1,2,3,4", new[] { 1, 2, 3, 4 })]
    [InlineData("2147483647", new[] { int.MaxValue })]
    public void Sizes_AcceptsCommasAndX_AndParseGivesThemAsLoadOptions(string text, int[] expected)
    {
        Assert.Equal(expected, InputShapeArgument.Sizes(text));
        Assert.Equal(expected, InputShapeArgument.Parse(text)!.InputShape);
    }

    [Fact]
    public void AnAbsentOption_IsNull()
    {
        Assert.Null(InputShapeArgument.Sizes(null));
        Assert.Null(InputShapeArgument.Parse(null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("+3")]
    [InlineData("64x")]
    [InlineData("x64")]
    [InlineData("64,,8")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("2147483648")]
    [InlineData("28*28")]
    [InlineData("(28, 28)")]
    public void ABadText_IsAUsageError_QuotingItAndShowingTheForms(string text)
    {
        var error = Assert.Throws<UsageException>(() => InputShapeArgument.Sizes(text));
        Assert.Equal(
            $"--input-shape '{text}': expected the shape of one sample (without the batch axis) as whole sizes of at least 1 separated by commas or x, such as 250, 100,8 or 28x28x1",
            error.Message);
        Assert.Throws<UsageException>(() => InputShapeArgument.Parse(text));
    }
}
