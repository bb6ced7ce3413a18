using LogitNet.Losses;

namespace LogitNet.Tests.Losses;

/// <summary>
/// Each loss's Gradient against central differences of the loss written out in double with the
/// textbook formulas (an independent implementation), on ordinary inputs, with sample weights, label
/// smoothing and unnormalised probability rows. Agreement within 1e-6 of the largest component.
/// </summary>
public class FiniteDifferenceTests
{
    private const int Rows = 3;
    private const int Classes = 4;

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double[] Softmax(ReadOnlySpan<double> z)
    {
        double max = double.NegativeInfinity;
        foreach (double v in z)
        {
            max = Math.Max(max, v);
        }

        double[] e = new double[z.Length];
        double sum = 0;
        for (int j = 0; j < z.Length; j++)
        {
            e[j] = Math.Exp(z[j] - max);
            sum += e[j];
        }

        return e.Select(v => v / sum).ToArray();
    }

    private static double[] Normalise(ReadOnlySpan<double> p)
    {
        double sum = 0;
        foreach (double v in p)
        {
            sum += v;
        }

        return p.ToArray().Select(v => v / sum).ToArray();
    }

    /// <summary>Σ_rows w_r · rowLoss(t_r, x_r) in double.</summary>
    private static Func<double[], double> RowSum(float[] yTrue, int labelStride, float[] weights, Func<double[], double[], double> rowLoss) => x =>
    {
        double total = 0;
        for (int r = 0; r < Rows; r++)
        {
            double[] t = yTrue.Skip(r * labelStride).Take(labelStride).Select(v => (double)v).ToArray();
            total += weights[r] * rowLoss(t, x[(r * Classes)..((r + 1) * Classes)]);
        }

        return total;
    };

    private static void AssertMatchesFiniteDifferences(Loss loss, float[] yTrue, int[] yTrueShape, float[] yPred, Func<double[], double> reference, float[] weights)
    {
        float[] gradient = loss.Gradient(
            Tensor.FromArray(yTrue, yTrueShape), Tensor.FromArray(yPred, Rows, Classes), Tensor.FromArray(weights, Rows)).ToArray();
        double[] x = yPred.Select(v => (double)v).ToArray();
        double largest = gradient.Max(g => Math.Abs((double)g));
        Assert.True(largest > 1e-3, $"{loss}: gradient too small to test ({largest})");
        for (int i = 0; i < x.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
            double saved = x[i];
            x[i] = saved + h;
            double up = reference(x);
            x[i] = saved - h;
            double down = reference(x);
            x[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-6 * largest,
                $"{loss}: component {i}: analytic {gradient[i]:R}, finite difference {numeric:R}");
        }
    }

    private static readonly float[] s_weights = [1f, 0.5f, 2f];

    private static float[] Logits() => Tensor.RandomNormal([Rows, Classes], 0f, 2f, seed: 17).ToArray();

    private static float[] Probabilities() => Tensor.RandomUniform([Rows, Classes], 0.05f, 0.95f, seed: 19).ToArray();

    private static float[] SoftTargets() => [0.7f, 0.1f, 0.2f, 0f, 0f, 0f, 1f, 0f, 0.25f, 0.25f, 0.25f, 0.25f];

    private static float[] SoftLabels() => Tensor.RandomUniform([Rows, Classes], 0f, 1f, seed: 23).ToArray();

