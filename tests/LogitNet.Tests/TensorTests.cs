namespace LogitNet.Tests;

public class TensorTests
{
    [Fact]
    public void FromArray_CopiesData_AndKeepsShape()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        Tensor t = Tensor.FromArray(data, 2, 3);
        data[0] = 100;
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(1f, t[0, 0]);
        Assert.Equal(6f, t[1, 2]);
    }
}
