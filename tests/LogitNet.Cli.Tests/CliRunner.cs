using System.Diagnostics;

namespace LogitNet.Cli.Tests;

/// <summary>The outcome of one run of the tool.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the built tool the way a user does: <c>dotnet LogitNet.Cli.dll ARGS</c>, output redirected.</summary>
public static class CliRunner
{
    private static readonly string s_tool = Path.Combine(AppContext.BaseDirectory, "LogitNet.Cli.dll");

    public static CliResult Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(s_tool);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"logitnet {string.Join(' ', args)} ran for more than 60 s");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }
}
