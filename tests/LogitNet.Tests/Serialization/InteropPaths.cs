namespace LogitNet.Tests.Serialization;

/// <summary>Where the interop peers live: tests/interop in the repository the tests were built from.</summary>
internal static class InteropPaths
{
    public static string Directory { get; } = Path.Combine(FindRepositoryRoot(), "tests", "interop");

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LogitNet.slnx")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (LogitNet.slnx) was not found above the test assembly.");
    }
}
