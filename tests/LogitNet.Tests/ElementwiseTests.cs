namespace LogitNet.Tests;

public class ElementwiseTests
{
    [Fact]
    public void Add_SameShape_AddsEachElement()
    {
        Tensor sum = Ops.Add(Tensor.FromArray([1f, 2f, 3f], 3), Tensor.FromArray([10f, 20f, 30f], 3));
        Assert.Equal([11f, 22f, 33f], sum.ToArray());
    }

    [Fact]
    public void Add_BiasOverRows_BroadcastsOverLeadingAxes()
    {
        Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Tensor sum = Ops.Add(x, Tensor.FromArray([10f, 20f, 30f], 3));
        Assert.Equal([2, 3], sum.Shape);
        Assert.Equal([11f, 22f, 33f, 14f, 25f, 36f], sum.ToArray());
    }

    [Fact]
    public void Add_ScalarOperand_BroadcastsEverywhere()
    {
        Tensor sum = Ops.Add(Tensor.FromArray([1f, 2f], 2), Tensor.Scalar(0.5f));
        Assert.Equal([1.5f, 2.5f], sum.ToArray());
    }

    [Fact]
    public void Add_IncompatibleShapes_NamesBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Add(Tensor.Zeros(2, 3), Tensor.Zeros(2)));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[2]", error.Message);
    }

    [Fact]
    public void Add_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Ops.Add(null!, Tensor.Zeros(1)));
        Assert.Throws<ArgumentNullException>(() => Ops.Add(Tensor.Zeros(1), null!));
    }

    [Fact]
    public void Subtract_And_Multiply_Broadcast()
    {
        Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        Assert.Equal([0f, 0f, 2f, 2f], Ops.Subtract(x, Tensor.FromArray([1f, 2f], 2)).ToArray());
        Assert.Equal([0f, 20f, 0f, 40f], Ops.Multiply(x, Tensor.FromArray([0f, 10f], 2)).ToArray());
    }

    [Fact]
    public void Operations_LeaveInputsUnchanged()
    {
        Tensor x = Tensor.FromArray([1f, -2f], 2);
        _ = Ops.Scale(x, 3f);
        _ = Ops.Relu(x);
        _ = Ops.Add(x, x);
        Assert.Equal([1f, -2f], x.ToArray());
    }

    [Fact]
    public void Scale_MultipliesEveryElement()
    {
        Assert.Equal([0.5f, -1f, 0f], Ops.Scale(Tensor.FromArray([1f, -2f, 0f], 3), 0.5f).ToArray());
    }

    [Fact]
    public void Relu_ClampsNegatives_AndKeepsNaN()
    {
        float[] result = Ops.Relu(Tensor.FromArray([-1f, -0f, 0f, 2f, float.NaN, float.NegativeInfinity, float.PositiveInfinity], 7)).ToArray();
        Assert.Equal(0f, result[0]);
        Assert.Equal(0f, result[1]);
        Assert.Equal(0f, result[2]);
        Assert.Equal(2f, result[3]);
        Assert.True(float.IsNaN(result[4]), "ReLU(NaN) must stay NaN, not become 0");
        Assert.Equal(0f, result[5]);
        Assert.Equal(float.PositiveInfinity, result[6]);
    }

    [Fact]
    public void Relu_EveryLengthUpTo70_MatchesScalarDefinition()
    {
        for (int length = 0; length <= 70; length++)
        {
            Tensor x = Tensor.RandomNormal([length], 0f, 1f, seed: length);
            float[] expected = x.ToArray().Select(v => v > 0 ? v : 0f).ToArray();
            Assert.Equal(expected, Ops.Relu(x).ToArray());
        }
    }

    [Fact]
    public void ReluBackward_PassesGradientWhereInputPositive()
    {
        Tensor gradient = Tensor.FromArray([5f, 5f, 5f, 5f], 4);
        Tensor input = Tensor.FromArray([-1f, 0f, 3f, float.NaN], 4);
        float[] result = Ops.ReluBackward(gradient, input).ToArray();
        Assert.Equal(0f, result[0]);
        Assert.Equal(0f, result[1]);
        Assert.Equal(5f, result[2]);
        Assert.True(float.IsNaN(result[3]));
    }

    [Fact]
    public void ReluBackward_MatchesFiniteDifferenceOfRelu()
    {
        Tensor x = Tensor.FromArray([-2f, -0.5f, 0.25f, 1.5f, 3f], 5);
        Tensor upstream = Tensor.FromArray([1f, -2f, 3f, -4f, 0.5f], 5);
        float[] analytic = Ops.ReluBackward(upstream, x).ToArray();
        const double H = 1e-3;
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            double numeric = upstream[i] * ((Math.Max(xi + H, 0) - Math.Max(xi - H, 0)) / (2 * H));
            Assert.Equal(numeric, analytic[i], 1e-9);
        }
    }

    [Fact]
    public void ReluBackward_ShapeMismatch_NamesArguments()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.ReluBackward(Tensor.Zeros(2, 2), Tensor.Zeros(4)));
        Assert.Contains("[2, 2]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public void Sum_AllElements_IsAccumulatedInDouble()
    {
        // 1 + 2^24 ones: a float accumulator stalls at 2^24 = 16777216 and loses the rest.
        float[] data = Enumerable.Repeat(1f, (1 << 24) + 2).ToArray();
        Assert.Equal(16777218f, Ops.Sum(Tensor.FromArray(data, data.Length)).ToScalar());
        Assert.Equal(0f, Ops.Sum(Tensor.Zeros(0)).ToScalar());
        Assert.Equal([], Ops.Sum(Tensor.Zeros(2, 2)).Shape);
    }

    [Fact]
    public void Sum_OverEachAxis_MatchesLoops()
    {
        Tensor x = Tensor.RandomNormal([3, 4, 5], 0f, 1f, seed: 3);
        for (int axis = -3; axis < 3; axis++)
        {
            int a = axis < 0 ? axis + 3 : axis;
            Tensor s = Ops.Sum(x, axis);
            int[] shape = [3, 4, 5];
            int[] expectedShape = shape.Where((_, i) => i != a).ToArray();
            Assert.Equal(expectedShape, s.Shape);
            for (int i = 0; i < expectedShape[0]; i++)
            {
                for (int j = 0; j < expectedShape[1]; j++)
                {
                    double expected = 0;
                    for (int k = 0; k < shape[a]; k++)
                    {
                        expected += a switch { 0 => x[k, i, j], 1 => x[i, k, j], _ => x[i, j, k] };
                    }

                    Assert.Equal((float)expected, s[i, j]);
                }
            }
        }
    }

    [Fact]
    public void Sum_BadAxis_SaysWhichAxesExist()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Sum(Tensor.Zeros(2, 3), 2));
        Assert.Equal("axis", error.ParamName);
        Assert.Contains("[2, 3]", error.Message);
    }
}
