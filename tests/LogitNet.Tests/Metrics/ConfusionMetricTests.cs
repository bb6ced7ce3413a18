using LogitNet.Metrics;

namespace LogitNet.Tests.Metrics;

public class ConfusionMetricTests
{
    private static readonly Tensor KerasTargets = Tensor.FromArray([0f, 1f, 1f, 1f], 4);
    private static readonly Tensor KerasPredictions = Tensor.FromArray([1f, 0f, 1f, 1f], 4);

    [Fact]
    public void Precision_Recall_F1_KerasDocstringExample()
    {
        // Keras: Precision and Recall of [0, 1, 1, 1] against [1, 0, 1, 1] are both 2/3.
        foreach (Metric metric in new Metric[] { new Precision(), new Recall(), new F1Score() })
        {
            metric.Update(KerasTargets, KerasPredictions);
            Assert.Equal(2f / 3f, metric.Result(), 1e-7f);
        }

        // With weights [0, 0, 1, 0] only the third sample counts: a true positive, precision and recall 1.
        var weighted = new Precision();
        weighted.Update(KerasTargets, KerasPredictions, Tensor.FromArray([0f, 0f, 1f, 0f], 4));
        Assert.Equal(1f, weighted.Result());
    }

    [Fact]
    public void Threshold_OnLogits_ComparesTheLogit_NotItsRoundedSigmoid()
    {
        // σ(1e-9) rounds to exactly 0.5f, which is not above 0.5; the logit itself is above 0.
        var onLogits = new Recall(fromLogits: true);
        onLogits.Update(Tensor.FromArray([1f], 1), Tensor.FromArray([1e-9f], 1));
        Assert.Equal(1f, onLogits.Result());

        // Threshold 0.8 on logits is the logit ln 4 = 1.386...: 1.38 is below, 1.39 above.
        var high = new Precision(threshold: 0.8f, fromLogits: true);
        high.Update(Tensor.FromArray([0f, 1f], 2), Tensor.FromArray([1.38f, 1.39f], 2));
        Assert.Equal(1f, high.Result());
    }

    [Fact]
    public void ClassId_ScoresOneColumn_AndZeroOverZeroIsZero()
    {
        var precision = new Precision(classId: 1);
        Tensor targets = Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2);
        Tensor predictions = Tensor.FromArray([0.9f, 0.9f, 0.1f, 0.2f], 2, 2);
        precision.Update(targets, predictions);
        Assert.Equal(0f, precision.Result());    // column 1: one false positive, no true positive
        precision.Reset();
        precision.Update(Tensor.FromArray([0f, 0f], 1, 2), Tensor.FromArray([0f, 0f], 1, 2));
        Assert.Equal(0f, precision.Result());    // nothing predicted positive: 0, as Keras's divide_no_nan
        Assert.Throws<ArgumentException>(() => new Precision(classId: 2).Update(targets, predictions));
    }

    [Fact]
    public void NaNPrediction_MakesTheResultNaN_UntilReset()
    {
        var recall = new Recall();
        recall.Update(Tensor.FromArray([1f, 1f], 2), Tensor.FromArray([float.NaN, 0.9f], 2));
        Assert.True(float.IsNaN(recall.Result()));
        recall.Reset();
        recall.Update(Tensor.FromArray([1f], 1), Tensor.FromArray([0.9f], 1));
        Assert.Equal(1f, recall.Result());
    }

    [Fact]
    public void Auc_SklearnDocumentedExample()
    {
        var roc = new Auc();
        var pr = new Auc(AucCurve.PrecisionRecall);
        Tensor y = Tensor.FromArray([0f, 0f, 1f, 1f], 4);
        Tensor s = Tensor.FromArray([0.1f, 0.4f, 0.35f, 0.8f], 4);
        roc.Update(y, s);
        pr.Update(y, s);
        Assert.Equal(0.75f, roc.Result());
        Assert.Equal(0.8333333f, pr.Result(), 1e-6f);
    }

    [Fact]
    public void Auc_NoPositives_IsZero_AsKeras()
    {
        var auc = new Auc();
        auc.Update(Tensor.FromArray([0f, 0f], 2), Tensor.FromArray([0.3f, 0.6f], 2));
        Assert.Equal(0f, auc.Result());
    }

    [Fact]
    public void BadArguments_AreRefused_WithTheirNames()
    {
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new Precision(threshold: 1f)).ParamName);
        Assert.Equal("classId", Assert.Throws<ArgumentOutOfRangeException>(() => new Recall(classId: -1)).ParamName);
        Assert.Equal("yTrue", Assert.Throws<ArgumentException>(() => new Auc().Update(Tensor.Zeros(3), Tensor.Zeros(4))).ParamName);
        Assert.Equal("sampleWeight", Assert.Throws<ArgumentException>(() => new F1Score().Update(Tensor.Zeros(3), Tensor.Zeros(3), Tensor.Zeros(2))).ParamName);
    }
    [Fact]
    public void SoftmaxLogitsOfManyClasses_ScoreAsProbabilities_WithoutAllocating()
    {
        // 300 classes: more than the stack row holds, so the probabilities go through a pooled array (a new array per
        // update before). Row 0 puts its largest logit on the labelled class, row 1 elsewhere: recall of the one-hot targets 0.5.
        const int Classes = 300;
        float[] logits = new float[2 * Classes], targets = new float[2 * Classes];
        logits[7] = 10f;
        targets[7] = 1f;
        logits[Classes + 3] = 10f;
        targets[Classes + 4] = 1f;
        var yTrue = Tensor.FromArray(targets, 2, Classes);
        var yPred = Tensor.FromArray(logits, 2, Classes);
        var recall = new Recall(fromLogits: true);
        ((ILogitsAware)recall).SoftmaxLogits = true;
        recall.Update(yTrue, yPred);
        Assert.Equal(0.5f, recall.Result());
        Assert.Equal(0, SteadyState.AllocatedBytes(() => recall.Update(yTrue, yPred)));
    }

    [Fact]
    public void OneWeightForTheBatch_IsBroadcast_AsKerasBroadcastsIt()
    {
        foreach (Tensor weight in new[] { Tensor.Scalar(3f), Tensor.FromArray([3f], 1) })
        {
            var weighted = new Precision();
            weighted.Update(KerasTargets, KerasPredictions, weight);
            Assert.Equal(2f / 3f, weighted.Result(), 1e-7f);
            Assert.Equal(6.0, weighted.TruePositives);
        }
    }
}
