namespace LogitNet.Callbacks;

/// <summary>
/// Saves the model during training, as Keras's <c>ModelCheckpoint</c>: after every epoch, or only
/// when a monitored quantity improves.
/// </summary>
/// <remarks>
/// The path may hold Keras's placeholders, filled as Keras fills them with Python's <c>str.format</c>:
/// <c>{epoch}</c> is the epoch number from 1, and any logged quantity such as <c>{val_loss}</c> or
/// <c>{accuracy}</c> is its value, each with an optional spec <c>[0][width][.precision][d|f|e]</c>:
/// <c>"ckpt-{epoch:02d}-{val_loss:.2f}.keras"</c> writes <c>ckpt-03-0.12.keras</c>, digit for digit what
/// Keras writes. Saves are atomic (see <see cref="Sequential.Save"/>); a path ending in <c>.keras</c> is a Keras file.
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
    private readonly PathTemplate _path;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The file to write; may contain <c>{epoch}</c> and logged quantities, with Python's format specs (see remarks).</param>
    /// <param name="monitor">The logged quantity that decides "best" with <paramref name="saveBestOnly"/> (default <c>val_loss</c>). If the logs lack it, a warning goes to the model's <see cref="Sequential.Log"/> once per Fit and every epoch is saved, as in Keras.</param>
    /// <param name="saveBestOnly">Whether to save only when <paramref name="monitor"/> improves.</param>
    /// <param name="mode">Whether lower or higher is better; by default from the quantity (see <see cref="MonitorMode.Auto"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="monitor"/> is empty, or the path's placeholders
    /// are malformed or use a format this callback does not have (such as <c>{val_loss:g}</c> or <c>{loss:d}</c>).</exception>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        _path = new PathTemplate(path, nameof(path));
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

    /// <summary>
    /// Refuses, before training, a path field that names no quantity this training can log (<c>loss</c>,
    /// <c>learning_rate</c>, a compiled metric, or their <c>val_</c> forms), rather than at the first epoch's end.
    /// </summary>
    internal override void CheckBeforeTraining(Sequential model)
    {
        foreach (string name in _path.LoggedNames)
        {
            string bare = name.StartsWith("val_", StringComparison.Ordinal) ? name["val_".Length..] : name;
            if (bare is not ("loss" or "learning_rate") && model.MetricLoggedAs(bare) is null)
            {
                throw new InvalidOperationException(
                    $"ModelCheckpoint's path '{Path}' names {{{name}}}, which this training never logs: a field is {{epoch}}, loss, learning_rate " +
                    "or a compiled metric's name, each with val_ before it for the validation value. Write literal braces as {{ and }}.");
            }
        }
    }

    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
        // The best value is kept across Fit calls, as Keras 3 keeps it (set once, in the constructor): a second Fit
        // must not overwrite the best file with a worse model.
        SavedEpochs.Clear();
        _monitor.BeginTraining();
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The path names a quantity this epoch's logs lack.</exception>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (Model is null)
        {
            return;
        }

        if (SaveBestOnly)
        {
            // Keras saves when the quantity is missing (after its warning), as if there were no best to keep.
            if (_monitor.TryRead(logs, nameof(ModelCheckpoint), Model.Log, out float value))
            {
                _monitor.Resolve(Model, nameof(ModelCheckpoint));
                if (!_monitor.Improves(value))
                {
                    return;
                }
            }
        }

        string file = _path.Format(epoch, logs, nameof(ModelCheckpoint));
        // Keras makes the folder a checkpoint path names ("checkpoints/best.keras"); the save failed here, ending the Fit.
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        Model.Save(file);
        SavedEpochs.Add(epoch);
    }
}
