namespace LogitNet.Cli.Tests;

/// <summary><c>logitnet export-onnx</c>: the library's ONNX export of a saved model, from the command line.</summary>
public sealed class ExportOnnxTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void ExportOnnx_WritesTheFileTheLibraryWrites_AndSaysWhatItHolds()
    {
        string onnx = Path.Combine(trained.Directory, "exported.onnx");
        CliResult result = CliRunner.Run(trained.Directory, "export-onnx", trained.ModelPath, onnx);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("input 'input' float32 [N, 64], output 'output' [N, 10], classes 0, 1, 2", result.Output);

        // The same bytes as Sequential.ExportOnnx on the same saved model, class names included.
        string expected = Path.Combine(trained.Directory, "expected.onnx");
        Sequential.Load(trained.ModelPath).ExportOnnx(expected);
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(onnx));
        Assert.True(File.ReadAllBytes(onnx).AsSpan().IndexOf("class_names"u8) >= 0, "the class names are not in the ONNX metadata");
    }

    [Fact]
    public void ExportOnnx_OntoTheModelItself_IsAUsageError_AndLeavesTheModel()
    {
        byte[] before = File.ReadAllBytes(trained.ModelPath);
        CliResult result = CliRunner.Run(trained.Directory, "export-onnx", trained.ModelPath, trained.ModelPath);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is the model file itself", result.Error);
        Assert.Equal(before, File.ReadAllBytes(trained.ModelPath));
    }

    [Fact]
    public void ExportOnnx_MissingModel_OrMissingDirectory_FailsInOneLine()
    {
        CliResult missingModel = CliRunner.Run(trained.Directory, "export-onnx", "nowhere.logitnet", "out.onnx");
        Assert.Equal(1, missingModel.ExitCode);
        Assert.Contains("nowhere.logitnet", missingModel.Error);
        Assert.Single(missingModel.Error.Trim().Split('\n'));

        CliResult missingDirectory = CliRunner.Run(trained.Directory, "export-onnx", trained.ModelPath, Path.Combine("no-such-dir", "out.onnx"));
        Assert.Equal(1, missingDirectory.ExitCode);
        Assert.Contains("no-such-dir", missingDirectory.Error);
        Assert.Single(missingDirectory.Error.Trim().Split('\n'));
    }
}
