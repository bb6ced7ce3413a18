namespace LogitNet.Cli;

/// <summary>
/// Checks a file the command will write before any work starts, and turns a failed write into one
/// line naming the file: a long training run must not end in "access denied", and the user must not
/// see .NET's own message or the name of the temporary file a save writes first.
/// </summary>
internal static class OutputPath
{
    /// <summary>
    /// Throws <see cref="CliFailureException"/> unless <paramref name="path"/> names a file that can be
    /// created or replaced: a valid name, not a directory, in a folder that exists and takes new files.
    /// </summary>
    /// <param name="path">The path as the user gave it (it is quoted as given).</param>
    /// <param name="what">How the command line named it, e.g. <c>--output</c> or <c>OUTPUT</c>.</param>
    public static void Check(string path, string what)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliFailureException($"{what} '{path}': not a valid file name");
        }

        if (path.Length == 0 || path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar) || Directory.Exists(full))
        {
            throw new CliFailureException($"{what} '{path}' is a folder; give a file name inside it, such as '{Path.Combine(path, Example(what))}'");
        }

        string folder = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(folder))
        {
            throw new CliFailureException($"{what} '{path}': the folder '{Shown(path, folder)}' does not exist; create it first or choose another");
        }

        // The one sure test of a folder's permissions (ACLs, read-only mounts, quotas) is to create a file
        // there; a save creates its temporary file beside the target, so this is what it will need.
        string probe = Path.Combine(folder, $".logitnet-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailureException($"{what} '{path}': cannot create files in the folder '{Shown(path, folder)}' ({Reason(e)})");
        }

        if (File.Exists(full) && (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0)
        {
            throw new CliFailureException($"{what} '{path}' exists and is read-only; remove it or choose another name");
        }
    }

    /// <summary>Whether the two paths name one file, so that writing the output would replace the input it is made from.</summary>
    public static bool IsSameFile(string input, string output)
    {
        // Windows and macOS file systems ignore case by default: Model.logitnet is model.logitnet there.
        StringComparison sameFile = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), sameFile);
    }

    /// <summary>Runs a write of <paramref name="path"/>, reporting a failure in one line naming it.</summary>
    public static void Write(string path, string what, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailureException($"could not write {what} '{path}' ({Reason(e)})", e);
        }
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "its folder no longer exists",
        PathTooLongException => "the path is too long",
        _ => "the disk may be full, or the file is in use",
    };

    /// <summary>The folder as the user would recognise it: relative when they gave a relative path.</summary>
    private static string Shown(string path, string folder) =>
        Path.IsPathRooted(path) ? folder : Path.GetRelativePath(Environment.CurrentDirectory, folder);

    private static string Example(string what) => what switch
    {
        _ when what.StartsWith("--plot", StringComparison.Ordinal) => "curves.svg",
        "OUTPUT" => "model.onnx",
        _ => "model.logitnet",
    };
}
