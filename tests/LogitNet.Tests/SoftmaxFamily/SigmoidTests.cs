using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.SoftmaxFamily;

public class SigmoidTests(ITestOutputHelper output)
{
    [Fact]
    public void Sigmoid_SharedCases_Within1Ulp()
    {
        // bce_logits with y = 0: the exact gradient σ(z) - 0 is σ(z).
        var tally = new AccuracyTally("Sigmoid (shared bce_logits, y = 0)");
        BceLogitsCase[] cases = ReferenceCases.BceLogits.Where(c => c.Y == 0).ToArray();
        float[] y = LogitNet.Ops.Sigmoid(Tensor.FromArray(cases.Select(c => c.Z).ToArray(), cases.Length)).ToArray();
        for (int i = 0; i < cases.Length; i++)
        {
            tally.Add($"{cases[i].Id} z = {cases[i].Z:R}", y[i], cases[i].Grad);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Sigmoid_SweepOfTheWholeFloatRange_Within1UlpOfIndependentReference()
    {
        // Every 12289th bit pattern, both signs: ~350k values (about 680 per binade) from subnormals to FLT_MAX, through the
        // vector loop; the reference is e^(-softplus(-x)) by scalar Math.Exp/Math.Log and a series.
        float[] x = ElementwiseSweep.Values();
        float[] y = LogitNet.Ops.Sigmoid(Tensor.FromArray(x, x.Length)).ToArray();
        var tally = new AccuracyTally("Sigmoid (sweep)");
        for (int i = 0; i < x.Length; i++)
        {
            // Formatting a description for each of 2M values would dominate the run: name only the ones near the worst.
            double exact = IndependentReference.Sigmoid(x[i]);
            tally.Add(UlpMetric.Error(y[i], exact) > 0.45 ? $"x = {x[i]:R}" : "sweep", y[i], exact);
        }

        output.WriteLine(tally.Report(1.0));
        tally.AssertWithin(1.0);
    }

    [Fact]
    public void Sigmoid_EveryLength0To70_MatchesElementByElement()
    {
        // Tails of the vector loop: each length must give, per element, what a length-1 call gives
        // within 1 ulp of the reference.
        var random = new Random(17);
        for (int length = 0; length <= 70; length++)
        {
            float[] x = TestRows.Normal(random, length, 30.0);
            float[] y = LogitNet.Ops.Sigmoid(Tensor.FromArray(x, length)).ToArray();
            for (int i = 0; i < length; i++)
            {
                Assert.True(UlpMetric.Error(y[i], IndependentReference.Sigmoid(x[i])) <= 1.0, $"length {length}, x = {x[i]:R}: {y[i]:R}");
            }
        }
    }

    [Fact]
    public void Sigmoid_SpecialValues()
    {
        float[] x = [float.NaN, float.NegativeInfinity, float.PositiveInfinity, 0f, -0f, -1000f, 1000f, -100f, float.NaN, 2f];
        float[] y = LogitNet.Ops.Sigmoid(Tensor.FromArray(x, x.Length)).ToArray();
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal([0f, 1f, 0.5f, 0.5f, 0f, 1f, 3.72007598e-44f], y[1..8]);
        Assert.True(float.IsNaN(y[8]));
        Assert.Equal(0.880797088f, y[9]);
    }

    [Fact]
    public void Sigmoid_AnyRank_KeepsTheShape()
    {
        Assert.Equal(0.5f, LogitNet.Ops.Sigmoid(Tensor.Scalar(0f)).ToScalar());
        Assert.Equal([2, 1, 3, 2], LogitNet.Ops.Sigmoid(Tensor.Zeros(2, 1, 3, 2)).Shape);
        Assert.Equal([0, 3], LogitNet.Ops.Sigmoid(Tensor.Zeros(0, 3)).Shape);
        Assert.Throws<ArgumentNullException>(() => LogitNet.Ops.Sigmoid(null!));
    }

    [Fact]
    public void SigmoidKernel_InPlace_EqualsOutOfPlace_AndWrongLengthThrows()
    {
        float[] x = TestRows.Normal(new Random(2), 101, 10.0);
        var expected = new float[x.Length];
        LogitNet.Kernels.SigmoidKernel.Apply(x, expected);
        LogitNet.Kernels.SigmoidKernel.Apply(x, x);
        Assert.Equal(expected, x);
        Assert.Throws<ArgumentException>(() => LogitNet.Kernels.SigmoidKernel.Apply(new float[4], new float[3]));
    }
}
