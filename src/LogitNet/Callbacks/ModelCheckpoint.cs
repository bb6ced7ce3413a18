using System.Globalization;

namespace LogitNet.Callbacks;

/// <summary>
/// Saves the model during training, as Keras's <c>ModelCheckpoint</c>: after every epoch, or only
/// when a monitored quantity improves.
/// </summary>
/// <remarks>
/// The path may contain <c>{epoch}</c>, replaced by the epoch number from 1, to keep one file per
/// epoch. Saves are atomic (see <see cref="Sequential.Save"/>).
/// </remarks>
/// <example>
/// <code>
/// model.Fit(x, y, epochs: 50, validationSplit: 0.2,
///           callbacks: [new ModelCheckpoint("best.logitnet", saveBestOnly: true)]);
/// Sequential best = Sequential.Load("best.logitnet");
/// </code>
/// </example>
public sealed class ModelCheckpoint : Callback
{
    private readonly Monitor _monitor;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The file to write; may contain <c>{epoch}</c>.</param>
    /// <param name="monitor">The logged quantity that decides "best" (default <c>val_loss</c>).</param>
    /// <param name="saveBestOnly">Whether to save only when <paramref name="monitor"/> improves.</param>
    /// <param name="mode">Whether lower or higher is better; by default from the quantity (see <see cref="MonitorMode.Auto"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="monitor"/> is empty.</exception>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Path = path;
        SaveBestOnly = saveBestOnly;
        _monitor = new Monitor(monitor, mode, 0f);
    }

    /// <summary>The file pattern.</summary>
    public string Path { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The epochs (from 0) at which the model was saved during the last Fit.</summary>
    public List<int> SavedEpochs { get; } = [];

    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
        // The best value is kept across Fit calls, as Keras 3 keeps it (set once, in the constructor): a second Fit
        // must not overwrite the best file with a worse model.
        SavedEpochs.Clear();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (Model is null)
        {
            return;
        }

        if (SaveBestOnly)
        {
            float value = _monitor.Read(logs, nameof(ModelCheckpoint));
            _monitor.Resolve(Model, nameof(ModelCheckpoint));
            if (!_monitor.Improves(value))
            {
                return;
            }
        }

        Model.Save(Path.Replace("{epoch}", (epoch + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        SavedEpochs.Add(epoch);
    }
}
