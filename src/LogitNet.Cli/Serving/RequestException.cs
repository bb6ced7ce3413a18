namespace LogitNet.Cli.Serving;

/// <summary>A request the server refuses: the HTTP status to answer with and a message naming the problem.</summary>
internal sealed class RequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>An array of the request has another length than the model's input takes there.</summary>
    public bool WrongLength { get; init; }
}
