namespace LogitNet.Tests;

/// <summary>
/// Test classes that change process-wide settings (<c>Parallelism.MaxThreads</c>, <c>Gemm.Panels</c>, <c>Loss.MaxDegreeOfParallelism</c>) run
/// in this collection, alone and after the others: the settings never change a result, but a
/// class measuring allocations could otherwise meet, mid-measurement, a code path (the shared
/// worker's first use) that it did not warm up.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideSettingsCollection
{
    public const string Name = "Process-wide settings";
}
