using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;

namespace LogitNet.Cli.Training;

internal static class LossChoice
{
    public const string Help =
        "sparse_categorical_crossentropy (default; class ids), categorical_crossentropy (one-hot targets made from the ids), " +
        "or binary_crossentropy (two classes, a 1-unit output). fromLogits follows the output layer: true for a linear output, false for softmax/sigmoid.";

    public static LossKind Parse(string name) => name.Replace('-', '_').ToLowerInvariant() switch
    {
        "sparse_categorical_crossentropy" or "scce" or "sparse" => LossKind.SparseCategorical,
        "categorical_crossentropy" or "cce" or "categorical" => LossKind.Categorical,
        "binary_crossentropy" or "bce" or "binary" => LossKind.Binary,
        _ => throw new UsageException(
            $"unknown loss '{name}': expected sparse_categorical_crossentropy, categorical_crossentropy or binary_crossentropy"),
    };

    /// <summary>The loss for a model whose last layer applies <paramref name="output"/>: logits (linear) mean fromLogits: true.</summary>
    public static Loss Create(LossKind kind, Activation output)
    {
        bool fromLogits = output is not (Activation.Softmax or Activation.Sigmoid);
        return kind switch
        {
            LossKind.SparseCategorical => new SparseCategoricalCrossentropy(fromLogits),
            LossKind.Categorical => new CategoricalCrossentropy(fromLogits),
            _ => new BinaryCrossentropy(fromLogits),
        };
    }

    public static Metric Metric(LossKind kind) => kind switch
    {
        LossKind.SparseCategorical => new SparseCategoricalAccuracy(),
        LossKind.Categorical => new CategoricalAccuracy(),
        _ => new BinaryAccuracy(),
    };

    public static LossKind KindOf(Loss? loss) => loss switch
    {
        SparseCategoricalCrossentropy => LossKind.SparseCategorical,
        CategoricalCrossentropy or CategoricalFocalCrossentropy => LossKind.Categorical,
        BinaryCrossentropy or BinaryFocalCrossentropy => LossKind.Binary,
        null => throw new CliFailureException("the model was saved without a loss (not compiled); evaluate needs a compiled classifier"),
        _ => throw new CliFailureException($"the model is compiled with {loss.Name}; the CLI evaluates classifiers (cross-entropy losses)"),
    };

    /// <summary>The targets the loss expects, made from class ids <c>[n]</c>.</summary>
    public static Tensor Targets(LossKind kind, Tensor ids, int classes)
    {
        switch (kind)
        {
            case LossKind.SparseCategorical:
                return ids;
            case LossKind.Binary:
                return ids.Reshape(-1, 1);
            default:
                float[] oneHot = new float[ids.Length * classes];
                float[] labels = ids.ToArray();
                for (int i = 0; i < labels.Length; i++)
                {
                    oneHot[i * classes + (int)labels[i]] = 1f;
                }

                return Tensor.FromArray(oneHot, ids.Length, classes);
        }
    }

    /// <summary>Checks that the output layer's width suits the loss and the number of classes.</summary>
    public static void CheckOutput(LossKind kind, int outputUnits, int classes, string where)
    {
        if (kind == LossKind.Binary)
        {
            if (classes > 2)
            {
                throw new UsageException($"binary_crossentropy needs two classes; the dataset has {classes}. Use sparse_categorical_crossentropy");
            }

            if (outputUnits != 1)
            {
                throw new UsageException($"binary_crossentropy needs a 1-unit output layer; {where} ends with {outputUnits} units (e.g. --layers 16:relu,1)");
            }
        }
        else if (outputUnits != classes)
        {
            throw new UsageException($"the output layer has {outputUnits} units but the dataset has {classes} classes; end {where} with {classes}");
        }
    }
}
