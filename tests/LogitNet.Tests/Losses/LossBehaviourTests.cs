using LogitNet.Losses;
using LogitNet.Tests.Accuracy;

namespace LogitNet.Tests.Losses;

/// <summary>
/// The documented examples (exact values from 200-bit arithmetic, Keras's own figures beside them in the
/// docs), shapes, reductions, weights, ignored classes and label smoothing.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class LossBehaviourTests
{
    private static void AssertUlps(double exact, float computed, double maxUlps = 1)
    {
        double error = UlpMetric.Error(computed, exact);
        Assert.True(error <= maxUlps, $"computed {computed:R}, exact {exact:R}: {error:G4} ulp");
    }

    [Fact]
    public void DocumentedExamples_GiveTheirExactValues()
    {
        Tensor binaryLabels = Tensor.FromArray([0f, 1f, 0f, 0f], 4, 1);
        Tensor binaryLogits = Tensor.FromArray([-18.6f, 0.51f, 2.94f, -12.8f], 4, 1);
        AssertUlps(0.86545796426233264, new BinaryCrossentropy(fromLogits: true).Call(binaryLabels, binaryLogits).ToScalar());
        float[] binaryGradient = new BinaryCrossentropy(fromLogits: true).Gradient(binaryLabels, binaryLogits).ToArray();
        double[] exactBinaryGradient = [8.35838684303981e-09, -0.37519352776720594, 0.9497887295385828, 2.760764423620427e-06];
        for (int i = 0; i < 4; i++)
        {
            AssertUlps(exactBinaryGradient[i], binaryGradient[i]);
        }

        AssertUlps(0.81492448340767385, new BinaryCrossentropy().Call(
            Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2), Tensor.FromArray([0.6f, 0.4f, 0.4f, 0.6f], 2, 2)).ToScalar());

        Tensor oneHot = Tensor.FromArray([0f, 1f, 0f, 0f, 0f, 1f], 2, 3);
        Tensor probabilities = Tensor.FromArray([0.05f, 0.95f, 0f, 0.1f, 0.8f, 0.1f], 2, 3);
        AssertUlps(1.1769391943770358, new CategoricalCrossentropy().Call(oneHot, probabilities).ToScalar());
        AssertUlps(1.1769391943770358, new SparseCategoricalCrossentropy().Call(Tensor.FromArray([1f, 2f], 2), probabilities).ToScalar());
        AssertUlps(0.23315276982140812, new CategoricalFocalCrossentropy().Call(oneHot, probabilities).ToScalar());
        AssertUlps(0.69121209228865557, new BinaryFocalCrossentropy(gamma: 2f, fromLogits: true).Call(binaryLabels, binaryLogits).ToScalar());
        AssertUlps(0.35094577954879324, new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f)
            .Call(Tensor.FromArray([1f, 0f, 0f], 1, 3), Tensor.FromArray([4f, 1f, -2f], 1, 3)).ToScalar());
        AssertUlps(0.31853977025261084, new SparseCategoricalCrossentropy(fromLogits: true)
            .Call(Tensor.FromArray([0f, 1f], 2), Tensor.FromArray([2f, 1f, 0.1f, 0.5f, 2.5f, 0.3f], 2, 3)).ToScalar());
        Assert.Equal(0.5f, new MeanSquaredError().Call(
            Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2), Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2)).ToScalar());
        Assert.Equal([1f, 0f, 1f, 0f], new MeanSquaredError().Gradient(
            Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2), Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2)).ToArray());
    }

    [Fact]
    public void ConfidentAndRight_KeepsEveryDigit()
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1);
        Tensor logits = Tensor.FromArray([30f, 0f, 0f, 1f, 2f, 3f], 2, 3);
        Tensor labels = Tensor.FromArray([0f, -1f], 2);
        AssertUlps(1.8715245937678598e-13, loss.Call(labels, logits).ToScalar());
        float[] gradient = loss.Gradient(labels, logits).ToArray();
        AssertUlps(-1.8715245937676846e-13, gradient[0]);
        AssertUlps(9.357622968838423e-14, gradient[1]);
        AssertUlps(9.357622968838423e-14, gradient[2]);
        Assert.Equal([0f, 0f, 0f], gradient[3..]);

        // The binary form: logit 30 with label 1 costs softplus(-30), not 0.
        AssertUlps(9.3576229688397368e-14, new BinaryCrossentropy(fromLogits: true).Call(Tensor.FromArray([1f], 1, 1), Tensor.FromArray([30f], 1, 1)).ToScalar());
    }

    [Fact]
    public void ConfidentAndWrong_IsFiniteAndExact()
    {
        Assert.Equal(10000f, new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray([0f], 1), Tensor.FromArray([0f, 1e4f], 1, 2)).ToScalar());
        Assert.Equal(10000f, new BinaryCrossentropy(fromLogits: true).Call(Tensor.FromArray([0f], 1, 1), Tensor.FromArray([1e4f], 1, 1)).ToScalar());
        Assert.Equal([-1f, 1f], new SparseCategoricalCrossentropy(fromLogits: true).Gradient(Tensor.FromArray([0f], 1), Tensor.FromArray([0f, 1e4f], 1, 2)).ToArray());
    }

    [Fact]
    public void Probabilities_ZeroAndOne_AreEvaluatedAtTheNearestRepresentableProbability()
    {
        var loss = new BinaryCrossentropy(reduction: Reduction.None);
        float[] values = loss.Call(Tensor.FromArray([1f, 0f, 0f, 1f], 4, 1), Tensor.FromArray([0f, 1f, 0f, 1f], 4, 1)).ToArray();
        AssertUlps(103.27892990343185, values[0]);
        AssertUlps(16.635532333438687, values[1]);
        Assert.Equal(0f, values[2]);
        Assert.Equal(0f, values[3]);
        AssertUlps(23.025850916589025, new BinaryCrossentropy().Call(Tensor.FromArray([1f], 1, 1), Tensor.FromArray([1e-10f], 1, 1)).ToScalar());
        float[] gradient = loss.Gradient(Tensor.FromArray([0f, 1f], 2, 1), Tensor.FromArray([0f, 1f], 2, 1)).ToArray();
        // At p = 1 - 2^-24 the gradient against label 1 is -1/(1 - 2^-24), which rounds to -(1 + 2^-23).
        Assert.Equal([1f, (float)(-1 / (1 - Math.ScaleB(1, -24)))], gradient);
        Assert.Equal(-1.00000012f, gradient[1]);
        AssertUlps(103.27892990343185, new SparseCategoricalCrossentropy().Call(Tensor.FromArray([0f], 1), Tensor.FromArray([0f, 1f], 1, 2)).ToScalar());
    }

    [Fact]
    public void MaskedLogits_ContributeZero()
    {
        float ninf = float.NegativeInfinity;
        Tensor logits = Tensor.FromArray([2f, ninf, 0f, ninf], 1, 4);
        float[] gradient = new SparseCategoricalCrossentropy(fromLogits: true).Gradient(Tensor.FromArray([0f], 1), logits).ToArray();
        Assert.Equal(0f, gradient[1]);
        Assert.Equal(0f, gradient[3]);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        float soft = new CategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray([0.5f, 0f, 0.5f, 0f], 1, 4), logits).ToScalar();
        Assert.True(float.IsFinite(soft) && soft > 0);
        Assert.Equal(0f, new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray([0f], 1), Tensor.FromArray([5f, ninf], 1, 2)).ToScalar());
    }

    [Fact]
    public void NaNIn_GivesNaNOut()
    {
        float nan = float.NaN;
        Assert.True(float.IsNaN(new BinaryCrossentropy(fromLogits: true).Call(Tensor.FromArray([1f, 0f], 2, 1), Tensor.FromArray([nan, 1f], 2, 1)).ToScalar()));
        Assert.True(float.IsNaN(new BinaryCrossentropy().Call(Tensor.FromArray([1f], 1, 1), Tensor.FromArray([nan], 1, 1)).ToScalar()));
        Assert.True(float.IsNaN(new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray([0f], 1), Tensor.FromArray([1f, nan, 0f], 1, 3)).ToScalar()));
        Assert.All(new SparseCategoricalCrossentropy(fromLogits: true).Gradient(Tensor.FromArray([0f], 1), Tensor.FromArray([1f, nan, 0f], 1, 3)).ToArray(),
            g => Assert.True(float.IsNaN(g)));
        Assert.True(float.IsNaN(new CategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray([1f, 0f], 1, 2), Tensor.FromArray([nan, 0f], 1, 2)).ToScalar()));
        Assert.True(float.IsNaN(new CategoricalCrossentropy().Call(Tensor.FromArray([1f, 0f], 1, 2), Tensor.FromArray([nan, 0.5f], 1, 2)).ToScalar()));
        Assert.True(float.IsNaN(new MeanSquaredError().Call(Tensor.FromArray([1f], 1), Tensor.FromArray([nan], 1)).ToScalar()));
        Assert.True(float.IsNaN(new BinaryFocalCrossentropy(fromLogits: true).Call(Tensor.FromArray([1f], 1, 1), Tensor.FromArray([nan], 1, 1)).ToScalar()));
        Assert.True(float.IsNaN(new CategoricalFocalCrossentropy(fromLogits: true).Call(Tensor.FromArray([1f, 0f], 1, 2), Tensor.FromArray([nan, 0f], 1, 2)).ToScalar()));
    }

    [Fact]
    public void SparseLabel_OutOfRangeNegativeOrFractional_NamesRowValueAndClassCount()
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        Tensor logits = Tensor.Zeros(3, 4);
        foreach (float bad in new[] { 4f, -1f, 1.5f, float.NaN })
        {
            var exception = Assert.Throws<ArgumentOutOfRangeException>(() => loss.Call(Tensor.FromArray([0f, 1f, bad], 3), logits));
            Assert.Equal("yTrue", exception.ParamName);
            Assert.Contains("row 2", exception.Message);
            Assert.Contains(bad.ToString("R", System.Globalization.CultureInfo.InvariantCulture), exception.Message);
            Assert.Contains("4 classes", exception.Message);
        }

        // The ignored class is not an error, wherever it lies.
        Assert.Equal(0f, new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 255).Call(Tensor.FromArray([255f], 1), Tensor.Zeros(1, 4)).ToScalar());
    }

    [Fact]
    public void MismatchedShapes_NameBoth()
    {
        var exception = Assert.Throws<ArgumentException>(() => new CategoricalCrossentropy().Call(Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)));
        Assert.Contains("[2, 3]", exception.Message);
        Assert.Contains("[2, 4]", exception.Message);
        exception = Assert.Throws<ArgumentException>(() => new BinaryCrossentropy().Call(Tensor.Zeros(3), Tensor.Zeros(2, 1)));
        Assert.Contains("[3]", exception.Message);
        Assert.Contains("[2, 1]", exception.Message);
        exception = Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Call(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3)));
        Assert.Contains("CategoricalCrossentropy", exception.Message);
        exception = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Call(Tensor.Zeros(2, 2), Tensor.Zeros(2, 2), Tensor.Zeros(3)));
        Assert.Contains("[3]", exception.Message);
        Assert.Throws<ArgumentException>(() => new MeanSquaredError().Compute(Tensor.Zeros(2, 2), Tensor.Zeros(2, 2), new float[3]));
    }

    [Fact]
    public void ProbabilitiesOutsideUnitInterval_AskWhetherFromLogitsWasMeant()
    {
        Loss[] losses =
        [
            new BinaryCrossentropy(), new CategoricalCrossentropy(), new BinaryFocalCrossentropy(), new CategoricalFocalCrossentropy(),
        ];
        foreach (Loss loss in losses)
        {
            var exception = Assert.Throws<ArgumentException>(() => loss.Call(Tensor.FromArray([1f, 0f], 1, 2), Tensor.FromArray([2.5f, -1f], 1, 2)));
            Assert.Contains("fromLogits: true", exception.Message);
            Assert.Contains("2.5", exception.Message);
        }

        Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Call(Tensor.FromArray([0f], 1), Tensor.FromArray([0.5f, 1.5f], 1, 2)));
    }

    [Fact]
    public void Options_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryCrossentropy(labelSmoothing: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalCrossentropy(labelSmoothing: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryFocalCrossentropy(gamma: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalFocalCrossentropy(alpha: 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MeanSquaredError((Reduction)7));
    }

    [Fact]
    public void Reductions_FollowKeras()
    {
        Tensor yTrue = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);
        Tensor yPred = Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2);
        Tensor none = new MeanSquaredError(Reduction.None).Call(yTrue, yPred);
        Assert.Equal([2], none.Shape);
        Assert.Equal([0.5f, 0.5f], none.ToArray());
        Assert.Equal(1f, new MeanSquaredError(Reduction.Sum).Call(yTrue, yPred).ToScalar());
        Assert.Equal(0.5f, new MeanSquaredError().Call(yTrue, yPred).ToScalar());
        Assert.Equal(0f, new MeanSquaredError().Call(Tensor.Zeros(0, 2), Tensor.Zeros(0, 2)).ToScalar());
    }

    [Fact]
    public void LeadingAxes_GiveOneValuePerPosition_AndWeightsBroadcast()
    {
        // [batch 2, time 3, classes 4] logits with [2, 3] labels and [2] weights.
        Tensor logits = Tensor.RandomNormal([2, 3, 4], 0f, 2f, seed: 11);
        Tensor labels = Tensor.FromArray([0f, 1f, 2f, 3f, 0f, 1f], 2, 3);
        Tensor weights = Tensor.FromArray([2f, 0.5f], 2);
        var none = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        Tensor perStep = none.Call(labels, logits);
        Assert.Equal([2, 3], perStep.Shape);
        Tensor weighted = none.Call(labels, logits, weights);
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < 3; t++)
            {
                Assert.Equal((float)((double)perStep[b, t] * weights[b]), weighted[b, t], 0f);
            }
        }

        // Each position alone gives the same value as in the batch.
        var single = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.Sum);
        Tensor flatLogits = logits.Reshape(6, 4);
        for (int s = 0; s < 6; s++)
        {
            Assert.Equal(perStep.Reshape(6)[s], single.Call(Tensor.FromArray([labels.Reshape(6)[s]], 1), flatLogits.Slice(s, 1)).ToScalar());
        }

        // SumOverBatchSize divides the weighted sum by the number of samples (6), as Keras does.
        double weightedSum = weighted.ToArray().Sum(v => (double)v);
        float mean = new SparseCategoricalCrossentropy(fromLogits: true).Call(labels, logits, weights).ToScalar();
        Assert.Equal(weightedSum / 6, mean, 1e-6);

        // The gradient scales each sample's row by its weight.
        Tensor gradient = none.Gradient(labels, logits);
        Tensor weightedGradient = none.Gradient(labels, logits, weights);
        for (int i = 0; i < 24; i++)
        {
            Assert.Equal(gradient.Reshape(24)[i] * weights[i / 12], weightedGradient.Reshape(24)[i], 1e-6f * Math.Abs(gradient.Reshape(24)[i]));
        }
    }

    [Fact]
    public void ElementwiseLosses_OnThreeAxes_AverageTheLastAndWeightTheLeading()
    {
        Tensor z = Tensor.RandomNormal([2, 3, 4], 0f, 2f, seed: 29);
        Tensor y = Tensor.RandomUniform([2, 3, 4], 0f, 1f, seed: 31);
        Tensor weights = Tensor.FromArray([3f, 0.25f], 2, 1);
        foreach (Loss loss in new Loss[] { new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None), new MeanSquaredError(Reduction.None) })
        {
            Tensor plain = loss.Call(y, z);
            Assert.Equal([2, 3], plain.Shape);
            Tensor weighted = loss.Call(y, z, weights);
            Tensor flat = loss.Call(y.Reshape(24, 1), z.Reshape(24, 1));
            for (int s = 0; s < 6; s++)
            {
                double mean = Enumerable.Range(0, 4).Sum(j => (double)flat[s * 4 + j]) / 4;
                Assert.Equal(mean, plain.Reshape(6)[s], 1e-6 * Math.Max(1, mean));
                Assert.Equal(mean * (s < 3 ? 3 : 0.25), weighted.Reshape(6)[s], 1e-6 * Math.Max(1, mean));
            }

            // Compute on the weighted sum: the value and the gradient of Σ w·L, divided by the 6 samples.
            var gradient = new float[24];
            var mean6 = (Loss)(loss is BinaryCrossentropy ? new BinaryCrossentropy(fromLogits: true) : new MeanSquaredError());
            float value = mean6.Compute(y, z, weights, gradient);
            Assert.Equal(weighted.ToArray().Sum(v => (double)v) / 6, value, 1e-6);
            float[] full = loss.Gradient(y, z, weights).ToArray();
            for (int i = 0; i < 24; i++)
            {
                Assert.Equal(full[i] / 6.0, gradient[i], 1e-7 * Math.Max(1, Math.Abs(full[i])));
            }
        }
    }

    [Fact]
    public void IgnoreClass_SkipsSamples_AndTheMeanCountsTheRest()
    {
        Tensor logits = Tensor.FromArray([1f, 2f, 3f, 3f, 2f, 1f, 0f, 0f, 5f], 3, 3);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 1);
        Tensor labels = Tensor.FromArray([2f, 1f, 0f], 3, 1);
        float[] perSample = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 1, reduction: Reduction.None).Call(labels, logits).ToArray();
        Assert.Equal(0f, perSample[1]);
        Assert.Equal((perSample[0] + (double)perSample[2]) / 2, loss.Call(labels, logits).ToScalar(), 1e-6);
        var gradient = new float[9];
        float value = loss.Compute(labels, logits, gradient);
        Assert.Equal(loss.Call(labels, logits).ToScalar(), value);
        Assert.Equal([0f, 0f, 0f], gradient[3..6]);
        float[] full = loss.Gradient(labels, logits).ToArray();
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal((float)(full[i] / 2.0), gradient[i], 1e-6f * Math.Abs(full[i]));
        }
    }

    [Fact]
    public void LabelSmoothing_EqualsSmoothedLabels()
    {
        Tensor logits = Tensor.FromArray([2f, -1f, 0.5f, 3f, 0f, -2f], 2, 3);
        Tensor oneHot = Tensor.FromArray([1f, 0f, 0f, 0f, 0f, 1f], 2, 3);
        Tensor smoothed = Tensor.FromArray([0.9f + 0.1f / 3, 0.1f / 3, 0.1f / 3, 0.1f / 3, 0.1f / 3, 0.9f + 0.1f / 3], 2, 3);
        Assert.Equal(new CategoricalCrossentropy(fromLogits: true).Call(smoothed, logits).ToScalar(),
            new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f).Call(oneHot, logits).ToScalar(), 1e-6f);

        Tensor binaryLogits = Tensor.FromArray([2f, -1f], 2, 1);
        Assert.Equal(new BinaryCrossentropy(fromLogits: true).Call(Tensor.FromArray([0.95f, 0.05f], 2, 1), binaryLogits).ToScalar(),
            new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f).Call(Tensor.FromArray([1f, 0f], 2, 1), binaryLogits).ToScalar(), 1e-6f);
    }

    [Fact]
    public void BinaryCrossentropy_OnRows_AveragesTheLastAxis()
    {
        Tensor z = Tensor.FromArray([1f, -2f, 3f, 0.5f, 0f, -1f], 2, 3);
        Tensor y = Tensor.FromArray([1f, 0f, 1f, 0f, 1f, 0f], 2, 3);
        var none = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        float[] rows = none.Call(y, z).ToArray();
        float[] each = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None).Call(y.Reshape(6, 1), z.Reshape(6, 1)).ToArray();
        Assert.Equal((each[0] + (double)each[1] + each[2]) / 3, rows[0], 1e-6);
        Assert.Equal((each[3] + (double)each[4] + each[5]) / 3, rows[1], 1e-6);
        float[] gradient = none.Gradient(y, z).ToArray();
        float[] eachGradient = none.Gradient(y.Reshape(6, 1), z.Reshape(6, 1)).ToArray();
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(eachGradient[i] / 3.0, gradient[i], 1e-7);
        }
    }

    [Fact]
    public void Compute_MatchesCallAndScaledGradient_AndAllocatesNothingWhenWarm()
    {
        Tensor logits = Tensor.RandomNormal([64, 10], 0f, 3f, seed: 5);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (float)(i % 10)).ToArray(), 64);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var gradient = new float[640];
        float value = loss.Compute(labels, logits, gradient);
        Assert.Equal(loss.Call(labels, logits).ToScalar(), value);
        float[] full = loss.Gradient(labels, logits).ToArray();
        for (int i = 0; i < 640; i++)
        {
            Assert.Equal(full[i] / 64.0, gradient[i], Math.Abs(full[i]) * 1e-7);
        }

        Assert.Equal(0, SteadyState.AllocatedBytes(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                loss.Compute(labels, logits, gradient);
            }
        }));
    }

    [Fact]
    public void LargeBatches_GiveTheSameBitsOnOneOrTwoThreads()
    {
        Tensor logits = Tensor.RandomNormal([600, 1000], 0f, 4f, seed: 3);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, 600).Select(i => (float)(i * 7 % 1000)).ToArray(), 600);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        int saved = Loss.MaxDegreeOfParallelism;
        try
        {
            var one = new float[600_000];
            var two = new float[600_000];
            Loss.MaxDegreeOfParallelism = 1;
            float valueOne = loss.Compute(labels, logits, one);
            Loss.MaxDegreeOfParallelism = 2;
            float valueTwo = loss.Compute(labels, logits, two);
            Assert.Equal(valueOne, valueTwo);
            Assert.True(one.AsSpan().SequenceEqual(two));
        }
        finally
        {
            Loss.MaxDegreeOfParallelism = saved;
        }
    }
}
