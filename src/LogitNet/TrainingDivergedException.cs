namespace LogitNet;

/// <summary>
/// Thrown by <see cref="Sequential.Fit"/> when the loss becomes NaN or infinite: training cannot
/// go on from there. The message names the epoch and batch; <see cref="History"/> holds the epochs
/// completed before.
/// </summary>
/// <remarks>
/// Common causes: a learning rate too large, NaN or infinite values in the inputs, or targets
/// outside the loss's range. To stop quietly instead of throwing, pass a <c>TerminateOnNaN</c> callback.
/// The callbacks' <c>OnTrainEnd</c> runs before it is thrown, so an <c>EarlyStopping</c> with
/// <c>restoreBestWeights</c> leaves the model with its best weights rather than the diverged ones.
/// </remarks>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batch">The batch within the epoch, from 0.</param>
    /// <param name="loss">The non-finite loss value.</param>
    /// <param name="history">The epochs completed before.</param>
    public TrainingDivergedException(int epoch, int batch, float loss, History history)
        : base($"The loss became {loss} at epoch {epoch + 1}, batch {batch + 1}. Lower the learning rate, check the inputs for NaN or infinite values, and check that the targets fit the loss.")
    {
        Epoch = epoch;
        Batch = batch;
        History = history;
    }

    /// <summary>The epoch in which the loss diverged, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The batch in which the loss diverged, from 0.</summary>
    public int Batch { get; }

    /// <summary>What was recorded for the epochs completed before.</summary>
    public History History { get; }
}
