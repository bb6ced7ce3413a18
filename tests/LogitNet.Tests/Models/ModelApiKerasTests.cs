using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// The model API where Keras 3's behaviour was checked against its source: a model that starts with an Input layer has its
/// weights at once, given layer names are unique within a model, and class weights take one class per sample.
/// </summary>
public class ModelApiKerasTests
{
    [Fact]
    public void ModelStartingWithInput_TakesWeightsAtOnce_ThroughTheModelsSetWeights()
    {
        // Keras's Sequential builds as soon as its first layer is an InputLayer, so model.set_weights(...) works at once.
        var model = new Sequential(new Input(2), new Dense(3)) { Seed = 7, Log = TextWriter.Null };
        Tensor kernel = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Tensor bias = Tensor.FromArray([0.5f, -0.5f, 1f], 3);
        model.SetWeights(kernel, bias);
        Assert.True(model.IsBuilt);
        Assert.Equal(2, model.Parameters.Count);
        Assert.Equal([1f * 1 + 2 * 4 + 0.5f, 1f * 2 + 2 * 5 - 0.5f, 1f * 3 + 2 * 6 + 1], model.Predict(Tensor.FromArray([1f, 2f], 1, 2)).ToArray());
    }

    [Fact]
    public void ModelStartingWithInput_BuildsWithoutAShape_AndReadingLayersChangesNothing()
    {
        var model = new Sequential(new Input(2), new Dense(3)) { Log = TextWriter.Null };
        Assert.False(model.Layers[1].IsBuilt);   // a property read builds nothing, so Seed can still be set
        model.Seed = 5;
        model.Build();
        model.Layers[1].SetWeights(Tensor.Zeros(2, 3), Tensor.Ones(3));
        Assert.Equal([1f, 1f, 1f], model.Predict(Tensor.FromArray([3f, 4f], 1, 2)).ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => new Sequential(new Input(2), new Dense(3)).Layers[1].SetWeights(Tensor.Zeros(2, 3), Tensor.Ones(3)));
        Assert.Contains("model.Build()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelStartingWithInput_SeededInItsInitializer_DrawsItsWeightsFromThatSeed()
    {
        var lazy = new Sequential(new Input(4), new Dense(3)) { Seed = 42, Log = TextWriter.Null };
        float[] first = lazy.GetWeights()[0].ToArray();
        var built = new Sequential(new Input(4), new Dense(3)) { Seed = 42, Log = TextWriter.Null };
        built.Build(4);
        var other = new Sequential(new Input(4), new Dense(3)) { Seed = 43, Log = TextWriter.Null };
        Assert.Equal(built.Parameters[0].Value.ToArray(), first);
        Assert.NotEqual(other.GetWeights()[0].ToArray(), first);
    }

    [Fact]
    public void ModelWithoutInput_StaysUnbuiltUntilItsShapeIsKnown()
    {
        var model = new Sequential(new Dense(3), new Dense(2));
        Assert.Empty(model.Parameters);
        Assert.False(model.Layers[0].IsBuilt);
        Assert.False(model.IsBuilt);
    }

    [Fact]
    public void GivenLayerNames_MustBeUnique_AsInKeras()
    {
        var error = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(4, name: "hidden"), new Dense(1, name: "hidden")));
        Assert.Contains("'hidden'", error.Message, StringComparison.Ordinal);
        Assert.Contains("layer 0", error.Message, StringComparison.Ordinal);

        var model = new Sequential(new Dense(4, name: "hidden"));
        Assert.Throws<ArgumentException>(() => model.Add(new Dense(1, name: "hidden")));
        Assert.Single(model.Layers);
    }

    [Fact]
    public void DefaultLayerNames_AreSuffixed_AndAGivenNameMayNotTakeOne()
    {
        var model = new Sequential(new Dense(4), new Dense(3), new Dense(2));
        Assert.Equal(["dense", "dense_1", "dense_2"], model.Layers.Select(l => l.Name));
        Assert.Throws<ArgumentException>(() => model.Add(new Dense(1, name: "dense_1")));
        model.Add(new Dense(1, name: "output"));
        Assert.Equal("output", model.Layers[^1].Name);
    }

