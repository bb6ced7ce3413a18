namespace LogitNet.Cli.Serving;

/// <summary>What a TensorFlow Serving REST path asks for: <c>/v1/models/NAME[/versions/V][/metadata][:METHOD]</c>.</summary>
/// <param name="Name">The model name in the path.</param>
/// <param name="Version">The version in the path, or null when the path names none (the latest).</param>
/// <param name="Method">The part after the colon (<c>predict</c>, <c>classify</c>, ...), or null for the status and metadata requests.</param>
/// <param name="Metadata">The path ends in <c>/metadata</c>: the model's signature.</param>
internal sealed record ModelRoute(string Name, string? Version, string? Method, bool Metadata = false)
{
    private const string Prefix = "/v1/models/";

    /// <summary>Reads a request path; null when it is not under <c>/v1/models/</c> or does not have the form above.</summary>
    public static ModelRoute? Parse(string path)
    {
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = path[Prefix.Length..];
        string? method = null;
        int colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            method = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        string[] parts = rest.Split('/');
        bool metadata = parts.Length > 1 && parts[^1] == "metadata";
        return (metadata ? parts[..^1] : parts) switch
        {
            [string name] when name.Length > 0 => new ModelRoute(name, null, method, metadata),
            [string name, "versions", string version] when name.Length > 0 && version.Length > 0 => new ModelRoute(name, version, method, metadata),
            _ => null,
        };
    }
}
