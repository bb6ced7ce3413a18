namespace LogitNet.Metrics;

/// <summary>A compiled metric, the key its value has in the logs, and whether it is updated with the sample weights.</summary>
/// <param name="Key">The key in <c>History</c>, the epoch logs and <c>Evaluate</c>'s results.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Weighted">Whether it is one of the weighted metrics (Keras's <c>weighted_metrics</c>).</param>
internal readonly record struct LoggedMetric(string Key, Metric Metric, bool Weighted)
{
    /// <summary>
    /// Keys the metrics as Keras 3 keys its compiled metrics' results: each by its name, a repeated name of the
    /// unweighted list with <c>_1</c>, <c>_2</c>, …, and a weighted metric whose name is taken with a
    /// <c>weighted_</c> prefix (numbered the same way if that is taken too). So <c>metrics: [accuracy]</c> with
    /// <c>weightedMetrics: [accuracy]</c> logs <c>accuracy</c> and <c>weighted_accuracy</c>.
    /// </summary>
    public static LoggedMetric[] Name(IReadOnlyList<Metric> metrics, IReadOnlyList<Metric> weightedMetrics)
    {
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var logged = new LoggedMetric[metrics.Count + weightedMetrics.Count];
        for (int i = 0; i < metrics.Count; i++)
        {
            string name = metrics[i].Name;
            logged[i] = new LoggedMetric(taken.TryAdd(name, 1) ? name : Numbered(taken, name), metrics[i], Weighted: false);
        }

        for (int i = 0; i < weightedMetrics.Count; i++)
        {
            string name = weightedMetrics[i].Name;
            if (!taken.TryAdd(name, 1))
            {
                name = "weighted_" + name;
                name = taken.TryAdd(name, 1) ? name : Numbered(taken, name);
            }

            logged[metrics.Count + i] = new LoggedMetric(name, weightedMetrics[i], Weighted: true);
        }

        return logged;
    }

    /// <summary>
    /// The name with the next number of its kind, as Keras numbers a repeat (the first repeat gets <c>_1</c>); unlike Keras,
    /// a number another metric already goes by is skipped, so no two metrics share a key and none is dropped from the logs.
    /// </summary>
    private static string Numbered(Dictionary<string, int> taken, string name)
    {
        while (true)
        {
            int index = taken[name];
            taken[name] = index + 1;
            string numbered = $"{name}_{index}";
            if (taken.TryAdd(numbered, 1))
            {
                return numbered;
            }
        }
    }
}
