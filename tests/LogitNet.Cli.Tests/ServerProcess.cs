using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>logitnet serve</c> running as a process on a free loopback port (<c>--port 0</c>; the URL it prints
/// says which), with an <see cref="HttpClient"/> for it. Disposing kills it if it is still running.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private static readonly string s_tool = Path.Combine(AppContext.BaseDirectory, "LogitNet.Cli.dll");
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[s_tool, "serve", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(_output, e.Data, seekUrl: true);
        _process.ErrorDataReceived += (_, e) => OnLine(_error, e.Data, seekUrl: false);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Url { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>Starts <c>logitnet serve ARGS --host 127.0.0.1 --port 0</c> and waits (60 s at most) until it listens.</summary>
    public static ServerProcess Start(string workingDirectory, params string[] args)
    {
        var server = new ServerProcess(workingDirectory, [.. args, "--host", "127.0.0.1", "--port", "0"]);
        Task<Uri> listening = server._url.Task;
        Task exited = server._process.WaitForExitAsync();
        if (Task.WaitAny([listening, exited], TimeSpan.FromSeconds(60)) != 0)
        {
            string why = exited.IsCompleted ? $"exited with {server._process.ExitCode}" : "printed no URL within 60 s";
            server.Dispose();
            throw new InvalidOperationException($"logitnet serve {why}: {server.Output} {server.ErrorText()}");
        }

        server.Url = listening.Result;
        Assert.Equal("127.0.0.1", server.Url.Host);
        server.Client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        return server;
    }

    /// <summary>Sends a signal (SIGINT as Ctrl-C does, or SIGTERM) and waits up to 30 s for the process to end.</summary>
    public CliResult Stop(int signal)
    {
        Assert.Equal(0, Kill(_process.Id, signal));
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(30)), "logitnet serve did not stop within 30 s of the signal");
        _process.WaitForExit();   // the redirected output is complete only after this overload
        return new CliResult(_process.ExitCode, Output, ErrorText());
    }

    public void Dispose()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private string ErrorText()
    {
        lock (_error)
        {
            return _error.ToString();
        }
    }

    private void OnLine(StringBuilder into, string? line, bool seekUrl)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(line);
        }

        // "Serving 'NAME' (...) on http://127.0.0.1:PORT"
        const string marker = ") on ";
        int at = line.IndexOf(marker, StringComparison.Ordinal);
        if (seekUrl && line.StartsWith("Serving ", StringComparison.Ordinal) && at >= 0)
        {
            _url.TrySetResult(new Uri(line[(at + marker.Length)..]));
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
