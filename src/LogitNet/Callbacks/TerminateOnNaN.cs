namespace LogitNet.Callbacks;

/// <summary>
/// Stops training quietly when a batch's loss becomes NaN or infinite, instead of the
/// <see cref="TrainingDivergedException"/> that <see cref="Sequential.Fit"/> throws otherwise.
/// </summary>
/// <example><c>model.Fit(x, y, epochs: 10, callbacks: [new TerminateOnNaN()]);</c></example>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The epoch and batch (from 0) where training stopped, or null if it did not.</summary>
    public (int Epoch, int Batch)? StoppedAt { get; private set; }

    /// <inheritdoc/>
    public override void OnBatchEnd(in BatchProgress progress)
    {
        if (!float.IsFinite(progress.BatchLoss) && Model is { } model)
        {
            StoppedAt = (progress.Epoch, progress.Batch);
            model.StopTraining = true;
            model.Log.WriteLine($"Batch {progress.Batch + 1} of epoch {progress.Epoch + 1}: the loss is {progress.BatchLoss}; terminating training.");
        }
    }
}
