using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Losses;

/// <summary>MeanAbsoluteError, Huber and CustomLoss: Keras's numbers, references in double, and finite differences.</summary>
public class RegressionAndCustomLossTests
{
    private static readonly Tensor KerasTrue = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);

    [Fact]
    public void MeanAbsoluteError_KerasDocstringExample()
    {
        var mae = new MeanAbsoluteError();
        Tensor yPred = Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2);
        Assert.Equal(0.5f, mae.Call(KerasTrue, yPred).ToScalar());
        Assert.Equal([0.5f, 0.5f], new MeanAbsoluteError(Reduction.None).Call(KerasTrue, yPred).ToArray());
        Assert.Equal([0.5f, 0f, 0.5f, 0f], mae.Gradient(KerasTrue, yPred).ToArray());
        Assert.Equal("mean_absolute_error", mae.Name);
    }

    [Fact]
    public void Huber_KerasDocstringExample()
    {
        // Keras: h = keras.losses.Huber(); h(y_true, y_pred) == 0.155 for these values.
        Tensor yPred = Tensor.FromArray([0.6f, 0.4f, 0.4f, 0.6f], 2, 2);
        Assert.Equal(0.155f, new Huber().Call(KerasTrue, yPred).ToScalar(), 1e-7f);
        Assert.Equal("huber_loss", new Huber().Name);
        Assert.Equal(1f, new Huber().Delta);
    }

    /// <summary>Targets and predictions spanning both sides of delta, exact ties, and a large error.</summary>
    private static (Tensor YTrue, Tensor YPred) Adversarial()
    {
        float[] t = [0f, 1f, -2f, 3.5f, 1e-30f, 5f, 0f, 100f, -7f, 0.25f, 2f, 2f];
        float[] p = [0.3f, -1.5f, -2f, 4.5f, 2e-30f, 4.0000005f, 1e30f, 99.5f, -8.25f, 0.2500001f, 1f, 3f];
        return (Tensor.FromArray(t, 4, 3), Tensor.FromArray(p, 4, 3));
    }

    private static double HuberReference(double e, double delta) =>
        Math.Abs(e) <= delta ? 0.5 * e * e : (delta * Math.Abs(e)) - (0.5 * delta * delta);

    [Theory]
    [InlineData(1.0f)]
    [InlineData(0.5f)]
    [InlineData(2.5f)]
    public void Huber_PerSample_IsTheDoubleReferenceRoundedOnce(float delta)
    {
        var (yTrue, yPred) = Adversarial();
        float[] perSample = new Huber(delta, Reduction.None).Call(yTrue, yPred).ToArray();
        for (int s = 0; s < 4; s++)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                sum += HuberReference((double)yPred[s, j] - yTrue[s, j], delta);
            }

            Assert.Equal((float)(sum / 3), perSample[s]);
        }
    }

    [Fact]
    public void MeanAbsoluteError_PerSample_IsTheDoubleReferenceRoundedOnce()
    {
        var (yTrue, yPred) = Adversarial();
        float[] perSample = new MeanAbsoluteError(Reduction.None).Call(yTrue, yPred).ToArray();
        for (int s = 0; s < 4; s++)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                sum += Math.Abs((double)yPred[s, j] - yTrue[s, j]);
            }

            Assert.Equal((float)(sum / 3), perSample[s]);
        }
    }

    /// <summary>Central differences of a loss's summed per-sample values (in double from float inputs) against Gradient.</summary>
    private static void CheckGradient(Loss loss, Func<double[], double> reference, Tensor yPred, Tensor yTrue, Tensor? weights = null)
    {
        float[] analytic = (weights is null ? loss.Gradient(yTrue, yPred) : loss.Gradient(yTrue, yPred, weights)).ToArray();
        double[] p = yPred.ToArray().Select(v => (double)v).ToArray();
        for (int i = 0; i < p.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(p[i]));
            double[] plus = (double[])p.Clone(), minus = (double[])p.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (reference(plus) - reference(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"index {i}: numeric {numeric}, analytic {analytic[i]}");
        }
    }

    [Fact]
    public void MaeAndHuber_Gradients_MatchFiniteDifferences_WithWeights()
    {
        // Points away from the kinks (e = 0 for MAE, |e| = delta for Huber), where the derivative exists.
        Tensor yTrue = Tensor.FromArray([0f, 1f, -2f, 3.5f, 0.5f, 5f], 2, 3);
        Tensor yPred = Tensor.FromArray([0.3f, -1.5f, -1.2f, 4.9f, 0.75f, 2f], 2, 3);
        Tensor weights = Tensor.FromArray([2f, 0.5f], 2);
        float[] t = yTrue.ToArray();
        double[] w = [2, 0.5];
        double Sum(double[] p, Func<double, double> f) =>
            Enumerable.Range(0, 6).Sum(i => w[i / 3] * f(p[i] - t[i]) / 3);
        CheckGradient(new MeanAbsoluteError(), p => Sum(p, Math.Abs), yPred, yTrue, weights);
        CheckGradient(new Huber(), p => Sum(p, e => HuberReference(e, 1.0)), yPred, yTrue, weights);
        CheckGradient(new Huber(0.5f), p => Sum(p, e => HuberReference(e, 0.5)), yPred, yTrue, weights);
    }

    [Fact]
    public void MaeAndHuber_NaNIn_NaNOut_AndBadDeltaRefused()
    {
        Tensor yTrue = Tensor.FromArray([0f, 1f], 1, 2);
        Tensor yPred = Tensor.FromArray([float.NaN, 1f], 1, 2);
        Assert.True(float.IsNaN(new MeanAbsoluteError().Call(yTrue, yPred).ToScalar()));
        Assert.True(float.IsNaN(new Huber().Call(yTrue, yPred).ToScalar()));
        Assert.True(float.IsNaN(new Huber().Gradient(yTrue, yPred)[0, 0]));
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => new Huber(0f)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Huber(float.PositiveInfinity));
    }

    /// <summary>Keras's log_cosh, written as the CustomLoss documentation shows.</summary>
    private sealed class LogCosh() : CustomLoss("log_cosh")
    {
        protected override double SampleLoss(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> gradient)
        {
            double sum = 0;
            for (int i = 0; i < yPred.Length; i++)
            {
                double e = (double)yPred[i] - yTrue[i], a = Math.Abs(e);
                sum += a + Math.Log(1 + Math.Exp(-2 * a)) - Math.Log(2);
                gradient[i] = Math.Tanh(e) / yPred.Length;
            }

            return sum / yPred.Length;
        }
    }

    private static double LogCoshReference(double e) => Math.Log(Math.Cosh(e));

    [Fact]
    public void CustomLoss_ValueAndGradient_FollowTheSampleFunction_WithWeightsAndReductions()
    {
        Tensor yTrue = Tensor.FromArray([0f, 1f, -2f, 3.5f, 0.5f, 5f], 2, 3);
        Tensor yPred = Tensor.FromArray([0.3f, -1.5f, -1.2f, 4.9f, 0.75f, 2f], 2, 3);
        Tensor weights = Tensor.FromArray([2f, 0.5f], 2);
        float[] t = yTrue.ToArray();
        double[] perSample = [0, 0];
        for (int i = 0; i < 6; i++)
        {
            perSample[i / 3] += LogCoshReference(yPred.ToArray()[i] - t[i]) / 3;
        }

        var loss = new LogCosh();
        Assert.Equal("log_cosh", loss.Name);
        Assert.Equal((float)((perSample[0] + perSample[1]) / 2), loss.Call(yTrue, yPred).ToScalar(), 1e-6f);
        Assert.Equal((float)(((2 * perSample[0]) + (0.5 * perSample[1])) / 2), loss.Call(yTrue, yPred, weights).ToScalar(), 1e-6f);
        float[] none = CustomLoss.FromFunction("x", (y, p, g) => 0, Reduction.None).Call(yTrue, yPred).ToArray();
        Assert.Equal([0f, 0f], none);
        CheckGradient(loss, p => Enumerable.Range(0, 6).Sum(i => (i < 3 ? 2 : 0.5) * LogCoshReference(p[i] - t[i]) / 3), yPred, yTrue, weights);

        // Compute (the training step's entry) gives the gradient of the mean: Gradient / samples.
        var gradient = new float[6];
        float value = loss.Compute(yTrue, yPred, gradient);
        Assert.Equal(loss.Call(yTrue, yPred).ToScalar(), value);
        float[] summed = loss.Gradient(yTrue, yPred).ToArray();
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(summed[i] / 2, gradient[i], 1e-7f);
        }
    }

    [Fact]
    public void CustomLoss_FromFunction_TrainsAModel_LikeTheBuiltInLoss_ButCannotBeSaved()
    {
        // Half squared error written by hand, against MeanSquaredError (twice the value, twice the gradient).
        CustomLoss halfSquares = CustomLoss.FromFunction("half_squares", (y, p, g) =>
        {
            double sum = 0;
            for (int i = 0; i < p.Length; i++)
            {
                double e = (double)p[i] - y[i];
                sum += 0.5 * e * e;
                g[i] = e;
            }

            return sum;
        });
        Tensor x = Tensor.RandomNormal([64, 3], 0f, 1f, seed: 5);
        float[] target = Enumerable.Range(0, 64).Select(i => (2 * x[i, 0]) - x[i, 1] + (0.5f * x[i, 2]) + 1).ToArray();
        Tensor y = Tensor.FromArray(target, 64, 1);
        var custom = new Sequential(new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        custom.Compile(halfSquares, new SGD(0.1f));
        var builtIn = new Sequential(new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        builtIn.Compile(new MeanSquaredError(), new SGD(0.05f));
        History a = custom.Fit(x, y, epochs: 20, batchSize: 16, verbose: 0);
        History b = builtIn.Fit(x, y, epochs: 20, batchSize: 16, verbose: 0);
        Assert.True(a["loss"][^1] < 1e-3f, a.ToString());
        float[] wa = custom.Parameters[0].Value.ToArray(), wb = builtIn.Parameters[0].Value.ToArray();
        for (int i = 0; i < wa.Length; i++)
        {
            Assert.Equal(wb[i], wa[i], 1e-4f);
        }

        var error = Assert.Throws<NotSupportedException>(() => custom.Save(Path.Combine(Path.GetTempPath(), $"custom-{Guid.NewGuid():N}.logitnet")));
        Assert.Contains("custom loss", error.Message);
        Assert.Throws<InvalidOperationException>(() => custom.PredictProba(x));
    }
}
