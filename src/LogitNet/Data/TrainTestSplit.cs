namespace LogitNet.Data;

/// <summary>A dataset split into a training part and a test part; deconstructs to <c>(train, test)</c>.</summary>
/// <param name="Train">The samples to fit on.</param>
/// <param name="Test">The held-out samples to evaluate on.</param>
/// <example><c>var (train, test) = Datasets.Mnist();</c></example>
public sealed record TrainTestSplit(Dataset Train, Dataset Test);
