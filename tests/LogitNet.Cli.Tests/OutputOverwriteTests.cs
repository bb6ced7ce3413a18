using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>train</c> and <c>predict</c> refuse an output that would replace their own input or the other output (usage error,
/// exit 2, nothing written), as <c>convert</c> and <c>export-onnx</c> do. They wrote over it and exited 0.
/// </summary>
public sealed class OutputOverwriteTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Train_OutputNamingTheDataset_IsRefused_AndTheDatasetKept()
    {
        Dataset blobs = Datasets.Blobs(count: 60, seed: 2);
        Npy.Write(Path.Combine(trained.Directory, "bx.npy"), blobs.Features);
        Npy.Write(Path.Combine(trained.Directory, "by.npy"), blobs.Labels);
        byte[] before = File.ReadAllBytes(Path.Combine(trained.Directory, "by.npy"));

        CliResult overData = CliRunner.Run(trained.Directory, "train", "--dataset", "bx.npy", "--labels", "by.npy", "--layers", "4", "--epochs", "1", "--output", "by.npy");

        Assert.Equal(2, overData.ExitCode);
        Assert.Contains("--output 'by.npy' is the --labels file", overData.Error);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(trained.Directory, "by.npy")));
    }

    [Fact]
    public void Train_PlotNamingTheModel_IsRefused()
    {
        CliResult result = CliRunner.Run(trained.Directory, "train", "--epochs", "1", "--output", "same.logitnet", "--plot", "same.logitnet");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the curves would replace the model", result.Error);
        Assert.False(File.Exists(Path.Combine(trained.Directory, "same.logitnet")));
    }

    [Fact]
    public void Predict_OutputNamingItsInput_IsRefused()
    {
        Tensor samples = Datasets.Digits(normalize: true).Features.Slice(0, 3);
        string input = "samples-in.npy";
        Npy.Write(Path.Combine(trained.Directory, input), samples);
        string output = input;
        byte[] before = File.ReadAllBytes(Path.Combine(trained.Directory, output));

        CliResult result = CliRunner.Run(trained.Directory, "predict", trained.ModelPath, "--input", input, "--output", output);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("writing the predictions would replace it", result.Error);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(trained.Directory, output)));
    }
}
