using System.Globalization;
using LogitNet.Layers;

namespace LogitNet.Cli.Training;

/// <summary>
/// Parses <c>--layers 25:relu,15:relu,10</c>: units and an optional activation per Dense layer, the last one the output;
/// <c>dropout:0.2</c> adds a Dropout layer; image layers for <c>--input-shape HxWxC</c>: <c>conv:32x3:relu</c> (filters × kernel
/// size, optional activation and <c>same</c> padding), <c>maxpool</c>/<c>avgpool</c> (size 2 unless given), <c>globalavgpool</c>,
/// <c>globalmaxpool</c>, <c>batchnorm</c>, <c>flatten</c>.
/// </summary>
internal static class LayerSpec
{
    public const string Default = "25:relu,15:relu,10";

    public const string Help =
        "Comma-separated layers, the last one the output: UNITS[:ACTIVATION] for a Dense layer " +
        "(activations: linear, relu, leaky_relu, sigmoid, tanh, softmax, gelu, elu; default linear), dropout:RATE for a Dropout layer. " +
        "Image layers (with --input-shape HxWxC): conv:FILTERSxSIZE[:ACTIVATION][:same], maxpool[:SIZE], avgpool[:SIZE], " +
        "globalavgpool, globalmaxpool, batchnorm, flatten. " +
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
            if (ImageLayer(parts, token, spec) is { } image)
            {
                layers.Add(image);
                continue;
            }

            if (token.Length == 0 || parts.Length > 2)
            {
                throw Bad(token, spec, "expected UNITS[:ACTIVATION], dropout:RATE or an image layer (conv:32x3:relu, maxpool, flatten, ...)");
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

    /// <summary>Whether the layers need image input (<c>--input-shape HxWxC</c>): any convolution, pooling or flatten.</summary>
    public static bool TakesImages(IReadOnlyList<Layer> layers) =>
        layers.Any(l => l is Conv2D or MaxPooling2D or AveragePooling2D or GlobalAveragePooling2D or GlobalMaxPooling2D or Flatten);

    /// <summary>An image layer named by <paramref name="parts"/>[0], or null for a Dense or Dropout token.</summary>
    private static Layer? ImageLayer(string[] parts, string token, string spec)
    {
        string kind = parts[0].ToLowerInvariant();
        switch (kind)
        {
            case "conv":
            {
                // conv:FILTERSxSIZE[:ACTIVATION][:same|valid], the options in either order.
                string[] size = parts.Length >= 2 ? parts[1].Split('x') : [];
                if (size.Length != 2 || !PositiveInt(size[0], out int filters) || !PositiveInt(size[1], out int kernel))
                {
                    throw Bad(token, spec, "expected conv:FILTERSxSIZE[:ACTIVATION][:same], e.g. conv:32x3:relu (32 filters of 3 x 3)");
                }

                Activation activation = Activation.Linear;
                Padding padding = Padding.Valid;
                foreach (string option in parts.Skip(2))
                {
                    if (option.Equals("same", StringComparison.OrdinalIgnoreCase) || option.Equals("valid", StringComparison.OrdinalIgnoreCase))
                    {
                        padding = option.Equals("same", StringComparison.OrdinalIgnoreCase) ? Padding.Same : Padding.Valid;
                    }
                    else if (!s_activations.TryGetValue(option, out activation))
                    {
                        throw Bad(token, spec, $"unknown option '{option}'; expected an activation ({string.Join(", ", s_activations.Keys.Where(k => k != "leakyrelu"))}) or same/valid");
                    }
                }

                return new Conv2D(filters, kernel, padding: padding, activation: activation);
            }

            case "maxpool" or "avgpool":
            {
                int poolSize = 2;
                if (parts.Length > 2 || (parts.Length == 2 && !PositiveInt(parts[1], out poolSize)))
                {
                    throw Bad(token, spec, $"expected {kind}[:SIZE], e.g. {kind} (2 x 2) or {kind}:3");
                }

                return kind == "maxpool" ? new MaxPooling2D(poolSize) : new AveragePooling2D(poolSize);
            }

            case "globalavgpool" or "globalmaxpool" or "batchnorm" or "flatten":
                if (parts.Length != 1)
                {
                    throw Bad(token, spec, $"{kind} takes no settings");
                }

                return kind switch
                {
                    "globalavgpool" => new GlobalAveragePooling2D(),
                    "globalmaxpool" => new GlobalMaxPooling2D(),
                    "batchnorm" => new BatchNormalization(),
                    _ => new Flatten(),
                };
            default:
                return null;
        }
    }

    private static bool PositiveInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    public static string Describe(Activation activation) =>
        s_activations.First(pair => pair.Value == activation).Key;

    private static UsageException Bad(string token, string spec, string why) =>
        new($"bad layer '{token}' in --layers '{spec}': {why}");
}
