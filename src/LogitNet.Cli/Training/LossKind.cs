namespace LogitNet.Cli.Training;

/// <summary>The loss families the CLI trains with, and how each wants its targets and metric.</summary>
internal enum LossKind
{
    SparseCategorical,
    Categorical,
    Binary,
}
