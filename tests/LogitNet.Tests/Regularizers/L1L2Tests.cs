using LogitNet.Regularizers;

namespace LogitNet.Tests.Regularizers;

public class L1L2Tests
{
    [Fact]
    public void Penalty_IsKerasFormula()
    {
        float[] w = [1f, -2f, 0f, 0.5f];
        Assert.Equal((double)0.1f * (1 + 4 + 0 + 0.25), LogitNet.Regularizers.Regularizers.L2(0.1f).Penalty(w), 1e-12);
        Assert.Equal((double)0.01f * (1 + 2 + 0 + 0.5), LogitNet.Regularizers.Regularizers.L1().Penalty(w), 1e-12);
        Assert.Equal(((double)0.3f * 3.5) + ((double)0.2f * 5.25), LogitNet.Regularizers.Regularizers.L1L2(0.3f, 0.2f).Penalty(w), 1e-12);
        Assert.Equal(0.01f, LogitNet.Regularizers.Regularizers.L2().L2);
    }

    [Fact]
    public void Gradient_OfANaNWeight_IsNaN_NotAnException()
    {
        float[] gradient = [0f, 0f];
        new L1L2(l1: 0.3f, l2: 0.2f).AddGradient([float.NaN, 1f], gradient);
        Assert.True(float.IsNaN(gradient[0]));
        Assert.Equal((float)(0.3f + (2.0 * 0.2f)), gradient[1]);
    }

    [Fact]
    public void Gradient_MatchesFiniteDifferences_AndSignOfZeroIsZero()
    {
        var regularizer = new L1L2(l1: 0.3f, l2: 0.2f);
        float[] w = [1f, -2f, 0.25f, -0.5f];
        float[] gradient = [0.5f, 0.5f, 0.5f, 0.5f];
        regularizer.AddGradient(w, gradient);
        for (int i = 0; i < w.Length; i++)
        {
            double h = 1e-3;
            float[] plus = (float[])w.Clone(), minus = (float[])w.Clone();
            plus[i] += (float)h;
            minus[i] -= (float)h;
            double numeric = (regularizer.Penalty(plus) - regularizer.Penalty(minus)) / (plus[i] - minus[i]);
            Assert.Equal(0.5 + numeric, gradient[i], 1e-4);
        }

        float[] atZero = [0f];
        regularizer.AddGradient([0f], atZero);
        Assert.Equal(0f, atZero[0]);
    }

    [Fact]
    public void BadFactors_AreRefused()
    {
        Assert.Equal("l2", Assert.Throws<ArgumentOutOfRangeException>(() => LogitNet.Regularizers.Regularizers.L2(-1f)).ParamName);
        Assert.Equal("l1", Assert.Throws<ArgumentOutOfRangeException>(() => new L1L2(float.NaN)).ParamName);
        Assert.Throws<ArgumentException>(() => new L1L2(0.1f).AddGradient([1f, 2f], new float[1]));
    }
}
