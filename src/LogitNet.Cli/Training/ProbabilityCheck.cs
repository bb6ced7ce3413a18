namespace LogitNet.Cli.Training;

/// <summary>
/// The library's warnings about a loaded model's outputs and loss (a linear output compiled with a probability loss, a
/// softmax squashed twice), which <c>Compile</c> gives while the file loads and the model keeps in
/// <see cref="Sequential.LoadNotes"/>: printed on stderr by the commands whose output they touch.
/// </summary>
internal static class ProbabilityCheck
{
    private const string Prefix = "Warning: ";

    /// <summary>Writes each of the model's load warnings to <paramref name="error"/>, with <paramref name="consequence"/>: what of the command's output it touches.</summary>
    public static void WarnAboutOutputs(Sequential model, string path, string consequence, TextWriter error)
    {
        foreach (string note in model.LoadNotes)
        {
            if (note.StartsWith(Prefix, StringComparison.Ordinal))
            {
                error.WriteLine($"logitnet: warning: {path}: {note[Prefix.Length..].TrimEnd('.')}; {consequence}.");
            }
        }
    }
}
