namespace LogitNet;

/// <summary>
/// What <see cref="Sequential.Fit"/> recorded: one value per epoch for the loss, each metric, and
/// their validation counterparts (<c>val_loss</c>, <c>val_sparse_categorical_accuracy</c>, ...).
/// </summary>
/// <example>
/// <code>
/// History history = model.Fit(x, y, epochs: 10, validationSplit: 0.2);
/// float last = history["val_loss"][^1];
/// </code>
/// </example>
public sealed class History
{
    private readonly Dictionary<string, List<float>> _values = [];

    /// <summary>The number of epochs recorded.</summary>
    public int Epochs { get; private set; }

    /// <summary>The recorded names, in the order first seen (<c>loss</c> first).</summary>
    public IReadOnlyList<string> Keys => _values.Keys.ToList();

    /// <summary>The per-epoch values of one quantity.</summary>
    /// <param name="key">A name such as <c>loss</c> or <c>val_loss</c>.</param>
    /// <exception cref="KeyNotFoundException">Nothing was recorded under that name; the message lists what was.</exception>
    public IReadOnlyList<float> this[string key] =>
        _values.TryGetValue(key, out List<float>? values)
            ? values
            : throw new KeyNotFoundException($"History has no '{key}'; it recorded: {string.Join(", ", _values.Keys)}.");

    /// <summary>Whether a quantity was recorded.</summary>
    /// <param name="key">The name.</param>
    /// <returns>True if <paramref name="key"/> has values.</returns>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>One line per epoch, for a quick look.</summary>
    /// <returns>For example <c>epoch 1: loss 0.6931, val_loss 0.6012</c> per line.</returns>
    public override string ToString() =>
        string.Join(Environment.NewLine, Enumerable.Range(0, Epochs).Select(e =>
            $"epoch {e + 1}: " + string.Join(", ", _values.Select(kv => $"{kv.Key} {kv.Value[e]:0.####}"))));

    internal void Append(IReadOnlyDictionary<string, float> logs)
    {
        foreach ((string key, float value) in logs)
        {
            if (!_values.TryGetValue(key, out List<float>? values))
            {
                values = [];
                _values[key] = values;
            }

            values.Add(value);
        }

        Epochs++;
    }
}
