namespace LogitNet.Tests;

public class LabelErgonomicsTests
{
    [Fact]
    public void FromArray_Rectangular_KeepsRowsInOrder()
    {
        Tensor x = Tensor.FromArray(new float[,] { { 200f, 13.9f }, { 200f, 17f }, { 120f, 14f } });
        Assert.Equal([3, 2], x.Shape);
        Assert.Equal([200f, 13.9f, 200f, 17f, 120f, 14f], x.ToArray());
        Assert.Equal([0, 0], Tensor.FromArray(new float[0, 0]).Shape);
    }

    [Fact]
    public void FromLabels_AndToLabels_RoundTrip_AndRefuseWhatFloatCannotHold()
    {
        Tensor y = Tensor.FromLabels([0, 2, 1, 16_777_216]);
        Assert.Equal([4], y.Shape);
        Assert.Equal([0, 2, 1, 16_777_216], y.ToLabels());
        Assert.Contains("labels[1]", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.FromLabels([0, 16_777_217])).Message);
        Assert.Contains("Element 1", Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([1f, 0.5f], 2).ToLabels()).Message);
        Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([float.NaN], 1).ToLabels());
    }

    [Fact]
    public void ArgMax_TakesTheFirstLargest_AndNaNRowsGiveNaN()
    {
        Tensor ids = Ops.ArgMax(Tensor.FromArray([0.1f, 0.7f, 0.2f, 3f, -1f, 3f, 1f, float.NaN, 2f], 3, 3));
        Assert.Equal([3], ids.Shape);
        Assert.Equal(1f, ids[0]);
        Assert.Equal(0f, ids[1]);
        Assert.True(float.IsNaN(ids[2]));
        Assert.Equal([2, 2], Ops.ArgMax(Tensor.Zeros(2, 2, 5)).Shape);
        Assert.Throws<ArgumentException>(() => Ops.ArgMax(Tensor.Scalar(1f)));
    }

    [Fact]
    public void OneHot_PutsOnesAtTheIds_AndNamesABadId()
    {
        Tensor oneHot = Ops.OneHot(Tensor.FromLabels([2, 0]), 3);
        Assert.Equal([2, 3], oneHot.Shape);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f], oneHot.ToArray());
        Assert.Equal(Tensor.FromLabels([2, 0]).ToArray(), Ops.ArgMax(oneHot).ToArray());
        Assert.Contains("flat index 1", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.OneHot(Tensor.FromArray([0f, 3f], 2), 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.OneHot(Tensor.FromArray([0.5f], 1), 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.OneHot(Tensor.FromArray([0f], 1), 0));
    }
}
