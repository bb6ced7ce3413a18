using System.Globalization;
using LogitNet.Layers;

namespace LogitNet.Cli.Training;

/// <summary>Parses <c>--layers 25:relu,15:relu,10</c>: units and an optional activation per Dense layer, the last one the output; <c>dropout:0.2</c> adds a Dropout layer.</summary>
internal static class LayerSpec
{
    public const string Default = "25:relu,15:relu,10";

    public const string Help =
        "Comma-separated layers, the last one the output: UNITS[:ACTIVATION] for a Dense layer " +
        "(activations: linear, relu, leaky_relu, sigmoid, tanh, softmax, gelu, elu; default linear), dropout:RATE for a Dropout layer. " +
        "A linear output gives logits and the loss works from them (fromLogits: true).";

    private static readonly Dictionary<string, Activation> s_activations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["linear"] = Activation.Linear,
        ["relu"] = Activation.Relu,
        ["leaky_relu"] = Activation.LeakyRelu,
        ["leakyrelu"] = Activation.LeakyRelu,
        ["sigmoid"] = Activation.Sigmoid,
        ["tanh"] = Activation.Tanh,
        ["softmax"] = Activation.Softmax,
        ["gelu"] = Activation.Gelu,
        ["elu"] = Activation.Elu,
    };

    public static IReadOnlyList<Layer> Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new UsageException($"--layers is empty: expected e.g. {Default}");
        }

        var layers = new List<Layer>();
        foreach (string raw in spec.Split(','))
        {
            string token = raw.Trim();
            string[] parts = token.Split(':');
            if (token.Length == 0 || parts.Length > 2)
            {
                throw Bad(token, spec, "expected UNITS[:ACTIVATION] or dropout:RATE");
            }

            if (parts[0].Equals("dropout", StringComparison.OrdinalIgnoreCase))
            {
                if (parts.Length != 2 || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float rate) || !(rate >= 0 && rate < 1))
                {
                    throw Bad(token, spec, "expected dropout:RATE with a rate in [0, 1), e.g. dropout:0.2");
                }

                layers.Add(new Dropout(rate));
                continue;
            }

            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int units) || units < 1)
            {
                throw Bad(token, spec, $"'{parts[0]}' is not a positive number of units");
            }

            Activation activation = Activation.Linear;
            if (parts.Length == 2 && !s_activations.TryGetValue(parts[1], out activation))
            {
                throw Bad(token, spec, $"unknown activation '{parts[1]}'; expected one of linear, relu, leaky_relu, sigmoid, tanh, softmax, gelu, elu");
            }

            layers.Add(new Dense(units, activation));
        }

        if (layers[^1] is not Dense)
        {
            throw new UsageException($"bad --layers '{spec}': the last layer is the output and must be a Dense layer (UNITS[:ACTIVATION]), not dropout");
        }

        return layers;
    }

    public static string Describe(Activation activation) =>
        s_activations.First(pair => pair.Value == activation).Key;

    private static UsageException Bad(string token, string spec, string why) =>
        new($"bad layer '{token}' in --layers '{spec}': {why}");
}