    [Theory]
    [InlineData(true, 0f)]
    [InlineData(true, 0.2f)]
    [InlineData(false, 0f)]
    [InlineData(false, 0.2f)]
    public void BinaryCrossentropy(bool fromLogits, float smoothing)
    {
        float[] y = SoftLabels();
        float[] x = fromLogits ? Logits() : Probabilities();
        AssertMatchesFiniteDifferences(new BinaryCrossentropy(fromLogits, smoothing), y, [Rows, Classes], x, RowSum(y, Classes, s_weights, (t, v) =>
        {
            double sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                double label = t[j] * (1 - smoothing) + smoothing / 2.0;
                double p = fromLogits ? Sigmoid(v[j]) : v[j];
                sum += -label * Math.Log(p) - (1 - label) * Math.Log(1 - p);
            }

            return sum / Classes;
        }), s_weights);
    }

    [Theory]
    [InlineData(true, 0f)]
    [InlineData(true, 0.1f)]
    [InlineData(false, 0f)]
    public void CategoricalCrossentropy(bool fromLogits, float smoothing)
    {
        float[] t = SoftTargets();
        float[] x = fromLogits ? Logits() : Probabilities();
        AssertMatchesFiniteDifferences(new CategoricalCrossentropy(fromLogits, smoothing), t, [Rows, Classes], x, RowSum(t, Classes, s_weights, (target, v) =>
        {
            double[] p = fromLogits ? Softmax(v) : Normalise(v);
            double sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                double smoothed = (float)(target[j] * (1.0 - smoothing) + (double)smoothing / Classes);
                sum += -smoothed * Math.Log(p[j]);
            }

            return sum;
        }), s_weights);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SparseCategoricalCrossentropy(bool fromLogits)
    {
        float[] labels = [2f, 0f, 3f];
        float[] x = fromLogits ? Logits() : Probabilities();
        AssertMatchesFiniteDifferences(new SparseCategoricalCrossentropy(fromLogits), labels, [Rows], x, RowSum(labels, 1, s_weights, (label, v) =>
        {
            double[] p = fromLogits ? Softmax(v) : Normalise(v);
            return -Math.Log(p[(int)label[0]]);
        }), s_weights);
    }

    [Theory]
    [InlineData(true, 2f, false)]
    [InlineData(true, 0.5f, true)]
    [InlineData(false, 2f, true)]
    [InlineData(false, 1.5f, false)]
    public void BinaryFocalCrossentropy(bool fromLogits, float gamma, bool balance)
    {
        float[] y = SoftLabels();
        float[] x = fromLogits ? Logits() : Probabilities();
        const float alpha = 0.3f;
        AssertMatchesFiniteDifferences(new BinaryFocalCrossentropy(balance, alpha, gamma, fromLogits, labelSmoothing: 0.1f), y, [Rows, Classes], x,
            RowSum(y, Classes, s_weights, (t, v) =>
            {
                double sum = 0;
                for (int j = 0; j < Classes; j++)
                {
                    double label = t[j] * 0.9 + 0.05;
                    double p = fromLogits ? Sigmoid(v[j]) : v[j];
                    double bce = -label * Math.Log(p) - (1 - label) * Math.Log(1 - p);
                    double pt = label * p + (1 - label) * (1 - p);
                    double weight = balance ? label * alpha + (1 - label) * (1 - alpha) : 1;
                    sum += weight * Math.Pow(1 - pt, gamma) * bce;
                }

                return sum / Classes;
            }), s_weights);
    }

    [Theory]
    [InlineData(true, 2f)]
    [InlineData(true, 0.5f)]
    [InlineData(false, 2f)]
    [InlineData(false, 1.5f)]
    public void CategoricalFocalCrossentropy(bool fromLogits, float gamma)
    {
        float[] t = SoftTargets();
        float[] x = fromLogits ? Logits() : Probabilities();
        const float alpha = 0.4f;
        AssertMatchesFiniteDifferences(new CategoricalFocalCrossentropy(alpha, gamma, fromLogits), t, [Rows, Classes], x, RowSum(t, Classes, s_weights, (target, v) =>
        {
            double[] p = fromLogits ? Softmax(v) : Normalise(v);
            double sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                sum += -alpha * target[j] * Math.Pow(1 - p[j], gamma) * Math.Log(p[j]);
            }

            return sum;
        }), s_weights);
    }

    [Fact]
    public void MeanSquaredError()
    {
        float[] y = SoftLabels();
        float[] x = Logits();
        AssertMatchesFiniteDifferences(new MeanSquaredError(), y, [Rows, Classes], x, RowSum(y, Classes, s_weights, (t, v) =>
        {
            double sum = 0;
            for (int j = 0; j < Classes; j++)
            {
                sum += (v[j] - t[j]) * (v[j] - t[j]);
            }

            return sum / Classes;
        }), s_weights);
    }
}
