namespace LogitNet.Callbacks;

/// <summary>
/// A callback made of delegates, for one-off hooks without a class, as Keras's <c>LambdaCallback</c>.
/// Every delegate is optional.
/// </summary>
/// <example>
/// <code>
/// var print = new LambdaCallback(onEpochEnd: (epoch, logs) => Console.WriteLine($"{epoch}: {logs["loss"]}"));
/// model.Fit(x, y, epochs: 5, callbacks: [print]);
/// </code>
/// </example>
/// <param name="onTrainBegin">Called with the epochs asked for and the batches per epoch.</param>
/// <param name="onEpochBegin">Called with the epoch.</param>
/// <param name="onBatchBegin">Called with the epoch and the batch.</param>
/// <param name="onBatchEnd">Called with the batch's progress.</param>
/// <param name="onEpochEnd">Called with the epoch and its logs.</param>
/// <param name="onTrainEnd">Called with the history.</param>
public sealed class LambdaCallback(
    Action<int, int>? onTrainBegin = null,
    Action<int>? onEpochBegin = null,
    Action<int, int>? onBatchBegin = null,
    Action<BatchProgress>? onBatchEnd = null,
    Action<int, IReadOnlyDictionary<string, float>>? onEpochEnd = null,
    Action<History>? onTrainEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnTrainBegin(int epochs, int batchesPerEpoch) => onTrainBegin?.Invoke(epochs, batchesPerEpoch);

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => onEpochBegin?.Invoke(epoch);

    /// <inheritdoc/>
    public override void OnBatchBegin(int epoch, int batch) => onBatchBegin?.Invoke(epoch, batch);

    /// <inheritdoc/>
    public override void OnBatchEnd(in BatchProgress progress) => onBatchEnd?.Invoke(progress);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => onEpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnTrainEnd(History history) => onTrainEnd?.Invoke(history);
}
