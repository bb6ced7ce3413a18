using LogitNet.Kernels;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>Where a Fit's batches come from: the in-memory arrays, or a caller's batch source.</summary>
    private abstract class BatchFeed : IDisposable
    {
        /// <summary>Batches per epoch, for progress; 0 when the source cannot say.</summary>
        public abstract int Batches { get; }

        public abstract void BeginEpoch();

        /// <summary>The epoch's next batch, or false at its end.</summary>
        /// <param name="context">The training context; null only before a batch source's first batch has built the model.</param>
        /// <param name="x">The batch's inputs.</param>
        /// <param name="y">The batch's targets.</param>
        /// <param name="weights">The batch's sample weights, or null.</param>
        public abstract bool Next(ModelContext? context, out Tensor x, out Tensor y, out Tensor? weights);

        /// <summary>Batches the epoch under way was short of, when its source ended before the set number per epoch; else 0.</summary>
        public virtual int EpochShortBy => 0;

        public virtual void Dispose()
        {
        }
    }

    /// <summary>
    /// Mini-batches gathered from in-memory arrays into the training context's buffers (no allocation).
    /// Each epoch shuffles the identity order with the model's continuing generator, so an epoch's order
    /// depends only on the generator's state: that state alone carries a run across Fit calls and Save/Load.
    /// </summary>
    private sealed class ArrayFeed(Sequential model, Tensor x, Tensor y, Tensor? weights, int trainCount, int batchSize, bool shuffle) : BatchFeed
    {
        private readonly int[] _order = new int[trainCount];
        private readonly int _rowLength = x.Length / x.ShapeSpan[0];
        private int _start;

        public override int Batches => (trainCount + batchSize - 1) / batchSize;

        public override void BeginEpoch()
        {
            for (int i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            if (shuffle)
            {
                Shuffle(_order, model.Shuffler);
            }

            _start = 0;
        }

        public override bool Next(ModelContext? context, out Tensor xBatch, out Tensor yBatch, out Tensor? weightBatch)
        {
            // Fit checked the arrays, which built the model, so the context exists.
            ArgumentNullException.ThrowIfNull(context);
            int start = _start;
            int count = Math.Min(batchSize, trainCount - start);
            if (count <= 0)
            {
                (xBatch, yBatch, weightBatch) = (null!, null!, null);
                return false;
            }

            xBatch = context.Inputs.For(count);
            yBatch = context.Targets(count, y.ShapeSpan[1..]);
            // A Dense first layer's product may cut the batch's columns between the two threads; the
            // gather then follows the same cut, so each core writes the columns it reads.
            RowGather.Copy(x.AsSpan(), _rowLength, _order, start, xBatch.AsSpan(), count, model._batchReaderColumns);
            Gather(y, _order, start, yBatch);

            // The next batch's rows, one step ahead: fetched from memory while this step computes.
            RowPrefetch.Rows(x.AsSpan(), _rowLength, _order, start + count, count);
            weightBatch = null;
            if (weights is not null)
            {
                weightBatch = context.Weights(count, weights.ShapeSpan[1..]);
                Gather(weights, _order, start, weightBatch);
            }

            _start = start + count;
            return true;
        }
    }

    /// <summary>
    /// Batches from a caller's source, each checked against the model: enumerated once per epoch, or, with
    /// <paramref name="stepsPerEpoch"/>, as Keras 3's epoch iterator does: one enumeration carries on across epochs, each
    /// epoch taking that many batches, and when it ends the epoch under way ends short and the next enumeration starts
    /// (at once when it ends just as an epoch begins).
    /// </summary>
    private sealed class StreamFeed(Sequential model, IEnumerable<(Tensor X, Tensor Y)> source, int? stepsPerEpoch) : BatchFeed
    {
        private IEnumerator<(Tensor X, Tensor Y)>? _batches;
        private bool _fresh;
        private int _inEpoch;
        private int _shortBy;

        public override int Batches => stepsPerEpoch ?? source switch
        {
            Data.NpyBatches mapped => mapped.BatchesPerEpoch,
            _ => source.TryGetNonEnumeratedCount(out int count) ? count : 0,
        };

        public override int EpochShortBy => _shortBy;

        public override void BeginEpoch()
        {
            _inEpoch = 0;
            _shortBy = 0;
            if (stepsPerEpoch is null || _batches is null)
            {
                Restart();
            }
        }

        public override bool Next(ModelContext? context, out Tensor xBatch, out Tensor yBatch, out Tensor? weightBatch)
        {
            weightBatch = null;
            (xBatch, yBatch) = (null!, null!);
            if (_batches is null || _inEpoch == stepsPerEpoch)
            {
                return false;
            }

            if (!_batches.MoveNext())
            {
                bool endedAtTheStart = stepsPerEpoch is not null && _inEpoch == 0 && !_fresh;
                if (!endedAtTheStart || !Restart() || !_batches.MoveNext())
                {
                    // The epoch ends here: at its source's end, or short of its steps (the next epoch starts the source again).
                    _shortBy = stepsPerEpoch is { } steps && _inEpoch > 0 ? steps - _inEpoch : 0;
                    _batches.Dispose();
                    _batches = null;
                    return false;
                }
            }

            (xBatch, yBatch) = _batches.Current;
            _fresh = false;
            model.CheckData(ref xBatch, yBatch, "batch.X", "batch.Y", scanValues: false);
            _inEpoch++;
            return true;
        }

        /// <summary>Starts a new enumeration of the source; always true (for use in a condition).</summary>
        private bool Restart()
        {
            _batches?.Dispose();
            _batches = source.GetEnumerator();
            _fresh = true;
            return true;
        }

        public override void Dispose() => _batches?.Dispose();
    }

    /// <summary>The penalty of every trainable parameter's regularizer, in double (Keras counts trainable weights only).</summary>
    private double RegularizationPenalty()
    {
        double penalty = 0;
        foreach (Parameter parameter in _parameters)
        {
            if (parameter.Trainable && parameter.Regularizer is { } regularizer)
            {
                penalty += regularizer.Penalty(parameter.Value.AsSpan());
            }
        }

        return penalty;
    }

    /// <summary>Adds each trainable parameter's penalty gradient to the gradient the backward pass wrote.</summary>
    private void AddRegularizationGradients()
    {
        foreach (Parameter parameter in _parameters)
        {
            if (parameter.Trainable && parameter.Regularizer is { } regularizer)
            {
                regularizer.AddGradient(parameter.Value.AsSpan(), parameter.Gradient.AsSpan());
            }
        }
    }
}
