namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>The numbers quoted in the XML docs' examples, so a doc cannot drift from the code.</summary>
public class DocExampleTests
{
    [Fact]
    public void Softmax_DocExample() =>
        Assert.Equal([0.7310586f, 0.26894143f, 0f], LogitNet.Ops.Softmax(Tensor.FromArray([1000f, 999f, 0f], 3)).ToArray());

    [Fact]
    public void LogSoftmax_DocExamples()
    {
        Assert.Equal([-0.41703f, -1.41703f, -2.31703f], LogitNet.Ops.LogSoftmax(Tensor.FromArray([2f, 1f, 0.1f], 3)).ToArray());
        Assert.Equal([-3.97545E-31f, -70f], LogitNet.Ops.LogSoftmax(Tensor.FromArray([0f, -70f], 2)).ToArray());
    }

    [Fact]
    public void LogSumExp_DocExample()
    {
        Tensor r = LogitNet.Ops.LogSumExp(Tensor.FromArray([1000f, 1000f, 0f, -1f], 2, 2));
        Assert.Equal([2], r.Shape);
        Assert.Equal([1000.6932f, 0.3132617f], r.ToArray());
    }

    [Fact]
    public void Sigmoid_DocExample() =>
        Assert.Equal([0.5f, 0.8807971f, 3.8E-44f], LogitNet.Ops.Sigmoid(Tensor.FromArray([0f, 2f, -100f], 3)).ToArray());

    [Fact]
    public void Softplus_DocExample() =>
        Assert.Equal([0.6931472f, 1000f, 2.0611537E-09f], LogitNet.Ops.Softplus(Tensor.FromArray([0f, 1000f, -20f], 3)).ToArray());
}
