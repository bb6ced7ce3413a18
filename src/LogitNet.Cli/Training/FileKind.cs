namespace LogitNet.Cli.Training;

/// <summary>The data file formats the CLI reads, told apart by file name.</summary>
internal enum FileKind
{
    Unknown,
    Csv,
    Npy,
    Idx,
}
