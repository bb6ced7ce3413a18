namespace LogitNet.Cli;

/// <summary>The command line asks for something that does not exist or cannot be parsed (exit code 2).</summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException)
{
}
