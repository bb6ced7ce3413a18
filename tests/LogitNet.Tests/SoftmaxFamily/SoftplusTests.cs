using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

public class SoftplusTests(ITestOutputHelper output)
{
    [Fact]
    public void Softplus_SharedCases_Within1Ulp()
    {
        // bce_logits with y = 0: the exact loss is softplus(z).
        var tally = new AccuracyTally("Softplus (shared bce_logits, y = 0)");
        BceLogitsCase[] cases = ReferenceCases.BceLogits.Where(c => c.Y == 0).ToArray();
        float[] y = LogitNet.Ops.Softplus(Tensor.FromArray(cases.Select(c => c.Z).ToArray(), cases.Length)).ToArray();
        for (int i = 0; i < cases.Length; i++)
        {
            tally.Add($"{cases[i].Id} z = {cases[i].Z:R}", y[i], cases[i].Loss);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Softplus_SweepOfTheWholeFloatRange_Within1UlpOfIndependentReference()
    {
        float[] x = ElementwiseSweep.Values();
        float[] y = LogitNet.Ops.Softplus(Tensor.FromArray(x, x.Length)).ToArray();
        var tally = new AccuracyTally("Softplus (sweep)");
        for (int i = 0; i < x.Length; i++)
        {
            // Formatting a description for each of 2M values would dominate the run: name only the ones near the worst.
            double exact = IndependentReference.Softplus(x[i]);
            tally.Add(UlpMetric.Error(y[i], exact) > 0.45 ? $"x = {x[i]:R}" : "sweep", y[i], exact);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Softplus_EveryLength0To70_Within1Ulp()
    {
        var random = new Random(71);
        for (int length = 0; length <= 70; length++)
        {
            float[] x = TestRows.Normal(random, length, 30.0);
            float[] y = LogitNet.Ops.Softplus(Tensor.FromArray(x, length)).ToArray();
            for (int i = 0; i < length; i++)
            {
                Assert.True(UlpMetric.Error(y[i], IndependentReference.Softplus(x[i])) <= 1.0, $"length {length}, x = {x[i]:R}: {y[i]:R}");
            }
        }
    }

    [Fact]
    public void Softplus_SpecialValues()
    {
        float[] x = [float.NaN, float.NegativeInfinity, float.PositiveInfinity, 0f, float.MaxValue, -float.MaxValue, 1000f, -100f, 1e-30f, float.NaN];
        float[] y = LogitNet.Ops.Softplus(Tensor.FromArray(x, x.Length)).ToArray();
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal([0f, float.PositiveInfinity, 0.693147182f, float.MaxValue, 0f, 1000f, 3.72007598e-44f, 0.693147182f], y[1..9]);
        Assert.True(float.IsNaN(y[9]));
    }

    [Fact]
    public void Softplus_AnyRank_KeepsTheShape()
    {
        Assert.Equal(0.693147182f, LogitNet.Ops.Softplus(Tensor.Scalar(0f)).ToScalar());
        Assert.Equal([3, 2, 1], LogitNet.Ops.Softplus(Tensor.Zeros(3, 2, 1)).Shape);
        Assert.Equal([0], LogitNet.Ops.Softplus(Tensor.Zeros(0)).Shape);
        Assert.Throws<ArgumentNullException>(() => LogitNet.Ops.Softplus(null!));
    }

    [Fact]
    public void SoftplusKernel_InPlace_EqualsOutOfPlace_AndWrongLengthThrows()
    {
        float[] x = TestRows.Normal(new Random(4), 99, 50.0);
        var expected = new float[x.Length];
        LogitNet.Kernels.SoftplusKernel.Apply(x, expected);
        LogitNet.Kernels.SoftplusKernel.Apply(x, x);
        Assert.Equal(expected, x);
        Assert.Throws<ArgumentException>(() => LogitNet.Kernels.SoftplusKernel.Apply(new float[4], new float[5]));
    }
}
