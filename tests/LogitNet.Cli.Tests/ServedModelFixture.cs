namespace LogitNet.Cli.Tests;

/// <summary>The digits model trained by the tool, served by <c>logitnet serve</c> under its file name with a 1 MiB body limit, and loaded in-process.</summary>
public sealed class ServedModelFixture : IDisposable
{
    private readonly TrainedModelFixture _trained = new();

    public ServedModelFixture()
    {
        Assert.True(_trained.Train.ExitCode == 0, _trained.Train.Error);
        Model = Sequential.Load(_trained.ModelPath);
        Server = ServerProcess.Start(_trained.Directory, _trained.ModelPath, "--max-body-mb", "1");
    }

    public string Directory => _trained.Directory;

    public string ModelPath => _trained.ModelPath;

    /// <summary>The same file loaded in this process: what the served predictions must equal.</summary>
    public Sequential Model { get; }

    public ServerProcess Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        _trained.Dispose();
    }
}
