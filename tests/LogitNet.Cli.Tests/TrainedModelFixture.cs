namespace LogitNet.Cli.Tests;

/// <summary>One default <c>logitnet train --output</c> run shared by the tests that need a saved model.</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TrainedModelFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "logitnet-cli-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ModelPath = Path.Combine(Directory, "digits.logitnet");
        Train = CliRunner.Run(Directory, "train", "--output", ModelPath);
    }

    public string Directory { get; }

    public string ModelPath { get; }

    public CliResult Train { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
