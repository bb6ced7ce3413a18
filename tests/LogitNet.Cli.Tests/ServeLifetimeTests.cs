using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LogitNet.Cli.Tests;

/// <summary><c>logitnet serve</c> started and stopped on its own: naming, signals and command-line errors.</summary>
public sealed class ServeLifetimeTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    [Theory]
    [InlineData(ServerProcess.SigInt)]
    [InlineData(ServerProcess.SigTerm)]
    public async Task Serve_WithName_AnswersUnderIt_AndStopsCleanlyOnASignal(int signal)
    {
        Assert.True(trained.Train.ExitCode == 0, trained.Train.Error);
        using ServerProcess server = ServerProcess.Start(trained.Directory, trained.ModelPath, "--name", "mnist-v2");

        Assert.Contains("Serving 'mnist-v2' (digits.logitnet: 64 features -> 10 outputs) on http://127.0.0.1:", server.Output);
        using (HttpResponseMessage named = await server.Client.GetAsync("/v1/models/mnist-v2"))
        {
            Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        }

        using (HttpResponseMessage byFile = await server.Client.GetAsync("/v1/models/digits"))
        {
            Assert.Equal(HttpStatusCode.NotFound, byFile.StatusCode);
        }

        CliResult stopped = server.Stop(signal);

        Assert.True(stopped.ExitCode == 0, stopped.Error);
        Assert.EndsWith("Stopped.", stopped.Output.TrimEnd());
        Assert.Equal("", stopped.Error);
    }

    [Fact]
    public async Task Serve_AValueTheModelRefuses_Is400_NotAnInternalError()
    {
        // An Embedding id outside the vocabulary: the request is well formed, the model refuses the value. It was a 500
        // "internal error", which clients retry; TF Serving answers 400 (INVALID_ARGUMENT).
        string directory = Directory.CreateTempSubdirectory("logitnet-serve-embedding-").FullName;
        try
        {
            string path = Path.Combine(directory, "emb.logitnet");
            var model = new Sequential(new LogitNet.Layers.Input(3), new LogitNet.Layers.Embedding(10, 2), new LogitNet.Layers.Flatten(), new LogitNet.Layers.Dense(2)) { Seed = 1, Log = TextWriter.Null };
            model.Build(3);
            model.Save(path);
            using ServerProcess server = ServerProcess.Start(directory, path);
            using var content = new StringContent("{\"instances\": [[1, 2, 3], [4, 15, 6]]}", System.Text.Encoding.UTF8, "application/json");
            using HttpResponseMessage response = await server.Client.PostAsync("/v1/models/emb:predict", content);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Contains("outside the vocabulary", body);
            Assert.DoesNotContain("internal error", body);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("--port", "70000", "--port 70000: expected 0 to 65535")]
    [InlineData("--name", "a/b", "model name 'a/b': expected letters, digits")]
    [InlineData("--host", "example", "--host 'example': expected an IP address")]
    [InlineData("--max-body-mb", "0", "--max-body-mb 0: expected 1 to 1024")]
    public void Serve_BadOption_IsAUsageError(string option, string value, string message)
    {
        CliResult result = CliRunner.Run(trained.Directory, "serve", trained.ModelPath, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void Serve_MissingModel_OrPortInUse_FailsInOneLine()
    {
        CliResult missing = CliRunner.Run(trained.Directory, "serve", "nowhere.logitnet");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nowhere.logitnet", missing.Error);

        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        CliResult busy = CliRunner.Run(trained.Directory, "serve", trained.ModelPath, "--port", port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains(port.ToString(CultureInfo.InvariantCulture), busy.Error);
        Assert.Contains("already in use", busy.Error);
        Assert.Contains("--port", busy.Error);
        Assert.Single(busy.Error.Trim().Split('\n'));
    }

    /// <summary>
    /// A TensorFlow SavedModel, what TF Serving serves (a folder MODEL/1/saved_model.pb): the folder was "file not found"
    /// though it exists, and the .pb "not a zip archive: Central Directory corrupt". Both now say what logitnet reads.
    /// </summary>
    [Fact]
    public void Serve_SavedModelFolderOrPb_FailsSayingWhatToPassInstead()
    {
        string folder = Path.Combine(trained.Directory, "exported");
        Directory.CreateDirectory(Path.Combine(folder, "1", "variables"));
        File.WriteAllBytes(Path.Combine(folder, "1", "saved_model.pb"), [0x08, 0x01, 0x12, 0x00]);

        foreach (string path in (string[])["exported", Path.Combine("exported", "1"), Path.Combine("exported", "1", "saved_model.pb")])
        {
            CliResult result = CliRunner.Run(trained.Directory, "serve", path);
            Assert.Equal(1, result.ExitCode);
            Assert.Single(result.Error.Trim().Split('\n'));
            Assert.StartsWith($"logitnet: {path}", result.Error);
            Assert.Contains("a TensorFlow SavedModel is not read: in TensorFlow, save the model as a Keras file (model.save('model.keras')) and pass that file", result.Error);
        }

        CliResult empty = CliRunner.Run(trained.Directory, "predict", ".", "--input", "x.csv");
        Assert.Equal(1, empty.ExitCode);
        Assert.Equal("logitnet: . is a folder, not a model file; logitnet reads one file: a LogitNet model (train --output), a Keras .keras or an .h5 file",
            empty.Error.TrimEnd());
    }

    /// <summary>
    /// An address no interface of this machine has (203.0.113.1, kept for documentation, is nobody's) was reported as
    /// "unexpected SocketException: Cannot assign requested address". Binding fails at once, so this ends quickly (and
    /// CliRunner stops it after 60 s if it ever listened).
    /// </summary>
    [Fact]
    public void Serve_HostThisMachineLacks_FailsInOneLineNamingIt()
    {
        CliResult result = CliRunner.Run(trained.Directory, "serve", trained.ModelPath, "--host", "203.0.113.1", "--port", "0");

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("logitnet: --host 203.0.113.1: not an address of this machine", line);
        Assert.Contains("0.0.0.0", line);
        Assert.DoesNotContain("SocketException", line);
        Assert.Equal("", result.Output);
    }
}
