namespace LogitNet.Cli;

internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A missing or damaged file, data that do not suit the model, training that diverged.</summary>
    public const int Failure = 1;

    /// <summary>An unknown option or command, a bad layer spec, an unknown dataset.</summary>
    public const int Usage = 2;
}
