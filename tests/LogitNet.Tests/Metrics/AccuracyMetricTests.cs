using LogitNet.Metrics;

namespace LogitNet.Tests.Metrics;

public class AccuracyMetricTests
{
    [Fact]
    public void SparseCategoricalAccuracy_CountsArgmaxMatches()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update(Tensor.FromArray([2f, 1f], 2), Tensor.FromArray([0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0f], 2, 3));
        Assert.Equal(0.5f, metric.Result());
        Assert.Equal("sparse_categorical_accuracy", metric.Name);
    }

    [Fact]
    public void SparseCategoricalAccuracy_SameOnLogitsAndProbabilities()
    {
        Tensor logits = Tensor.RandomNormal([50, 7], 0f, 3f, seed: 4);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, 50).Select(i => (float)(i % 7)).ToArray(), 50, 1);
        var onLogits = new SparseCategoricalAccuracy();
        var onProbabilities = new SparseCategoricalAccuracy();
        onLogits.Update(labels, logits);
        onProbabilities.Update(labels, SoftmaxInDouble(logits));
        Assert.Equal(onLogits.Result(), onProbabilities.Result());
    }

    private static Tensor SoftmaxInDouble(Tensor logits)
    {
        int classes = logits.Shape[1];
        float[] z = logits.ToArray();
        float[] p = new float[z.Length];
        for (int row = 0; row < z.Length / classes; row++)
        {
            double max = z.Skip(row * classes).Take(classes).Max();
            double sum = z.Skip(row * classes).Take(classes).Sum(v => Math.Exp(v - max));
            for (int j = 0; j < classes; j++)
            {
                p[row * classes + j] = (float)(Math.Exp(z[row * classes + j] - max) / sum);
            }
        }

        return Tensor.FromArray(p, logits.Shape);
    }

    [Fact]
    public void SparseCategoricalAccuracy_AccumulatesAcrossBatches_WithWeights_AndResets()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update(Tensor.FromArray([0f], 1), Tensor.FromArray([1f, 0f], 1, 2));                     // right
        metric.Update(Tensor.FromArray([0f, 1f], 2), Tensor.FromArray([0f, 1f, 0f, 1f], 2, 2),
            sampleWeight: Tensor.FromArray([3f, 1f], 2));                                                  // wrong (w 3), right (w 1)
        Assert.Equal(2f / 5f, metric.Result(), 1e-7f);
        metric.Reset();
        Assert.Equal(0f, metric.Result());   // Keras's divide_no_nan: nothing added reads 0, not NaN
    }

    [Fact]
    public void SparseCategoricalAccuracy_NaNRow_IsWrong()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update(Tensor.FromArray([0f], 1), Tensor.FromArray([float.NaN, 0f], 1, 2));
        Assert.Equal(0f, metric.Result());
    }

    [Fact]
    public void SparseCategoricalAccuracy_BadLabel_NamesRowValueAndClassCount()
    {
        var metric = new SparseCategoricalAccuracy();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            metric.Update(Tensor.FromArray([0f, 3f], 2), Tensor.Zeros(2, 3)));
        Assert.Contains("Row 1", error.Message);
        Assert.Contains("0..2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => metric.Update(Tensor.FromArray([0.5f], 1), Tensor.Zeros(1, 3)));
    }

    [Fact]
    public void SparseCategoricalAccuracy_WrongLabelCount_NamesShapes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SparseCategoricalAccuracy().Update(Tensor.Zeros(3), Tensor.Zeros(2, 4)));
        Assert.Contains("[2, 4]", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void CategoricalAccuracy_ComparesArgmaxOfTargetsAndOutputs()
    {
        var metric = new CategoricalAccuracy();
        metric.Update(Tensor.FromArray([0f, 0f, 1f, 0f, 1f, 0f], 2, 3), Tensor.FromArray([0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0f], 2, 3));
        Assert.Equal(0.5f, metric.Result());
        Assert.Throws<ArgumentException>(() => metric.Update(Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)));
    }

    [Fact]
    public void BinaryAccuracy_FromLogits_ThresholdsAtZero()
    {
        var metric = new BinaryAccuracy(fromLogits: true);
        metric.Update(Tensor.FromArray([1f, 0f, 1f], 3, 1), Tensor.FromArray([2.3f, -0.1f, -4f], 3, 1));
        Assert.Equal(2f / 3f, metric.Result(), 1e-7f);
    }

    [Fact]
    public void BinaryAccuracy_FromProbabilities_ThresholdsAtHalf()
    {
        var metric = new BinaryAccuracy();
        metric.Update(Tensor.FromArray([1f, 0f, 1f, 0f], 4), Tensor.FromArray([0.9f, 0.2f, 0.4f, 0.5f], 4));
        Assert.Equal(0.75f, metric.Result());
    }

    [Fact]
    public void BinaryAccuracy_LogitThreshold_AgreesWithSigmoidThreshold()
    {
        // A logit just above and just below log(0.7/0.3) = 0.8473: compared on the logit, with no rounded sigmoid.
        var metric = new BinaryAccuracy(threshold: 0.7f, fromLogits: true);
        metric.Update(Tensor.FromArray([1f, 0f], 2), Tensor.FromArray([0.848f, 0.847f], 2));
        Assert.Equal(1f, metric.Result());
    }

    [Fact]
    public void BinaryAccuracy_MultiLabel_AveragesPerSample()
    {
        var metric = new BinaryAccuracy();
        metric.Update(Tensor.FromArray([1f, 1f, 0f, 0f], 2, 2), Tensor.FromArray([0.9f, 0.1f, 0.1f, 0.2f], 2, 2),
            sampleWeight: Tensor.FromArray([1f, 3f], 2));
        Assert.Equal((0.5f * 1 + 1f * 3) / 4, metric.Result(), 1e-7f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryAccuracy(threshold: 1f));
    }

    [Fact]
    public void Accuracy_IsKerasAccuracyString_NotExactEquality()
    {
        // Keras's "accuracy" on one output per sample is binary accuracy at 0.5: the old meaning,
        // exact equality, scored these probabilities 0 against their 0/1 targets.
        var metric = new LogitNet.Metrics.Accuracy();
        metric.Update(Tensor.FromArray([1f, 0f, 1f, 0f], 4, 1), Tensor.FromArray([0.9f, 0.2f, 0.4f, 0.1f], 4, 1));
        Assert.Equal(0.75f, metric.Result());
        Assert.Equal("accuracy", metric.Name);
    }

    [Fact]
    public void MetricsShortNames_ReturnFreshMetricsOfEachKind()
    {
        Assert.IsType<SparseCategoricalAccuracy>(LogitNet.Metrics.Metrics.SparseCategoricalAccuracy);
        Assert.IsType<CategoricalAccuracy>(LogitNet.Metrics.Metrics.CategoricalAccuracy);
        Assert.IsType<BinaryAccuracy>(LogitNet.Metrics.Metrics.BinaryAccuracy);
        Assert.IsType<LogitNet.Metrics.Accuracy>(LogitNet.Metrics.Metrics.Accuracy);
        Assert.NotSame(LogitNet.Metrics.Metrics.Accuracy, LogitNet.Metrics.Metrics.Accuracy);
    }

    [Fact]
    public void SampleWeight_WrongLength_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new BinaryAccuracy().Update(Tensor.Zeros(3), Tensor.Zeros(3), Tensor.Zeros(2)));
        Assert.Equal("sampleWeight", error.ParamName);
    }
    [Fact]
    public void MeanMetrics_WithEveryWeightZero_ReadZero_AsKerasDivideNoNaN()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update(Tensor.FromArray([0f, 1f], 2), Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2), sampleWeight: Tensor.FromArray([0f, 0f], 2));
        Assert.Equal(0f, metric.Result());
        Assert.Equal(0f, new LogitNet.Metrics.Accuracy().Result());
    }

    [Fact]
    public void MeanMetrics_TakeOneWeightForTheBatch()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update(Tensor.FromArray([0f, 1f, 1f], 3), Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 0f], 3, 2), sampleWeight: Tensor.Scalar(2f));
        Assert.Equal(2f / 3f, metric.Result(), 1e-7f);
        var wrongLength = Assert.Throws<ArgumentException>(() => metric.Update(Tensor.FromArray([0f, 1f, 1f], 3), Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 0f], 3, 2), Tensor.FromArray([1f, 2f], 2)));
        Assert.Contains("one for the batch", wrongLength.Message);
    }
}
