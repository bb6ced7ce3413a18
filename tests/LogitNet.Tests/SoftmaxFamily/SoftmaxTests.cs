using System.Numerics.Tensors;
using LogitNet.Kernels;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

public class SoftmaxTests(ITestOutputHelper output)
{
    [Fact]
    public void Softmax_SharedCases_Within1Ulp()
    {
        var tally = new AccuracyTally("Softmax (shared cases)");
        foreach (SoftmaxCeCase c in ReferenceCases.SoftmaxCe)
        {
            float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(c.Z, c.Z.Length)).ToArray();
            TestRows.AddRow(tally, $"{c.Id} ({c.Tag})", y, c.Softmax);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Softmax_SharedCasesAsOneBatch_MatchesRowByRow()
    {
        // The rows of one class count, stacked into a [rows, C] tensor: the kernel's row loop must
        // give each row the same values it gives the row alone.
        foreach (IGrouping<int, SoftmaxCeCase> group in ReferenceCases.SoftmaxCe.GroupBy(c => c.Z.Length))
        {
            float[] stacked = group.SelectMany(c => c.Z).ToArray();
            float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(stacked, group.Count(), group.Key)).ToArray();
            var tally = new AccuracyTally($"Softmax (shared cases, batch of C = {group.Key})");
            int row = 0;
            foreach (SoftmaxCeCase c in group)
            {
                TestRows.AddRow(tally, c.Id, y.AsSpan(row * group.Key, group.Key), c.Softmax);
                row++;
            }

            output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
        }
    }

    [Fact]
    public void Softmax_RandomRowsOfEveryLength1To70_Within1UlpOfIndependentReference()
    {
        // Lengths 1..70 run the vector loop (8 floats per step) with every tail length 0..7.
        var random = new Random(20261122);
        var tally = new AccuracyTally("Softmax (random rows 1..70)");
        foreach (double scale in new[] { 1.0, 10.0, 100.0 })
        {
            for (int length = 1; length <= 70; length++)
            {
                float[] z = TestRows.Normal(random, length, scale);
                float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(z, length)).ToArray();
                TestRows.AddRow(tally, $"scale {scale} length {length}", y, IndependentReference.Softmax(z));
            }
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Softmax_AdversarialRows_Within1UlpOfIndependentReference()
    {
        var tally = new AccuracyTally("Softmax (adversarial rows)");
        foreach ((string name, float[] z) in AdversarialRows.All())
        {
            float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(z, z.Length)).ToArray();
            TestRows.AddRow(tally, name, y, IndependentReference.Softmax(z));
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(1000)]
    public void Softmax_EqualValues_GiveOneOverC(int columns)
    {
        foreach (float v in new[] { 0f, -7f, 1e4f, -3e38f, float.MaxValue, float.Epsilon })
        {
            float[] y = LogitNet.Ops.Softmax(Tensor.Full(v, columns)).ToArray();
            Assert.All(y, p => Assert.Equal((float)(1.0 / columns), p));
        }
    }

    [Fact]
    public void Softmax_DominantBy1e4AndMasked_GivesZerosBelowIt()
    {
        // e^-1e4 is far below float32's smallest subnormal; only 1e4 and 9999 share the mass.
        float[] y = LogitNet.Ops.Softmax(Tensor.FromArray([0f, 1e4f, float.NegativeInfinity, -3e38f, 9999f], 5)).ToArray();
        Assert.Equal([0f, (float)(1.0 / (1.0 + Math.Exp(-1))), 0f, 0f, (float)(1.0 / (1.0 + Math.E))], y);
    }

    [Fact]
    public void Softmax_NaNAnywhere_MakesTheWholeRowNaN_OtherRowsUnaffected()
    {
        for (int length = 1; length <= 20; length++)
        {
            for (int position = 0; position < length; position++)
            {
                var z = new float[2 * length];
                z[position] = float.NaN;
                z[length + position] = 5f;
                float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(z, 2, length)).ToArray();
                Assert.All(y[..length], v => Assert.True(float.IsNaN(v)));
                Assert.All(y[length..], v => Assert.False(float.IsNaN(v)));
            }
        }
    }

