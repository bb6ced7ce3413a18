using System.Text.Json;
using LogitNet.Optimizers;
using LogitNet.Serialization.Keras;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Keras runs its decay step (<c>variable - variable * wd * lr</c>) on any optimizer whose <c>weight_decay</c> is a
/// number, 0 included, and none when it is null: a compile config's Adam becomes LogitNet's Adam or AdamW by that
/// alone, and an SGD or RMSprop with a decay is refused with a note (LogitNet's have no decay step).
/// </summary>
public class KerasOptimizerWeightDecayTests
{
    private static (Optimizer? Optimizer, List<string> Notes) Read(string optimizer, string weightDecay)
    {
        string json = "{\"loss\": \"sparse_categorical_crossentropy\", \"optimizer\": {\"class_name\": \"" + optimizer
            + "\", \"config\": {\"learning_rate\": 0.01, \"weight_decay\": " + weightDecay + "}}}";
        var notes = new List<string>();
        using JsonDocument document = JsonDocument.Parse(json);
        return (KerasCompileConfig.Read(document.RootElement, keras2: false, notes)?.Optimizer, notes);
    }

    [Fact]
    public void Adam_WithNullWeightDecay_IsPlainAdam()
    {
        (Optimizer? optimizer, _) = Read("Adam", "null");
        Assert.IsType<Adam>(optimizer);
    }

    [Theory]
    [InlineData("0.0", 0f)]
    [InlineData("0.004", 0.004f)]
    public void Adam_WithANumberForWeightDecay_DecaysAsAdamW(string weightDecay, float expected)
    {
        (Optimizer? optimizer, _) = Read("Adam", weightDecay);
        AdamW adamW = Assert.IsType<AdamW>(optimizer);
        Assert.Equal(expected, adamW.WeightDecay);
        Assert.Equal(0.01f, adamW.LearningRate);
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("RMSprop")]
    public void OtherOptimizers_WithAWeightDecay_AreRefusedWithANote(string name)
    {
        (Optimizer? optimizer, List<string> notes) = Read(name, "0.01");
        Assert.Null(optimizer);
        Assert.Contains(notes, n => n.Contains("weight_decay", StringComparison.Ordinal) && n.Contains(name, StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("uncompiled", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("SGD", typeof(SGD))]
    [InlineData("RMSprop", typeof(RMSprop))]
    public void OtherOptimizers_WithNullWeightDecay_Load(string name, Type type)
    {
        (Optimizer? optimizer, _) = Read(name, "null");
        Assert.IsType(type, optimizer);
    }
}
