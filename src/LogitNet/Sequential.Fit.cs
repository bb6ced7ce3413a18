using LogitNet.Kernels;
using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;

namespace LogitNet;

public sealed partial class Sequential
{
    private int _batchReaderColumns;

    /// <summary>Trains the model for a number of epochs over shuffled mini-batches.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="y">The targets, one row per sample, in the form the loss expects (class ids <c>[samples]</c> for a sparse loss).</param>
    /// <param name="epochs">The number of passes over the training data.</param>
    /// <param name="batchSize">The samples per gradient step; the last batch of an epoch may be smaller.</param>
    /// <param name="validationSplit">The fraction of samples, taken from the end before any shuffling, held out for validation, in [0, 1).</param>
    /// <param name="validationData">Validation inputs and targets; used instead of <paramref name="validationSplit"/>.</param>
    /// <param name="shuffle">Whether to shuffle the training samples before each epoch (seeded by <see cref="Seed"/>).</param>
    /// <param name="classWeight">A weight per class id, multiplying each sample's loss (classes not listed weigh 1).</param>
    /// <param name="sampleWeight">A weight per sample, <c>[samples]</c>.</param>
    /// <param name="callbacks">Callbacks such as <see cref="EarlyStopping"/>.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch (written to <see cref="Log"/>).</param>
    /// <returns>The per-epoch loss and metrics, with <c>val_</c> entries when there is validation data.</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="y"/> is null.</exception>
    /// <exception cref="ArgumentException">The data's shapes do not fit each other or the model, or the dataset is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric argument or a target value is out of range.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (unless a <see cref="TerminateOnNaN"/> callback stops training instead).</exception>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, double validationSplit = 0,
        (Tensor X, Tensor Y)? validationData = null, bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 1)
    {
        Compiled compiled = RequireCompiled(nameof(Fit));
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        CheckBatchSize(batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit,
                "Expected the fraction of samples to hold out for validation, in [0, 1).");
        }

        if (verbose is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Expected 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
        }

        int samples = CheckData(x, y, nameof(x), nameof(y));
        if (sampleWeight is not null && sampleWeight.Length != samples)
        {
            throw new ArgumentException(
                $"Expected one weight per sample ({samples}); received sampleWeight of shape {ShapeText.Format(sampleWeight.ShapeSpan)}.",
                nameof(sampleWeight));
        }

        _batchReaderColumns = BatchReaderColumns(x);
        Tensor? weights = CombineWeights(compiled, y, sampleWeight, classWeight);
        int trainCount = samples;
        Tensor? xValidation = null, yValidation = null;
        if (validationData is { } data)
        {
            CheckData(data.X, data.Y, "validationData.X", "validationData.Y");
            (xValidation, yValidation) = data;
        }
        else if (validationSplit > 0)
        {
            trainCount = (int)(samples * (1 - validationSplit));
            if (trainCount == 0 || trainCount == samples)
            {
                throw new ArgumentException(
                    $"validationSplit {validationSplit} of {samples} samples leaves {trainCount} for training and {samples - trainCount} for validation; both need at least one.",
                    nameof(validationSplit));
            }

            xValidation = x.Slice(trainCount, samples - trainCount);
            yValidation = y.Slice(trainCount, samples - trainCount);
        }

        var history = new History();
        List<Callback> allCallbacks = [.. callbacks ?? []];
        if (verbose > 0)
        {
            allCallbacks.Insert(0, new ProgressLogger(Log, perBatch: verbose == 1));
        }

        int batches = (trainCount + batchSize - 1) / batchSize;
        int[] order = Enumerable.Range(0, trainCount).ToArray();
        var shuffler = new RandomSource(unchecked(Seed * 31 + 7));
        bool terminateOnNaN = allCallbacks.Exists(c => c is TerminateOnNaN);
        StopTraining = false;
        foreach (Callback callback in allCallbacks)
        {
            callback.Model = this;
            callback.OnTrainBegin(epochs, batches);
        }

        ModelContext context = TrainingContext;
        EnterTraining();
        try
        {
            for (int epoch = 0; epoch < epochs && !StopTraining; epoch++)
            {
                foreach (Callback callback in allCallbacks)
                {
                    callback.OnEpochBegin(epoch);
                }

                if (shuffle)
                {
                    Shuffle(order, shuffler);
                }

                foreach (Metric metric in compiled.Metrics)
                {
                    metric.Reset();
                }

                double lossSum = 0;
                int seen = 0;
                for (int batch = 0; batch < batches && !StopTraining; batch++)
                {
                    foreach (Callback callback in allCallbacks)
                    {
                        callback.OnBatchBegin(epoch, batch);
                    }

                    int start = batch * batchSize;
                    int count = Math.Min(batchSize, trainCount - start);
                    float batchLoss = TrainBatch(compiled, context, x, y, weights, order, start, count);
                    lossSum += (double)batchLoss * count;
                    seen += count;
                    if (!float.IsFinite(batchLoss) && !terminateOnNaN)
                    {
                        throw new TrainingDivergedException(epoch, batch, batchLoss, history);
                    }

                    var progress = new BatchProgress(epoch, epochs, batch, batches, batchLoss, (float)(lossSum / seen), compiled.Metrics);
                    foreach (Callback callback in allCallbacks)
                    {
                        callback.OnBatchEnd(progress);
                    }
                }

                var logs = new Dictionary<string, float> { ["loss"] = (float)(lossSum / Math.Max(1, seen)) };
                foreach (Metric metric in compiled.Metrics)
                {
                    logs[metric.Name] = metric.Result();
                }

                if (xValidation is not null && yValidation is not null)
                {
                    ModelContext validation = Contexts.Rent();
                    try
                    {
                        foreach ((string key, float value) in EvaluateCore(compiled, validation, xValidation, yValidation, null, batchSize))
                        {
                            logs["val_" + key] = value;
                        }
                    }
                    finally
                    {
                        Contexts.Return(validation);
                    }
                }

                // Keras 3 logs the rate under this key (its rate callbacks add it); here every epoch has it.
                logs["learning_rate"] = compiled.Optimizer.LearningRate;
                history.Append(logs);
                foreach (Callback callback in allCallbacks)
                {
                    callback.OnEpochEnd(epoch, logs);
                }
            }
        }
        finally
        {
            context.Release();
            ExitTraining();
        }

        foreach (Callback callback in allCallbacks)
        {
            callback.OnTrainEnd(history);
        }

        return history;
    }

    /// <summary>One gradient step on the rows order[start .. start + count), in the training context.</summary>
    private float TrainBatch(Compiled compiled, ModelContext context, Tensor x, Tensor y, Tensor? weights, int[] order, int start, int count)
    {
        Tensor xBatch = context.Inputs.For(count);
        Tensor yBatch = context.Targets(count, y.ShapeSpan[1..]);
        // A Dense first layer's product may cut the batch's columns between the two threads; the
        // gather then follows the same cut, so each core writes the columns it reads.
        int rowLength = x.Length / x.ShapeSpan[0];
        RowGather.Copy(x.AsSpan(), rowLength, order, start, xBatch.AsSpan(), count, _batchReaderColumns);
        Gather(y, order, start, yBatch);

        // The next batch's rows, one step ahead: fetched from memory while this step computes.
        RowPrefetch.Rows(x.AsSpan(), rowLength, order, start + count, count);
        Tensor? weightBatch = null;
        if (weights is not null)
        {
            weightBatch = context.Weights(count);
            Gather(weights, order, start, weightBatch);
        }

        Tensor output = RunPass(context, xBatch, compiled.LossPathLayers, training: true, target: null, lossPath: compiled);
        Tensor gradient = context.LossGradient(count, _layers[compiled.LossPathLayers - 1].OutputShapeSpan);
        float loss = weightBatch is null
            ? compiled.TrainingLoss.Compute(yBatch, output, gradient.AsSpan())
            : compiled.TrainingLoss.Compute(yBatch, output, weightBatch, gradient.AsSpan());

        for (int i = compiled.LossPathLayers - 1; i >= _firstTrainedLayer; i--)
        {
            gradient = _layers[i].BackwardIn(context.Layers[i], gradient);
        }

        compiled.Optimizer.Apply(_parameters);
        foreach (Metric metric in compiled.Metrics)
        {
            if (weightBatch is null)
            {
                metric.Update(yBatch, output);
            }
            else
            {
                metric.Update(yBatch, output, weightBatch);
            }
        }

        return loss;
    }

    /// <summary>Checks x and y against each other and the model, builds the model if needed, and returns the sample count.</summary>
    private int CheckData(Tensor x, Tensor y, string xName, string yName)
    {
        ArgumentNullException.ThrowIfNull(x, xName);
        ArgumentNullException.ThrowIfNull(y, yName);
        if (x.Rank < 2)
        {
            throw new ArgumentException(
                $"Expected {xName} with one sample per row, shape [samples, features, ...]; received {ShapeText.Format(x.ShapeSpan)}. Reshape a flat vector of one sample to [1, n].",
                xName);
        }

        if (y.Rank < 1 || y.ShapeSpan[0] != x.ShapeSpan[0])
        {
            throw new ArgumentException(
                $"Expected one target row per sample: {xName} has {x.ShapeSpan[0]} rows (shape {ShapeText.Format(x.ShapeSpan)}), {yName} has shape {ShapeText.Format(y.ShapeSpan)}.",
                yName);
        }

        if (x.ShapeSpan[0] == 0)
        {
            throw new ArgumentException($"The dataset is empty: {xName} has shape {ShapeText.Format(x.ShapeSpan)}. Training needs at least one sample.", xName);
        }

        EnsureBuilt(x, xName);
        CheckTargets(y, yName);
        return x.ShapeSpan[0];
    }

    private void EnsureBuilt(Tensor x, string xName)
    {
        ReadOnlySpan<int> sampleShape = x.ShapeSpan[1..];
        if (!IsBuilt)
        {
            Build(sampleShape.ToArray());
        }
        else if (!sampleShape.SequenceEqual(_layers[0].InputShapeSpan))
        {
            throw new ArgumentException(
                $"The model was built for samples of shape {ShapeText.Format(_layers[0].InputShape)}; {xName} has samples of shape {ShapeText.Format(sampleShape)} (shape {ShapeText.Format(x.ShapeSpan)}). Give it data with {ShapeText.Format(_layers[0].InputShape)} features per sample, or build a new model.",
                xName);
        }
    }

    /// <summary>Checks that the targets fit the compiled loss and the model's output, naming the first bad row.</summary>
    private void CheckTargets(Tensor y, string yName)
    {
        Compiled compiled = _compiled!;
        ReadOnlySpan<int> output = _layers[compiled.LossPathLayers - 1].OutputShapeSpan;
        ReadOnlySpan<int> targets = y.ShapeSpan[1..];
        if (compiled.Loss is SparseCategoricalCrossentropy sparse)
        {
            ReadOnlySpan<int> leading = output[..^1];
            if (!(targets.SequenceEqual(leading) || (targets.Length == leading.Length + 1 && targets[^1] == 1 && targets[..^1].SequenceEqual(leading))))
            {
                throw new ArgumentException(
                    $"SparseCategoricalCrossentropy takes one class id per sample: expected {yName} of shape [samples{string.Concat(leading.ToArray().Select(d => ", " + d))}]; received {ShapeText.Format(y.ShapeSpan)}. For one-hot targets use CategoricalCrossentropy.",
                    yName);
            }

            sparse.CheckLabels(y.AsSpan(), output[^1], yName);
        }
        else
        {
            bool match = targets.SequenceEqual(output) || (output.Length == 1 && output[0] == 1 && targets.Length == 0);
            if (!match)
            {
                throw new ArgumentException(
                    $"{compiled.Loss.GetType().Name} takes targets shaped like the model's output, [samples, {string.Join(", ", output.ToArray())}]; received {yName} of shape {ShapeText.Format(y.ShapeSpan)}.{(targets.Length == 0 && output.Length == 1 && output[0] > 1 ? " For class ids use SparseCategoricalCrossentropy." : "")}",
                    yName);
            }
        }

    }

    /// <summary>Per-sample weights from sampleWeight and classWeight, or null when neither is given.</summary>
    private Tensor? CombineWeights(Compiled compiled, Tensor y, Tensor? sampleWeight, IReadOnlyDictionary<int, float>? classWeight)
    {
        if (sampleWeight is null && classWeight is null)
        {
            return null;
        }

        int samples = y.ShapeSpan[0];
        float[] weights = sampleWeight?.ToArray() ?? Enumerable.Repeat(1f, samples).ToArray();
        if (classWeight is not null)
        {
            int rowLength = y.Length / samples;
            ReadOnlySpan<float> targets = y.AsSpan();
            for (int i = 0; i < samples; i++)
            {
                ReadOnlySpan<float> row = targets.Slice(i * rowLength, rowLength);
                int label = rowLength == 1
                    ? (compiled.Loss is BinaryCrossentropy ? (row[0] >= 0.5f ? 1 : 0) : (int)row[0])
                    : MeanMetric.ArgMax(row);
                if (classWeight.TryGetValue(label, out float weight))
                {
                    weights[i] *= weight;
                }
            }
        }

        return Tensor.Wrap(weights, 0, [samples]);
    }

    private static void Gather(Tensor source, int[] order, int start, Tensor destination) =>
        RowGather.Copy(source.AsSpan(), source.Length / source.ShapeSpan[0], order, start, destination.AsSpan(), destination.ShapeSpan[0], readerColumns: 0);

    /// <summary>
    /// The units of the Dense layer that reads each batch first (after any Input declaration), for
    /// flat samples; 0 otherwise. The batch copy follows that product's two-thread cut.
    /// </summary>
    private int BatchReaderColumns(Tensor x)
    {
        Layer? first = _layers.FirstOrDefault(layer => layer is not Input);
        return first is Dense dense && x.Rank == 2 ? dense.Units : 0;
    }

    private static void Shuffle(int[] order, RandomSource random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    private static void CheckBatchSize(int batchSize)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a positive batch size, such as 32.");
        }
    }

    private Compiled RequireCompiled(string operation) =>
        _compiled ?? throw new InvalidOperationException(
            $"{operation} needs a compiled model: call Compile(loss, optimizer) first, for example model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam()).");
}
