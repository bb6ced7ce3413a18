namespace LogitNet.Serialization;

/// <summary>Writes a file so that readers see the old content or the new, never a half-written one.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, flushes it to disk, then renames it
    /// over <paramref name="path"/> (an atomic replace on one file system). On failure the temporary
    /// file is removed and the old file is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
