using LogitNet.Layers;
using LogitNet.Losses;

namespace LogitNet.Cli.Training;

/// <summary>
/// A model whose last layer is linear but which was compiled with a probability loss (<c>fromLogits: false</c>, Keras's
/// <c>from_logits=False</c>): its outputs are logits, yet <c>PredictProba</c> and the loss take them as they are, for
/// probabilities. Loading a file compiles the model silently, so the tool says so itself; <c>Compile</c> warns code users
/// by the same rule, beside its warning about a softmax squashed twice.
/// </summary>
internal static class ProbabilityCheck
{
    /// <summary>
    /// Writes one line to <paramref name="error"/> when <paramref name="model"/> (read from <paramref name="path"/>) has a
    /// linear last layer and a probability loss; <paramref name="consequence"/> says what of the command's output that touches.
    /// </summary>
    public static void WarnIfLinearForProbabilities(Sequential model, string path, string consequence, TextWriter error)
    {
        Layer last = model.Layers[^1];
        if (FromLogits(model.Loss) != false || !IsLinear(last))
        {
            return;
        }

        string squash = model.Loss is BinaryCrossentropy or BinaryFocalCrossentropy ? "sigmoid" : "softmax";
        error.WriteLine(
            $"logitnet: warning: {path}: the model's outputs are not probabilities (they can be negative or above 1): its last layer '{last.Name}' is linear, " +
            $"so it gives logits, but it was compiled with {model.Loss!.GetType().Name}(fromLogits: false), which takes them for probabilities; {consequence}. " +
            $"Compile it with from_logits=True (fromLogits: true), or end it in a {squash}");
    }

    private static bool? FromLogits(Loss? loss) => loss switch
    {
        BinaryCrossentropy b => b.FromLogits,
        CategoricalCrossentropy c => c.FromLogits,
        SparseCategoricalCrossentropy s => s.FromLogits,
        BinaryFocalCrossentropy f => f.FromLogits,
        CategoricalFocalCrossentropy f => f.FromLogits,
        _ => null,
    };

    /// <summary>A layer with an activation, set to linear; other layers (a Reshape after a softmax) are not judged.</summary>
    private static bool IsLinear(Layer last) => last switch
    {
        Dense dense => dense.Activation == Activation.Linear,
        ActivationLayer activation => activation.Activation == Activation.Linear,
        Conv1D conv => conv.Activation == Activation.Linear,
        Conv2D conv => conv.Activation == Activation.Linear,
        DepthwiseConv2D conv => conv.Activation == Activation.Linear,
        _ => false,
    };
}
