using System.Text.Json;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using LogitNet.Serialization.Keras;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Compile settings that Keras 3 reads one way and LogitNet once read another: gradient accumulation, clip settings of 0,
/// CosineDecay's warmup_target, fractional decay steps, and metric settings with no LogitNet form (top_k, multi_label,
/// F1Score's per-class averages). Each either loads as Keras computes it or is refused with a note.
/// </summary>
public class KerasCompileSettingsTests
{
    private static ((Optimizer Optimizer, Metric[] Metrics)? Compiled, List<string> Notes) Read(string optimizerConfig, string metrics = "[]")
    {
        string json = "{\"loss\": \"binary_crossentropy\", \"optimizer\": {\"class_name\": \"Adam\", \"config\": " + optimizerConfig
            + "}, \"metrics\": " + metrics + "}";
        var notes = new List<string>();
        using JsonDocument document = JsonDocument.Parse(json);
        var read = KerasCompileConfig.Read(document.RootElement, keras2: false, notes);
        return (read is { } r ? (r.Optimizer, r.Metrics) : null, notes);
    }

    private static (Loss? Loss, List<string> Notes) ReadLoss(string loss, string more = "")
    {
        string json = "{\"loss\": " + loss + ", \"optimizer\": \"adam\"" + more + "}";
        var notes = new List<string>();
        using JsonDocument document = JsonDocument.Parse(json);
        return (KerasCompileConfig.Read(document.RootElement, keras2: false, notes)?.Loss, notes);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("[2.0]")]
    [InlineData("{\"out\": 0.25}")]
    public void LossWeights_OtherThanOne_AreRefusedWithANote(string weights)
    {
        // Keras's CompileLoss multiplies the output's loss by it: another loss value and step size than LogitNet's compile gives.
        (Loss? loss, List<string> notes) = ReadLoss("\"binary_crossentropy\"", ", \"loss_weights\": " + weights);
        Assert.Null(loss);
        Assert.Contains(notes, n => n.Contains("loss_weights " + weights, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("1.0")]
    [InlineData("[1.0]")]
    [InlineData("{\"out\": 1}")]
    public void LossWeights_OfOne_Load(string weights)
    {
        (Loss? loss, _) = ReadLoss("\"binary_crossentropy\"", ", \"loss_weights\": " + weights);
        Assert.IsType<BinaryCrossentropy>(loss);
    }

    [Theory]
    [InlineData("\"mean\"", Reduction.SumOverBatchSize)]
    [InlineData("null", Reduction.None)]
    [InlineData("\"none\"", Reduction.None)]
    [InlineData("\"sum\"", Reduction.Sum)]
    public void Reductions_ReadAsKeras3Names_Them(string reduction, Reduction expected)
    {
        (Loss? loss, _) = ReadLoss("{\"class_name\": \"MeanSquaredError\", \"config\": {\"name\": \"mse\", \"reduction\": " + reduction + "}}");
        Assert.Equal(expected, Assert.IsType<MeanSquaredError>(loss).Reduction);
    }

    [Fact]
    public void Reduction_MeanWithSampleWeight_IsRefusedWithANote()
    {
        (Loss? loss, List<string> notes) = ReadLoss("{\"class_name\": \"MeanSquaredError\", \"config\": {\"reduction\": \"mean_with_sample_weight\"}}");
        Assert.Null(loss);
        Assert.Contains(notes, n => n.Contains("mean_with_sample_weight", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"bce\"", typeof(BinaryCrossentropy))]
    [InlineData("\"BCE\"", typeof(BinaryCrossentropy))]
    [InlineData("\"MSE\"", typeof(MeanSquaredError))]
    [InlineData("\"MAE\"", typeof(MeanAbsoluteError))]
    [InlineData("[\"sparse_categorical_crossentropy\"]", typeof(SparseCategoricalCrossentropy))]
    [InlineData("{\"dense_2\": \"mse\"}", typeof(MeanSquaredError))]
    public void LossNames_AndSingleOutputForms_KerasAccepts_Load(string loss, Type expected)
    {
        (Loss? read, List<string> notes) = ReadLoss(loss);
        Assert.True(read is not null, string.Join(" ", notes));
        Assert.IsType(expected, read);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("4")]
    public void GradientAccumulation_IsRefusedWithANote(string steps)
    {
        (var compiled, List<string> notes) = Read("{\"learning_rate\": 0.01, \"gradient_accumulation_steps\": " + steps + "}");
        Assert.Null(compiled);
        Assert.Contains(notes, n => n.Contains("gradient_accumulation_steps=" + steps, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("1")]
    public void GradientAccumulation_OfNullOrOne_UpdatesEveryStep_AndLoads(string steps)
    {
        (var compiled, _) = Read("{\"learning_rate\": 0.01, \"gradient_accumulation_steps\": " + steps + "}");
        Assert.IsType<Adam>(compiled?.Optimizer);
    }

    [Theory]
    [InlineData("clipnorm", "0.0")]
    [InlineData("clipnorm", "-1.0")]
    [InlineData("global_clipnorm", "0")]
    [InlineData("clipvalue", "0.0")]
    [InlineData("clipvalue", "-2.0")]
    public void ClipSettings_OfZeroOrLess_MeanNoClipping_AsInKeras(string key, string value)
    {
        (var compiled, List<string> notes) = Read("{\"learning_rate\": 0.01, \"" + key + "\": " + value + "}");
        Optimizer optimizer = Assert.IsType<Adam>(compiled?.Optimizer);
        Assert.Null(optimizer.ClipNorm);
        Assert.Null(optimizer.GlobalClipNorm);
        Assert.DoesNotContain(notes, n => n.Contains("uncompiled", StringComparison.Ordinal));
    }

    [Fact]
    public void ClipNorm_AboveZero_IsKept()
    {
        (var compiled, _) = Read("{\"learning_rate\": 0.01, \"clipnorm\": 2.5}");
        Assert.Equal(2.5f, compiled?.Optimizer.ClipNorm);
    }

    [Fact]
    public void CosineDecay_WithAWarmupTargetAndNoWarmupSteps_DecaysFromTheTarget()
    {
        // Keras's CosineDecay.__call__ decays from warmup_target whenever it is set; with 0 warm-up steps that starts at once.
        (var compiled, _) = Read("{\"learning_rate\": {\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": 0.0, "
            + "\"decay_steps\": 1000, \"alpha\": 0.0, \"warmup_target\": 0.001, \"warmup_steps\": 0}}}");
        CosineDecay schedule = Assert.IsType<CosineDecay>(compiled?.Optimizer.Schedule);
        Assert.Equal(0.001f, schedule.InitialLearningRate);
        Assert.Equal(1000, schedule.DecaySteps);
    }

    [Fact]
    public void CosineDecay_WithoutAWarmupTarget_DecaysFromTheInitialRate()
    {
        (var compiled, _) = Read("{\"learning_rate\": {\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": 0.01, "
            + "\"decay_steps\": 100, \"warmup_target\": null, \"warmup_steps\": 0}}}");
        Assert.Equal(0.01f, Assert.IsType<CosineDecay>(compiled?.Optimizer.Schedule).InitialLearningRate);
    }

    [Theory]
    [InlineData("ExponentialDecay", "781.25")]
    [InlineData("CosineDecay", "0.5")]
    public void FractionalDecaySteps_AreRefused_NotTruncated(string schedule, string steps)
    {
        (var compiled, List<string> notes) = Read("{\"learning_rate\": {\"class_name\": \"" + schedule + "\", \"config\": {\"initial_learning_rate\": 0.01, "
            + "\"decay_steps\": " + steps + ", \"decay_rate\": 0.5}}}");
        Assert.Null(compiled);
        Assert.Contains(notes, n => n.Contains("decay_steps " + steps, StringComparison.Ordinal));
    }

    [Fact]
    public void WholeDecaySteps_WrittenAsAFloat_Load()
    {
        (var compiled, _) = Read("{\"learning_rate\": {\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.01, "
            + "\"decay_steps\": 100.0, \"decay_rate\": 0.5}}}");
        Assert.Equal(100, Assert.IsType<ExponentialDecay>(compiled?.Optimizer.Schedule).DecaySteps);
    }

    [Theory]
    [InlineData("{\"class_name\": \"Precision\", \"config\": {\"name\": \"p\", \"thresholds\": null, \"top_k\": 1, \"class_id\": null}}", "top_k=1")]
    [InlineData("{\"class_name\": \"Recall\", \"config\": {\"name\": \"p\", \"thresholds\": null, \"top_k\": 3, \"class_id\": null}}", "top_k=3")]
    [InlineData("{\"class_name\": \"AUC\", \"config\": {\"name\": \"p\", \"curve\": \"ROC\", \"multi_label\": true}}", "multi_label")]
    [InlineData("{\"class_name\": \"AUC\", \"config\": {\"name\": \"p\", \"curve\": \"ROC\", \"label_weights\": [1.0, 2.0]}}", "label_weights")]
    [InlineData("{\"class_name\": \"F1Score\", \"config\": {\"name\": \"p\", \"average\": null, \"threshold\": 0.5}}", "average")]
    [InlineData("{\"class_name\": \"F1Score\", \"config\": {\"name\": \"p\", \"average\": \"macro\", \"threshold\": 0.5}}", "average")]
    [InlineData("{\"class_name\": \"F1Score\", \"config\": {\"name\": \"p\", \"average\": \"micro\", \"threshold\": null}}", "threshold=None")]
    [InlineData("\"f1_score\"", "average")]
    public void MetricSettings_WithNoLogitNetForm_AreLeftOutWithANote(string metric, string named)
    {
        (var compiled, List<string> notes) = Read("{\"learning_rate\": 0.01}", "[\"accuracy\", " + metric + "]");
        Assert.NotNull(compiled);
        Assert.Equal(["accuracy"], compiled.Value.Metrics.Select(m => m.Name));
        Assert.Contains(notes, n => n.Contains(named, StringComparison.Ordinal) && n.Contains("left out", StringComparison.Ordinal));
    }

    [Fact]
    public void MetricSettings_ThatLogitNetHas_Load()
    {
        (var compiled, _) = Read("{\"learning_rate\": 0.01}",
            "[{\"class_name\": \"Precision\", \"config\": {\"name\": \"p\", \"thresholds\": 0.3, \"top_k\": null, \"class_id\": null}}, "
            + "{\"class_name\": \"AUC\", \"config\": {\"name\": \"auc\", \"curve\": \"PR\", \"multi_label\": false, \"label_weights\": null}}, "
            + "{\"module\": \"keras.metrics\", \"class_name\": \"F1Score\", \"config\": {\"name\": \"f1\", \"dtype\": \"float32\", \"average\": \"micro\", \"threshold\": 0.4}}]");
        Metric[] metrics = compiled!.Value.Metrics;
        Assert.Equal(0.3f, Assert.IsType<Precision>(metrics[0]).Threshold);
        Assert.Equal(AucCurve.PrecisionRecall, Assert.IsType<Auc>(metrics[1]).Curve);
        F1Score f1 = Assert.IsType<F1Score>(metrics[2]);
        Assert.Equal(0.4f, f1.Threshold);
        Assert.Equal("f1", f1.Name);
    }

    [Theory]
    [InlineData("{\"class_name\": \"F1Score\", \"config\": {\"name\": \"f1\", \"average\": \"micro\", \"threshold\": 1.0}}", "threshold 1")]
    [InlineData("{\"class_name\": \"Precision\", \"config\": {\"name\": \"p\", \"thresholds\": [0.3, 0.6]}}", "thresholds [0.3, 0.6]")]
    public void MetricThresholdsLogitNetLacks_AreNamedInTheNote(string metric, string named)
    {
        (var compiled, List<string> notes) = Read("{\"learning_rate\": 0.01}", "[" + metric + "]");
        Assert.Empty(compiled!.Value.Metrics);
        Assert.Contains(notes, n => n.Contains(named, StringComparison.Ordinal) && n.Contains("left out", StringComparison.Ordinal));
    }
}
