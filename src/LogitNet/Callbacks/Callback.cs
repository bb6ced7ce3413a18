namespace LogitNet.Callbacks;

/// <summary>
/// Hooks into <see cref="Sequential.Fit"/>: override the moments you need. A callback may stop
/// training by setting <see cref="Sequential.StopTraining"/> on <see cref="Model"/>.
/// </summary>
/// <example>
/// <code>
/// sealed class PrintLoss : Callback
/// {
///     public override void OnEpochEnd(int epoch, IReadOnlyDictionary&lt;string, float&gt; logs) =>
///         Console.WriteLine($"epoch {epoch + 1}: {logs["loss"]}");
/// }
/// </code>
/// </example>
public abstract class Callback
{
    /// <summary>The model being trained; set by <see cref="Sequential.Fit"/> before <see cref="OnTrainBegin"/>.</summary>
    public Sequential? Model { get; internal set; }

    /// <summary>
    /// Refuses a setting this callback cannot work with (an optimizer it cannot drive, a path naming a quantity training
    /// never logs), called for every callback of a Fit before any callback's <see cref="OnTrainBegin"/>, so a refusal
    /// leaves no callback started (a CsvLogger's file untouched) and no weight moved.
    /// </summary>
    /// <param name="model">The model about to train, compiled.</param>
    internal virtual void CheckBeforeTraining(Sequential model)
    {
    }

    /// <summary>Called once before the first epoch.</summary>
    /// <param name="epochs">The epoch number training stops before: this Fit's epochs are numbered from its first (<c>initialEpoch</c>, or the model's <see cref="Sequential.TrainedEpochs"/>) up to it.</param>
    /// <param name="batchesPerEpoch">The number of training batches per epoch.</param>
    public virtual void OnTrainBegin(int epochs, int batchesPerEpoch)
    {
    }

    /// <summary>Called at the start of each epoch.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    public virtual void OnEpochBegin(int epoch)
    {
    }

    /// <summary>Called before each training batch, as Keras's <c>on_train_batch_begin</c>. Keep it cheap: it runs inside the training loop.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batch">The batch within the epoch, from 0.</param>
    public virtual void OnBatchBegin(int epoch, int batch)
    {
    }

    /// <summary>Called after each training batch. Keep it cheap: it runs inside the training loop.</summary>
    /// <param name="progress">Where training stands: epoch, batch, running loss and metrics.</param>
    public virtual void OnBatchEnd(in BatchProgress progress)
    {
    }

    /// <summary>Called at the end of each epoch, after validation.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="logs">The epoch's values: <c>loss</c>, the metrics, and <c>val_</c> ones when there is validation data.</param>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Called once when training ends, normally or stopped.</summary>
    /// <param name="history">What was recorded.</param>
    /// <remarks>
    /// It runs while <c>Fit</c> still holds the model, so it may write the weights (as EarlyStopping's
    /// <c>restoreBestWeights</c> does) without a <c>Predict</c> on another thread seeing them half written: such a call is
    /// refused until <c>Fit</c> returns. On Fit's own thread <c>Predict</c> and <c>Evaluate</c> work here; another <c>Fit</c>
    /// (a second training phase) must start after this one returns.
    /// </remarks>
    public virtual void OnTrainEnd(History history)
    {
    }
}
