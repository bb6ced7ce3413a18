using LogitNet.Optimizers;

namespace LogitNet.Cli.Training;

internal static class OptimizerChoice
{
    public const string Help = "adam (default, learning rate 0.001), sgd (0.01), rmsprop (0.001) or adamw (0.001, weight decay 0.004)";

    public static Optimizer Create(string name, float? learningRate)
    {
        if (learningRate is { } rate && !(rate > 0 && float.IsFinite(rate)))
        {
            throw new UsageException($"--learning-rate {rate} is not a positive number; try 0.001");
        }

        return name.ToLowerInvariant() switch
        {
            "adam" => new Adam(learningRate ?? 0.001f),
            "sgd" => new SGD(learningRate ?? 0.01f),
            "rmsprop" => new RMSprop(learningRate ?? 0.001f),
            "adamw" => new AdamW(learningRate ?? 0.001f),
            _ => throw new UsageException($"unknown optimizer '{name}': expected adam, sgd, rmsprop or adamw"),
        };
    }
}
