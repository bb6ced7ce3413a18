namespace LogitNet.Cli;

/// <summary>The command was well formed but could not be carried out: bad data, a model that does not fit (exit code 1).</summary>
internal sealed class CliFailureException(string message, Exception? innerException = null) : Exception(message, innerException)
{
}
