using LogitNet.Metrics;

namespace LogitNet.Callbacks;

/// <summary>Where training stands after a batch, as passed to <see cref="Callback.OnBatchEnd"/>.</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="Epochs">The epoch number training stops before: the epochs asked for, counted from the first epoch's number (as Keras's progress line shows "Epoch 3/4").</param>
/// <param name="Batch">The batch within the epoch, from 0.</param>
/// <param name="Batches">The number of batches per epoch.</param>
/// <param name="BatchLoss">This batch's loss.</param>
/// <param name="Loss">The mean loss over the epoch so far.</param>
/// <param name="Metrics">The model's metrics and then its weighted metrics, holding their values over the epoch so far.</param>
/// <param name="MetricNames">The key of each of <paramref name="Metrics"/> in the epoch's logs, in the same order: its name, or
/// Keras's name for a repeat (<c>weighted_accuracy</c>, <c>accuracy_1</c>).</param>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, float BatchLoss, float Loss, IReadOnlyList<Metric> Metrics, IReadOnlyList<string> MetricNames);
