using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class DatasetTests
{
    private static Dataset Numbered(int count, int classes = 3)
    {
        float[] features = new float[count * 2];
        float[] labels = new float[count];
        for (int i = 0; i < count; i++)
        {
            features[2 * i] = i;
            features[2 * i + 1] = -i;
            labels[i] = i % classes;
        }

        return new Dataset(Tensor.FromArray(features, count, 2), Tensor.FromArray(labels, count), classes);
    }

    [Fact]
    public void Constructor_ValidInput_ExposesShapesAndDefaultNames()
    {
        Dataset d = Numbered(5);
        Assert.Equal(5, d.Count);
        Assert.Equal(3, d.ClassCount);
        Assert.Equal(["0", "1", "2"], d.ClassNames);
    }

    [Fact]
    public void Constructor_BadInput_ThrowsNamingTheArgument()
    {
        Tensor x = Tensor.Zeros(2, 3);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.Zeros(3), 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.Zeros(2, 1), 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.FromArray([0f, 2f], 2), 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.FromArray([0f, 0.5f], 2), 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.FromArray([0f, float.NaN], 2), 2)).ParamName);
        Assert.Equal("classNames", Assert.Throws<ArgumentException>(() => new Dataset(x, Tensor.Zeros(2), 2, ["a"])).ParamName);
        Assert.Equal("classCount", Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(x, Tensor.Zeros(2), 0)).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => new Dataset(Tensor.Scalar(1f), Tensor.Zeros(1), 1)).ParamName);
    }

    [Fact]
    public void Split_Fraction_PartitionsAllSamplesWithCeilingTestCount()
    {
        Dataset d = Numbered(10);
        var (train, test) = d.Split(0.25, seed: 7);
        Assert.Equal(7, train.Count);
        Assert.Equal(3, test.Count);
        float[] seen = [.. train.Features.ToArray().Where((_, i) => i % 2 == 0), .. test.Features.ToArray().Where((_, i) => i % 2 == 0)];
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), seen.Order());
        // Rows stay whole: the label and both features still belong together.
        for (int i = 0; i < train.Count; i++)
        {
            Assert.Equal(-train.Features[i, 0], train.Features[i, 1]);
            Assert.Equal(train.Features[i, 0] % 3, train.Labels[i]);
        }
    }

    [Fact]
    public void Split_SameSeed_SameSplit_OtherSeed_Differs()
    {
        Dataset d = Numbered(50);
        Assert.Equal(d.Split(0.2, 1).Test.Labels.ToArray(), d.Split(0.2, 1).Test.Labels.ToArray());
        Assert.NotEqual(d.Split(0.2, 1).Test.Features.ToArray(), d.Split(0.2, 2).Test.Features.ToArray());
    }

    [Fact]
    public void Split_PartsAreCopies()
    {
        Dataset d = Numbered(4);
        var (train, _) = d.Split(0.5, 0);
        train.Features.AsSpan().Fill(99f);
        Assert.DoesNotContain(99f, d.Features.ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(0.99)]
    public void Split_BadFraction_Throws(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(10).Split(fraction, 0));
    }
}