    [Fact]
    public void ClassWeight_OnTargetsWithSeveralLabelsPerSample_IsRefused()
    {
        // [samples, steps, classes] one-hot targets: the argmax over a whole row would be a meaningless class id (Keras fails too).
        var model = new Sequential(new Input(3, 2), new Dense(4)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new CategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var x = Tensor.RandomNormal([5, 3, 2], 0f, 1f, seed: 2);
        var y = Tensor.Zeros(5, 3, 4);
        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, batchSize: 5, verbose: 0, classWeight: new Dictionary<int, float> { [0] = 2f }));
        Assert.Equal("classWeight", error.ParamName);
        Assert.Contains("[5, 3, 4]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassWeight_OnOneLabelPerSample_StillWeighs()
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f));
        var x = Tensor.RandomNormal([4, 3], 0f, 1f, seed: 2);
        var y = Tensor.FromArray([0f, 1f, 1f, 0f], 4);
        float plain = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, shuffle: false)["loss"][^1];
        float weighted = model.Fit(x, y, epochs: 1, batchSize: 4, verbose: 0, shuffle: false, classWeight: new Dictionary<int, float> { [1] = 3f })["loss"][^1];
        Assert.NotEqual(plain, weighted);
    }

    [Fact]
    public void InputOfOneFeature_TakesAFlatVector_AsKerasDoes()
    {
        // Keras's first example (Celsius to Fahrenheit): Input((1,)) and x of shape (n,). Functional._adjust_input_rank gives it a
        // last axis of 1; here Fit refused it ("reshape to [1, n]", which was wrong advice for this model).
        var model = new Sequential(new Input(1), new Dense(1)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), new Adam(0.1f));
        var celsius = Tensor.FromArray([-40f, -10f, 0f, 8f, 15f, 22f, 38f], 7);
        var fahrenheit = Tensor.FromArray([-40f, 14f, 32f, 46.4f, 59f, 71.6f, 100.4f], 7);
        History history = model.Fit(celsius, fahrenheit, epochs: 5, batchSize: 7, verbose: 0, validationData: (celsius, fahrenheit));
        Assert.Equal(5, history["loss"].Count);
        Tensor flat = model.Predict(celsius);
        Assert.Equal([7, 1], flat.Shape);
        Assert.Equal(model.Predict(celsius.Reshape(7, 1)).ToArray(), flat.ToArray());
        Assert.Equal(model.Evaluate(celsius.Reshape(7, 1), fahrenheit)["loss"], model.Evaluate(celsius, fahrenheit)["loss"]);
    }

    [Fact]
    public void InputWithATrailingAxisOfOne_IsSqueezed_AsKerasDoes()
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 4, Log = TextWriter.Null };
        var x = Tensor.RandomNormal([5, 3], 0f, 1f, seed: 5);
        Assert.Equal(model.Predict(x).ToArray(), model.Predict(x.Reshape(5, 3, 1)).ToArray());
    }

    [Fact]
    public void InputOfSeveralFeatures_StillRefusesAFlatVector()
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 4, Log = TextWriter.Null };
        var error = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.FromArray([1f, 2f, 3f], 3)));
        Assert.Equal("x", error.ParamName);
    }

    [Fact]
    public void Pop_RemovesTheHead_KeepsTheOtherWeights_AndANewHeadTrains()
    {
        var model = new Sequential(new Input(4), new Dense(8, Activation.Relu), new Dense(3)) { Seed = 9, Log = TextWriter.Null };
        model.ClassNames = ["a", "b", "c"];
        Tensor[] hidden = model.GetLayer("dense").GetWeights();
        Layer head = model.Pop();
        Assert.Equal(3, ((Dense)head).Units);
        Assert.Null(model.ClassNames);   // the classes went with the head
        Assert.Equal([8], model.Layers[^1].OutputShape);
        Assert.Equal(2, model.Parameters.Count);

        model.Add(new Dense(2));
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0f));
        Assert.Equal([6, 2], model.Predict(Tensor.RandomNormal([6, 4], 0f, 1f, seed: 1)).Shape);
        Assert.Equal(hidden[0].ToArray(), model.Layers[1].GetWeights()[0].ToArray());
        Assert.Equal(hidden[1].ToArray(), model.Layers[1].GetWeights()[1].ToArray());
    }

    [Fact]
    public void Pop_OfATrailingDropout_KeepsClassNamesThatStillFit()
    {
        var model = new Sequential(new Input(4), new Dense(3), new Dropout(0.5f)) { Seed = 9, Log = TextWriter.Null };
        model.ClassNames = ["a", "b", "c"];
        Assert.IsType<Dropout>(model.Pop());
        Assert.Equal(["a", "b", "c"], model.ClassNames);
    }

    [Fact]
    public void Pop_IsRefused_OnACompiledModel_AndWithNoLayerLeft()
    {
        var compiled = new Sequential(new Input(4), new Dense(3)) { Log = TextWriter.Null };
        compiled.Compile(new MeanSquaredError(), new SGD(0.1f));
        Assert.Throws<InvalidOperationException>(() => compiled.Pop());
        var bare = new Sequential(new Input(4), new Dense(3));
        bare.Pop();
        Assert.Throws<InvalidOperationException>(() => bare.Pop());
        Assert.Single(bare.Layers);
    }

    [Fact]
    public void ModelWeights_CopyOneModelToAnother()
    {
        Sequential Make(long seed) => new(new Input(5), new Dense(4, Activation.Relu), new BatchNormalization(), new Dense(2)) { Seed = seed, Log = TextWriter.Null };
        Sequential trained = Make(1), copy = Make(2);
        var x = Tensor.RandomNormal([7, 5], 0f, 1f, seed: 3);
        Assert.NotEqual(trained.Predict(x).ToArray(), copy.Predict(x).ToArray());
        Tensor[] weights = trained.GetWeights();
        Assert.Equal(trained.Parameters.Count, weights.Length);   // Dense 2 + BatchNormalization 4 (moving statistics too) + Dense 2
        Assert.Equal(8, weights.Length);
        copy.SetWeights(weights);
        Assert.Equal(trained.Predict(x).ToArray(), copy.Predict(x).ToArray());
    }

    [Fact]
    public void ModelSetWeights_ChecksEveryShapeBeforeWritingAny()
    {
        var model = new Sequential(new Input(3), new Dense(2), new Dense(1)) { Seed = 4, Log = TextWriter.Null };
        Tensor[] weights = model.GetWeights();
        float[] before = weights[0].ToArray();
        Tensor[] changed = weights.Select(w => Tensor.Zeros(w.Shape)).ToArray();
        changed[3] = Tensor.Zeros(2);   // the last bias has shape [1]
        var error = Assert.Throws<ArgumentException>(() => model.SetWeights(changed));
        Assert.Contains("weights[3]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.GetWeights()[0].ToArray());
        Assert.Throws<ArgumentException>(() => model.SetWeights(weights[..3]));
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(2)).SetWeights(weights));
    }

    [Fact]
    public void ValidationFreq_ValidatesAfterEveryNthEpoch_AsKeras()
    {
        var model = new Sequential(new Input(3), new Dense(2)) { Seed = 6, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
        var x = Tensor.RandomNormal([10, 3], 0f, 1f, seed: 7);
        var y = Tensor.FromArray([0f, 1f, 1f, 0f, 1f, 0f, 0f, 1f, 1f, 0f], 10);
        History history = model.Fit(x, y, epochs: 5, batchSize: 4, verbose: 0, validationData: (x, y), validationFreq: 2);
        Assert.Equal(5, history["loss"].Count);
        Assert.Equal(2, history["val_loss"].Count);   // after epochs 2 and 4, as Keras's _should_eval
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, epochs: 1, verbose: 0, validationData: (x, y), validationFreq: 0));
    }

    [Fact]
    public void Pop_OnAModelNotBuiltYet_JudgesClassNamesAsOnABuiltOne()
    {
        var model = new Sequential(new Input(4), new Dense(8), new Dense(3)) { Log = TextWriter.Null };
        model.ClassNames = ["a", "b", "c"];
        model.Pop();
        Assert.Null(model.ClassNames);
        Assert.Equal([2, 8], model.Predict(Tensor.Zeros(2, 4)).Shape);
    }

    [Fact]
    public void ValidationFreq_WithACsvLogger_KeepsTheValidationColumns_AsKeras3()
    {
        string path = Path.Combine(Path.GetTempPath(), "logitnet-csv-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            var model = new Sequential(new Input(3), new Dense(2)) { Seed = 6, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new SGD(0.1f));
            var x = Tensor.RandomNormal([8, 3], 0f, 1f, seed: 7);
            var y = Tensor.FromArray([0f, 1f, 1f, 0f, 1f, 0f, 0f, 1f], 8);
            model.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, validationData: (x, y), validationFreq: 2,
                callbacks: [new LogitNet.Callbacks.CsvLogger(path)]);
            string[] lines = File.ReadAllLines(path);
            Assert.Equal("epoch,learning_rate,loss,val_learning_rate,val_loss", lines[0]);
            Assert.EndsWith(",NA,NA", lines[1], StringComparison.Ordinal);   // epoch 0: not validated
            Assert.DoesNotContain("NA", lines[2].Split(',')[4], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FitBatches_TakeTheSameInputRankLeniency()
    {
        var model = new Sequential(new Input(1), new Dense(1)) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), new SGD(0.01f));
        (Tensor, Tensor)[] batches = [(Tensor.FromArray([1f, 2f, 3f], 3), Tensor.FromArray([2f, 4f, 6f], 3))];
        History history = model.FitBatches(batches, epochs: 2, verbose: 0);
        Assert.Equal(2, history["loss"].Count);
    }

    [Fact]
    public void InputRankLeniency_FollowsABuiltFirstLayer_AfterAnAdd()
    {
        var model = new Sequential(new Dense(4)) { Seed = 3, Log = TextWriter.Null };
        model.Build(1);
        model.Add(new Dense(1));
        Assert.Equal([3, 1], model.Predict(Tensor.FromArray([1f, 2f, 3f], 3)).Shape);
    }

    [Theory]
    [InlineData("adam", "Optimizer params: 32 (132 B)", "Total params: 47 (192 B)")]          // step count, rate, two moments of 15
    [InlineData("sgd", "Optimizer params: 2 (12 B)", "Total params: 17 (72 B)")]             // no momentum: no slots
    [InlineData("schedule", "Optimizer params: 31 (128 B)", "Total params: 46 (188 B)")]     // a schedule is not a variable
    public void Summary_AfterAStep_CountsTheOptimizersVariables_AsKeras(string optimizer, string optimizerLine, string totalLine)
    {
        var model = new Sequential(new Input(4), new Dense(3)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), optimizer switch
        {
            "adam" => new Adam(0.01f),
            "sgd" => new SGD(0.01f),
            _ => new Adam(new ExponentialDecay(0.01f, 10, 0.5f)),
        });
        Assert.DoesNotContain("Optimizer params", model.SummaryText(), StringComparison.Ordinal);   // not built before a step
        model.Fit(Tensor.Zeros(2, 4), Tensor.Zeros(2, 3), epochs: 1, verbose: 0);
        string text = model.SummaryText();
        Assert.Contains(optimizerLine, text, StringComparison.Ordinal);
        Assert.Contains(totalLine, text, StringComparison.Ordinal);
        Assert.Contains("Trainable params: 15 (60 B)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_OptimizerParams_LeaveOutFrozenLayers()
    {
        var frozen = new Dense(3) { Trainable = false };
        var model = new Sequential(new Input(4), frozen, new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Compile(new MeanSquaredError(), new Adam(0.01f));
        model.Fit(Tensor.Zeros(2, 4), Tensor.Zeros(2, 2), epochs: 1, verbose: 0);
        Assert.Contains("Optimizer params: 18 (76 B)", model.SummaryText(), StringComparison.Ordinal);   // 2 + 2 × 8 (the trainable Dense)
    }
}
