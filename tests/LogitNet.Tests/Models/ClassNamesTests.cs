using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

public class ClassNamesTests
{
    private static Sequential Model(int outputUnits = 4) =>
        new(new Dense(8, Activation.Relu), new Dense(outputUnits)) { Log = TextWriter.Null };

    [Fact]
    public void ClassNames_ByDefault_IsNull()
    {
        Assert.Null(Model().ClassNames);
    }

    [Fact]
    public void ClassNames_Set_IsACopyTheCallerCannotChange()
    {
        var names = new List<string> { "north", "east", "south", "west" };
        Sequential model = Model();

        model.ClassNames = names;
        names[0] = "changed";

        Assert.Equal(["north", "east", "south", "west"], model.ClassNames);
        Assert.IsNotType<string[]>(model.ClassNames);
        Assert.Throws<NotSupportedException>(() => ((IList<string>)model.ClassNames!)[0] = "x");
        model.ClassNames = null;
        Assert.Null(model.ClassNames);
    }

    [Fact]
    public void ClassNames_BeforeBuild_AreCheckedWhenTheModelIsBuilt()
    {
        Sequential model = Model(outputUnits: 4);
        model.ClassNames = ["a", "b", "c"];   // the output's width is not known yet

        var e = Assert.Throws<InvalidOperationException>(() => model.Build(2));

        Assert.Equal("The model's ClassNames do not fit its output layer 'dense_1': received 3 names for an output of 4 units; expected 4, one per class in class-id order.", e.Message);
        Assert.False(model.IsBuilt);
        model.ClassNames = ["a", "b", "c", "d"];
        model.Build(2);
        Assert.True(model.IsBuilt);
    }

    [Fact]
    public void ClassNames_ThatDoNotFit_StopFitBeforeTraining()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(5);
        Sequential model = Model(outputUnits: 4);
        model.ClassNames = ["a", "b"];
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());

        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 1, verbose: 0));
        Assert.Contains("received 2 names for an output of 4 units", e.Message);
    }

    [Fact]
    public void ClassNames_SetOnABuiltModel_MustMatchItsOutput()
    {
        Sequential model = Model(outputUnits: 3);
        model.Build(2);

        var e = Assert.Throws<ArgumentException>(() => model.ClassNames = ["a", "b"]);

        Assert.Equal("value", e.ParamName);
        Assert.StartsWith("ClassNames: received 2 names for an output of 3 units; expected 3", e.Message);
        Assert.Null(model.ClassNames);
        model.ClassNames = ["a", "b", "c"];
        Assert.Equal(3, model.ClassNames.Count);
    }

    [Fact]
    public void ClassNames_OfABinaryOutput_AreTwo()
    {
        Sequential model = Model(outputUnits: 1);
        model.Build(2);

        model.ClassNames = ["ham", "spam"];
        var e = Assert.Throws<ArgumentException>(() => model.ClassNames = ["spam"]);

        Assert.Equal(["ham", "spam"], model.ClassNames);
        Assert.Contains("received 1 name for a 1-unit (binary) output, whose two classes are labels 0 and 1; expected 2", e.Message);
    }

    [Theory]
    [InlineData(new[] { "a", "", "c", "d" }, "the name of class 1 is empty")]
    [InlineData(new[] { "a", "b", null, "d" }, "the name of class 2 is null")]
    [InlineData(new[] { "cat", "dog", "cat", "d" }, "classes 0 and 2 are both named 'cat'; each class needs its own name.")]
    public void ClassNames_EmptyNullOrRepeated_AreRefusedEvenBeforeBuild(string?[] names, string expected)
    {
        Sequential model = Model();

        var e = Assert.Throws<ArgumentException>(() => model.ClassNames = names!);

        Assert.Contains(expected, e.Message);
        Assert.Null(model.ClassNames);
    }
}