    [Fact]
    public void Softmax_AllNegativeInfinityOrPositiveInfinity_GivesNaN()
    {
        float ninf = float.NegativeInfinity;
        Assert.All(LogitNet.Ops.Softmax(Tensor.FromArray([ninf, ninf, ninf], 3)).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(LogitNet.Ops.Softmax(Tensor.FromArray([1f, float.PositiveInfinity, 2f], 3)).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Softmax_WhereTensorPrimitivesSoftMaxGivesNaN_GivesTheRightNumbers()
    {
        float[] z = [1000f, 999f, 0f];
        var trap = new float[3];
        TensorPrimitives.SoftMax(z, trap);
        Assert.True(float.IsNaN(trap[0]), "TensorPrimitives.SoftMax no longer overflows here; the documented trap is gone.");

        float[] y = LogitNet.Ops.Softmax(Tensor.FromArray(z, 3)).ToArray();
        // Exact: 1/(1 + e^-1) = 0.731058578630..., e^-1/(1 + e^-1) = 0.268941421369..., e^-1000/... ≈ 5e-435.
        Assert.Equal(0.7310586f, y[0]);
        Assert.Equal(0.26894143f, y[1]);
        Assert.Equal(0f, y[2]);
    }

    [Fact]
    public void Softmax_Rank3_WorksOverTheLastAxis()
    {
        float[] data = Enumerable.Range(0, 24).Select(i => (float)(i % 5) - 2f).ToArray();
        Tensor y = LogitNet.Ops.Softmax(Tensor.FromArray(data, 2, 3, 4));
        Assert.Equal([2, 3, 4], y.Shape);
        for (int row = 0; row < 6; row++)
        {
            float[] z = data[(row * 4)..(row * 4 + 4)];
            double[] exact = IndependentReference.Softmax(z);
            for (int i = 0; i < 4; i++)
            {
                Assert.True(UlpMetric.Error(y.ToArray()[row * 4 + i], exact[i]) <= 1.0);
            }
        }
    }

    [Fact]
    public void Softmax_ZeroRowsOrZeroColumns_GivesAnEmptyTensorOfTheSameShape()
    {
        Assert.Equal([0, 10], LogitNet.Ops.Softmax(Tensor.Zeros(0, 10)).Shape);
        Assert.Equal([3, 0], LogitNet.Ops.Softmax(Tensor.Zeros(3, 0)).Shape);
        Assert.Equal([0], LogitNet.Ops.Softmax(Tensor.Zeros(0)).Shape);
    }

    [Fact]
    public void Softmax_Scalar_ThrowsNamingTheArgumentAndShape()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => LogitNet.Ops.Softmax(Tensor.Scalar(1f)));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("scalar (shape [])", error.Message);
        Assert.Contains("Reshape(1)", error.Message);
    }

    [Fact]
    public void Softmax_Null_Throws()
    {
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => LogitNet.Ops.Softmax(null!)).ParamName);
    }

    [Fact]
    public void Softmax_DoesNotChangeItsInput()
    {
        Tensor x = Tensor.FromArray([1f, 2f, 3f], 3);
        LogitNet.Ops.Softmax(x);
        Assert.Equal([1f, 2f, 3f], x.ToArray());
    }

    [Fact]
    public void SoftmaxKernel_InPlace_EqualsOutOfPlace()
    {
        var random = new Random(7);
        float[] x = TestRows.Normal(random, 37 * 11, 3.0);
        var expected = new float[x.Length];
        SoftmaxKernel.Rows(x, expected, 37);
        SoftmaxKernel.Rows(x, x, 37);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void SoftmaxKernel_WrongLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => SoftmaxKernel.Rows(new float[6], new float[5], 3));
        Assert.Throws<ArgumentException>(() => SoftmaxKernel.Rows(new float[7], new float[7], 3));
        Assert.Throws<ArgumentException>(() => SoftmaxKernel.Rows(new float[3], new float[3], 0));
    }
}
