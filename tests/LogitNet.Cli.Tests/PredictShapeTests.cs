using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>predict</c> and <c>evaluate</c> on files whose samples do not fit the model: one exit code and one message for a Dense
/// model and an image model alike, naming the argument, both sizes and what to change.
/// </summary>
public sealed class PredictShapeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-cli-shapes-").FullName;

    public PredictShapeTests()
    {
        Save("dense.logitnet", new Sequential(new Input(64), new Dense(3)), 64);
        Save("image.logitnet", new Sequential(new Input(8, 8, 1), new Conv2D(2, 3), new Flatten(), new Dense(3)), 8, 8, 1);
        foreach (int width in (int[])[63, 64, 65])
        {
            File.WriteAllText(Path.Combine(_directory, $"x{width}.csv"),
                string.Concat(Enumerable.Repeat(string.Join(",", Enumerable.Repeat("0.5", width)) + "\n", 3)));
        }

        Save("tagger.logitnet", new Sequential(new Input(5), new Embedding(10, 4), new Dense(3)), 5);
        File.WriteAllText(Path.Combine(_directory, "ids.csv"), "1,2,3,4,5\n0,0,0,0,9\n");
        Npy.Write(Path.Combine(_directory, "x63.npy"), Tensor.Zeros([3, 63]));
        Npy.Write(Path.Combine(_directory, "y.npy"), Tensor.Zeros([3]));
        Npy.Write(Path.Combine(_directory, "none.npy"), Tensor.Zeros([0, 64]));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The image model's refusal was a usage error (exit 2) in train's words ("the model's input 8x8x1 holds 64 values per
    /// sample, but the data have 63; the sizes must multiply to the number of features") where the Dense model's was exit 1;
    /// neither named the file.
    /// </summary>
    [Theory]
    [InlineData("dense.logitnet", "x63.csv", "--input x63.csv: each sample has 63 values, but the model takes 64 features per sample; give the model data of the shape it was trained on")]
    [InlineData("image.logitnet", "x63.csv", "--input x63.csv: each sample has 63 values, but the model takes input 8x8x1 (64 values) per sample; give the model data of the shape it was trained on")]
    [InlineData("image.logitnet", "x65.csv", "--input x65.csv: each sample has 65 values, but the model takes input 8x8x1 (64 values) per sample; if a column holds the labels, leave it out (every column is read as a feature)")]
    public void Predict_SamplesOfAnotherSize_FailWithOneCodeAndMessage_ForEveryModel(string model, string input, string message)
    {
        CliResult result = CliRunner.Run(_directory, "predict", model, "--input", input);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"logitnet: {message}", result.Error.TrimEnd());
    }

    [Theory]
    [InlineData("dense.logitnet", "64 features")]
    [InlineData("image.logitnet", "input 8x8x1 (64 values)")]
    public void Evaluate_SamplesOfAnotherSize_FailWithOneCodeAndMessage_ForEveryModel(string model, string takes)
    {
        CliResult result = CliRunner.Run(_directory, "evaluate", model, "--dataset", "x63.npy", "--labels", "y.npy");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"logitnet: --dataset x63.npy: each sample has 63 values, but the model takes {takes} per sample; give the model data of the shape it was trained on",
            result.Error.TrimEnd());
    }

    [Fact]
    public void Predict_FlatRowsAndImages_FitAnImageModel()
    {
        CliResult result = CliRunner.Run(_directory, "predict", "image.logitnet", "--input", "x64.csv");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("top 3", result.Output);
    }

    /// <summary>An array of no rows printed an empty table headed "top 0" and exited 0.</summary>
    [Fact]
    public void Predict_FileOfNoSamples_FailsSayingSo()
    {
        CliResult result = CliRunner.Run(_directory, "predict", "dense.logitnet", "--input", "none.npy");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("logitnet: --input none.npy: the file holds no samples (shape [0, 64]); give it at least one", result.Error.TrimEnd());
    }

    /// <summary>
    /// A sequence tagger's [5, 3] output per sample was flattened into 15 "classes": the table ranked class 8, 13 and 12 of a
    /// 3-class model. The table and .csv are refused saying how to get the probabilities; the .npy gets them, [n, 5, 3].
    /// </summary>
    [Fact]
    public void Predict_SequenceModel_WritesItsProbabilitiesToNpy_AndRefusesTheTable()
    {
        foreach (string[] output in (string[][])[[], ["--output", "p.csv"]])
        {
            CliResult refused = CliRunner.Run(_directory, ["predict", "tagger.logitnet", "--input", "ids.csv", .. output]);
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal("logitnet: the model gives 5x3 outputs per sample (classes on the last axis at each of 5 positions); the table and a .csv give one class " +
                "per sample. Write the probabilities with --output PREDICTIONS.npy ([samples, 5, 3])", refused.Error.TrimEnd());
        }

        CliResult written = CliRunner.Run(_directory, "predict", "tagger.logitnet", "--input", "ids.csv", "--output", "p.npy");
        Assert.True(written.ExitCode == 0, written.Error);
        Tensor probabilities = Npy.Read(Path.Combine(_directory, "p.npy"));
        Assert.Equal([2, 5, 3], probabilities.Shape);
        Sequential tagger = Sequential.Load(Path.Combine(_directory, "tagger.logitnet"));
        Assert.Equal(Ops.Softmax(tagger.Predict(Tensor.FromArray([1, 2, 3, 4, 5, 0, 0, 0, 0, 9], 2, 5))).ToArray(), probabilities.ToArray());
    }

    /// <summary>
    /// evaluate on a tagger reads one label per sample; it failed in the loss's words ("expected y of shape [samples, 5];
    /// received [2]. For one-hot targets use CategoricalCrossentropy. (Parameter 'y')"), which point at the wrong fix.
    /// </summary>
    [Fact]
    public void Evaluate_SequenceModel_IsRefusedSayingHowToScoreIt()
    {
        File.WriteAllText(Path.Combine(_directory, "labelled.csv"), "1,2,3,4,5,0\n0,0,0,0,9,1\n");

        CliResult result = CliRunner.Run(_directory, "evaluate", "tagger.logitnet", "--dataset", "labelled.csv");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("logitnet: the model gives 5x3 outputs per sample (classes on the last axis at each of 5 positions); evaluate scores one label per " +
            "sample. Score it in code: model.Evaluate(x, y) with labels of shape [samples, 5]", result.Error.TrimEnd());
    }

    /// <summary>A folder given as --input was "file not found" though it exists.</summary>
    [Fact]
    public void Predict_InputThatIsAFolder_IsAUsageErrorSayingSo()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "samples"));

        CliResult result = CliRunner.Run(_directory, "predict", "dense.logitnet", "--input", "samples");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("logitnet: --input samples is a folder; give the file of samples to classify: ", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    private void Save(string name, Sequential model, params int[] inputShape)
    {
        model.Seed = 1;
        model.Log = TextWriter.Null;
        model.Build(inputShape);
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        model.Save(Path.Combine(_directory, name));
    }
}
