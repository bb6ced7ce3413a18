namespace LogitNet.Cli.Training;

/// <summary>The data file formats the CLI reads, told apart by <see cref="DataFile.Detect"/> (content) or <see cref="DataFile.ByName"/>.</summary>
internal enum FileKind
{
    Unknown,
    Csv,
    Npy,
    Idx,
}
