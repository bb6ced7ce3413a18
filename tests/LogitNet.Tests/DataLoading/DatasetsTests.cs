using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class DatasetsTests
{
    private static int[] ClassCounts(Dataset d) =>
        Enumerable.Range(0, d.ClassCount).Select(c => d.Labels.ToArray().Count(l => l == c)).ToArray();

    [Fact]
    public void Digits_Default_MatchesScikitLearn()
    {
        // Numbers from scikit-learn's digits.csv.gz (numpy): sum of all pixels, class counts, first row.
        Dataset d = Datasets.Digits();
        Assert.Equal([1797, 64], d.Features.Shape);
        Assert.Equal(10, d.ClassCount);
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], ClassCounts(d));
        Assert.Equal(561718.0, d.Features.ToArray().Sum(v => (double)v));
        Assert.Equal([0f, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0], d.Features.Slice(0, 1).ToArray()[..16]);
        Assert.Equal(0f, d.Labels[0]);
        Assert.Equal(8f, d.Labels[1796]);
        Assert.Equal(16f, d.Features.ToArray().Max());
        Assert.All(d.Features.ToArray(), v => Assert.True(v == MathF.Floor(v) && v >= 0 && v <= 16));
    }

    [Fact]
    public void Digits_Normalize_DividesBy16()
    {
        float[] raw = Datasets.Digits().Features.ToArray();
        float[] scaled = Datasets.Digits(normalize: true).Features.ToArray();
        Assert.Equal(raw.Select(v => v / 16f), scaled);
        Assert.Equal(1f, scaled.Max());
    }

    [Fact]
    public void Mnist_Split_HasPinnedShapesCountsAndPixels()
    {
        // Numbers from the embedded IDX files (numpy): class counts, byte sums, first labels, a row.
        var (train, test) = Datasets.Mnist();
        Assert.Equal([7996, 784], train.Features.Shape);
        Assert.Equal([2004, 784], test.Features.Shape);
        Assert.Equal(10, train.ClassCount);
        Assert.Equal([800, 901, 792, 825, 784, 690, 811, 856, 755, 782], ClassCounts(train));
        Assert.Equal([201, 226, 199, 207, 196, 173, 203, 214, 189, 196], ClassCounts(test));
        Assert.Equal([3f, 6, 9, 1, 2, 0, 6, 6, 4, 1], train.Labels.ToArray()[..10]);
        Assert.Equal([5f, 1, 8, 5, 3, 1, 0, 2, 1, 4], test.Labels.ToArray()[..10]);
        Assert.Equal(209225317L, train.Features.ToArray().Sum(v => (long)MathF.Round(v * 255)));
        Assert.Equal(52921283L, test.Features.ToArray().Sum(v => (long)MathF.Round(v * 255)));
        int[] row14 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 26, 123, 149, 187, 252, 254, 182, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(row14.Select(p => p / 255f), train.Features.ToArray()[(14 * 28)..(15 * 28)]);
        Assert.All(test.Features.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Blobs_Default_FourClassesAroundTheLabCenters()
    {
        Dataset d = Datasets.Blobs(seed: 30);
        Assert.Equal([2000, 2], d.Features.Shape);
        Assert.Equal([500, 500, 500, 500], ClassCounts(d));
        double[][] centers = [[-5, 2], [-2, -2], [1, 2], [5, -2]];
        for (int c = 0; c < 4; c++)
        {
            int[] rows = Enumerable.Range(0, d.Count).Where(i => d.Labels[i] == c).ToArray();
            double meanX = rows.Average(i => d.Features[i, 0]);
            double meanY = rows.Average(i => d.Features[i, 1]);
            double varX = rows.Average(i => Math.Pow(d.Features[i, 0] - meanX, 2));
            // 500 samples of unit variance: the mean is within 0.2 and the variance within 0.2 of truth (>4 sigma).
            Assert.InRange(meanX, centers[c][0] - 0.2, centers[c][0] + 0.2);
            Assert.InRange(meanY, centers[c][1] - 0.2, centers[c][1] + 0.2);
            Assert.InRange(varX, 0.8, 1.2);
        }

        // Shuffled: the first 20 labels are not all one class.
        Assert.True(d.Labels.ToArray()[..20].Distinct().Count() > 1);
    }

    [Fact]
    public void Blobs_SameSeed_SameData_AndUnevenCountsGoToFirstCenters()
    {
        Assert.Equal(Datasets.Blobs(10, seed: 3).Features.ToArray(), Datasets.Blobs(10, seed: 3).Features.ToArray());
        Assert.NotEqual(Datasets.Blobs(10, seed: 3).Features.ToArray(), Datasets.Blobs(10, seed: 4).Features.ToArray());
        Assert.Equal([3, 3, 2, 2], ClassCounts(Datasets.Blobs(10)));
        Dataset d3 = Datasets.Blobs(9, centers: [[0, 0, 0], [10, 10, 10]], standardDeviation: 0);
        Assert.Equal([9, 3], d3.Features.Shape);
        for (int i = 0; i < 9; i++) Assert.Equal(d3.Labels[i] * 10, d3.Features[i, 2]);
    }

    [Fact]
    public void TwoBlobs_Default_TwoBalancedClasses()
    {
        Dataset d = Datasets.TwoBlobs(seed: 1);
        Assert.Equal([400, 2], d.Features.Shape);
        Assert.Equal(2, d.ClassCount);
        Assert.Equal([200, 200], ClassCounts(d));
        // Class 1 sits around (2, 2): on average its coordinates are larger.
        double mean1 = Enumerable.Range(0, 400).Where(i => d.Labels[i] == 1).Average(i => d.Features[i, 0] + d.Features[i, 1]);
        Assert.InRange(mean1, 3.5, 4.5);
    }

    [Fact]
    public void Blobs_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Blobs(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Blobs(10, standardDeviation: -1));
        Assert.Throws<ArgumentException>(() => Datasets.Blobs(10, centers: []));
        Assert.Throws<ArgumentException>(() => Datasets.Blobs(10, centers: [[0, 0], [1]]));
        Assert.Throws<ArgumentException>(() => Datasets.Blobs(10, centers: [[0, double.NaN]]));
    }

    [Fact]
    public void Blobs_MoreValuesThanOneArrayHolds_IsRefusedNamingTheLargestCount()
    {
        // checked(count * dimension) threw a bare OverflowException.
        double[][] wide = [new double[1000], new double[1000]];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Blobs(count: 3_000_000, centers: wide));
        Assert.Equal("count", error.ParamName);
        Assert.Contains($"ask for at most {Array.MaxLength / 1000:N0}", error.Message);
    }
}
