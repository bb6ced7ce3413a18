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
    /// <param name="epochs">
    /// The number of passes over the training data in this call. As in Keras, when <paramref name="initialEpoch"/>
    /// is given, <paramref name="epochs"/> is instead the epoch number to stop before (<c>epochs: 10, initialEpoch: 5</c> runs 5 epochs).
    /// </param>
    /// <param name="batchSize">The samples per gradient step; the last batch of an epoch may be smaller. (Keras's positional order
    /// is <c>batch_size, epochs</c>; here <paramref name="epochs"/> comes first, so name them when porting <c>fit(x, y, 32, 10)</c>.)</param>
    /// <param name="validationSplit">The fraction of samples, taken from the end before any shuffling, held out for validation, in [0, 1); their sample weights go with them.</param>
    /// <param name="validationData">Validation inputs and targets; used instead of <paramref name="validationSplit"/>.</param>
    /// <param name="shuffle">
    /// Whether to shuffle the training samples before each epoch. The order comes from a generator seeded by
    /// <see cref="Seed"/> at the first Fit, whose stream continues across calls (and Save/Load), so
    /// <c>Fit(epochs: 1)</c> twice trains exactly as <c>Fit(epochs: 2)</c>.
    /// </param>
    /// <param name="classWeight">A weight per class id, multiplying each sample's loss and reaching the weighted metrics (classes not
    /// listed weigh 1). A sample's class is, as in Keras, its one-column label rounded half to even, or the argmax of its row; targets
    /// with several labels per sample (<c>[samples, steps, classes]</c>) are refused. Given with <paramref name="sampleWeight"/>, the two
    /// multiply, as in tf.keras 2 (Keras 3 refuses the pair).</param>
    /// <param name="sampleWeight">A weight per sample, <c>[samples]</c>, for the loss and the weighted metrics (the plain metrics count every sample alike, as in Keras);
    /// for a model whose outputs have steps (<c>[samples, steps, classes]</c>) also one per step, <c>[samples, steps]</c>, as Keras takes them to leave a
    /// sequence's padded steps out (weight 0).</param>
    /// <param name="callbacks">Callbacks such as <see cref="EarlyStopping"/>.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch (written to <see cref="Log"/>).</param>
    /// <param name="validationSampleWeight">Weights of the validation samples (Keras's third element of <c>validation_data</c>), shaped as <paramref name="sampleWeight"/>; with <paramref name="validationSplit"/>, the split part of <paramref name="sampleWeight"/> is used unless this is given.</param>
    /// <param name="initialEpoch">
    /// The number of the first epoch (Keras's <c>initial_epoch</c>), which callbacks and the logs see. By
    /// default training continues the model's count, <see cref="TrainedEpochs"/>, so that <c>Fit(epochs: 1)</c> twice is
    /// <c>Fit(epochs: 2)</c> for epoch-numbered callbacks too (a <see cref="LearningRateScheduler"/>, <c>{epoch}</c> in a
    /// checkpoint's path). This differs from Keras 3, whose every <c>fit</c> starts at epoch 0: pass <c>initialEpoch: 0</c>
    /// for that.
    /// </param>
    /// <param name="validationFreq">Validate after every this many epochs (Keras's <c>validation_freq</c>): after the epochs whose
    /// number plus one it divides, so 2 validates after the second, fourth, ... epoch; the other epochs' logs have no <c>val_</c> keys.</param>
    /// <returns>The per-epoch loss (with any regularization penalty), metrics and <c>learning_rate</c>, with <c>val_</c> entries when there is validation data.</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled; a callback cannot work with it (a ReduceLROnPlateau
    /// or LearningRateScheduler on a scheduled optimizer, a ModelCheckpoint path naming a quantity never logged), refused before
    /// training; or the optimizer's schedule gave a negative or non-finite rate at some step.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="y"/> is null, or <paramref name="callbacks"/> holds a null.</exception>
    /// <exception cref="ArgumentException">The data's shapes do not fit each other or the model, the dataset is empty, or a target lies outside what the loss takes (a binary label outside [0, 1], a negative categorical target).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric argument or a target value is out of range.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (unless a <see cref="TerminateOnNaN"/> callback stops training instead).</exception>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, double validationSplit = 0,
        (Tensor X, Tensor Y)? validationData = null, bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 1,
        Tensor? validationSampleWeight = null, int? initialEpoch = null, int validationFreq = 1)
    {
        Compiled compiled = RequireCompiled(nameof(Fit));
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        CheckBatchSize(batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit,
                "Expected the fraction of samples to hold out for validation, in [0, 1).");
        }

        CheckVerbose(verbose);
        CheckCallbacks(callbacks);
        int samples = CheckData(ref x, y, nameof(x), nameof(y));
        // Checked here, so a bad weight is named by its row in the data, not in a shuffled batch.
        sampleWeight = CheckSampleWeights(sampleWeight, samples, nameof(sampleWeight));

        if (classWeight is not null)
        {
            Loss.CheckClassWeights(classWeight, nameof(classWeight));
            if (y.Rank > 2 || _layers[^1].OutputShapeSpan.Length > 1)
            {
                // Keras's class_weight_to_sample_weights takes one class per sample (the argmax of the last axis): on a [T, C]
                // one-hot row it fails, and on [T] sparse labels it silently takes the argmax step's position for the class.
                // Here both are refused.
                throw new ArgumentException(
                    $"classWeight weighs each sample by its one class, but y has shape {ShapeText.Format(y.ShapeSpan)} and the model outputs {ShapeText.Format(_layers[^1].OutputShapeSpan)} per sample: several labels per sample. Give a weight per step through sampleWeight instead.",
                    nameof(classWeight));
            }
        }

        _batchReaderColumns = BatchReaderColumns(x);
        Tensor? weights = CombineWeights(compiled, y, sampleWeight, classWeight);
        int trainCount = samples;
        Validation? validation = null;
        if (validationData is { } data)
        {
            validation = CheckValidation(data, validationSampleWeight);
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

            Tensor? splitWeights = validationSampleWeight ?? sampleWeight?.Slice(trainCount, samples - trainCount);
            validation = CheckValidation((x.Slice(trainCount, samples - trainCount), y.Slice(trainCount, samples - trainCount)), splitWeights) with { FirstRow = trainCount };
        }
        else if (validationSampleWeight is not null)
        {
            throw new ArgumentException("validationSampleWeight weighs validation samples, but there are none: pass validationData or validationSplit.", nameof(validationSampleWeight));
        }

        var feed = new ArrayFeed(this, x, y, weights, trainCount, batchSize, shuffle);
        return RunEpochs(compiled, feed, epochs, initialEpoch, validation, batchSize, callbacks, verbose, validationFreq);
    }

    /// <summary>
    /// Trains the model on batches that a source produces, for data that does not fit in memory (Keras's
    /// <c>fit</c> on a dataset or generator): an
    /// <see cref="Data.NpyBatches"/> (memory-mapped <c>.npy</c> files), or any sequence of <c>(x, y)</c>
    /// batches, such as an iterator that reads a file in pieces.
    /// </summary>
    /// <param name="batches">
    /// The training batches. It is enumerated once per epoch, so it must be re-enumerable and give the
    /// epoch's batches each time (shuffled or not, as the source decides); with <paramref name="stepsPerEpoch"/>, one
    /// enumeration runs on across epochs and is started again only when it ends. Each batch is <c>[n, ...features]</c>
    /// inputs and <c>[n, ...]</c> targets; a batch's tensors are read before the next is asked for, so a source may reuse them.
    /// </param>
    /// <param name="epochs">The number of passes; with <paramref name="initialEpoch"/>, the epoch number to stop before, as in Keras.</param>
    /// <param name="validationData">Validation inputs and targets, evaluated after each epoch, or null.</param>
    /// <param name="validationSampleWeight">Weights of the validation samples, or null.</param>
    /// <param name="callbacks">Callbacks such as <see cref="EarlyStopping"/>.</param>
    /// <param name="verbose">0 silent, 1 a progress bar, 2 one line per epoch.</param>
    /// <param name="initialEpoch">The number of the first epoch; by default the model's count continues.</param>
    /// <param name="validationBatchSize">The samples per forward pass of the validation.</param>
    /// <param name="stepsPerEpoch">
    /// Batches per epoch, as Keras's <c>steps_per_epoch</c>, for a source that does not end each epoch (an endless
    /// generator): one enumeration of the source carries on across epochs, each taking the next
    /// <paramref name="stepsPerEpoch"/> batches. If it ends, the epoch under way ends short (with a note in <see cref="Log"/>)
    /// and the next epoch starts a new enumeration, as in Keras 3. Null (the default): one enumeration per epoch, to its end.
    /// </param>
    /// <param name="validationFreq">Validate after every this many epochs, as in <see cref="Fit"/>.</param>
    /// <returns>The per-epoch loss (the sample-weighted mean of the batch losses), metrics and <c>learning_rate</c>.</returns>
    /// <remarks>
    /// Each batch trains exactly as the same rows would in <see cref="Fit"/>:
    /// an <see cref="Data.NpyBatches"/> over files holding <c>x</c> and <c>y</c>, with the model's <see cref="Seed"/>
    /// and batch size, gives the same weights bit for bit as the in-memory Fit on a fresh model. An empty epoch is refused.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is not compiled, an epoch had no batch, a callback cannot work with
    /// this model (see <see cref="Fit"/>), or the optimizer's schedule gave a negative or non-finite rate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepsPerEpoch"/> is not positive, or another count is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="batches"/> or a batch's tensor is null, or <paramref name="callbacks"/> holds a null.</exception>
    /// <exception cref="ArgumentException">A batch's shapes do not fit each other or the model.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (unless a <see cref="TerminateOnNaN"/> callback stops training instead).</exception>
    /// <example>
    /// <code>
    /// using var batches = new NpyBatches("x_train.npy", "y_train.npy", batchSize: 64, seed: 7);
    /// model.FitBatches(batches, epochs: 3, validationData: (xVal, yVal));
    /// </code>
    /// </example>
    public History FitBatches(IEnumerable<(Tensor X, Tensor Y)> batches, int epochs = 1, (Tensor X, Tensor Y)? validationData = null,
        Tensor? validationSampleWeight = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 1, int? initialEpoch = null,
        int validationBatchSize = 32, int? stepsPerEpoch = null, int validationFreq = 1)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Compiled compiled = RequireCompiled(nameof(FitBatches));
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        if (stepsPerEpoch is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "Expected a positive number of batches per epoch, or null to take each enumeration of the source to its end.");
        }

        CheckBatchSize(validationBatchSize);
        CheckVerbose(verbose);
        CheckCallbacks(callbacks);
        if (batches is Data.NpyBatches mapped)
        {
            int[] shape = [mapped.Samples, .. mapped.SampleShape];
            shape = AdjustedInputShape(shape) ?? shape;
            EnsureBuilt(shape[1..], shape, nameof(batches));
        }

        Validation? validation = null;
        if (validationData is { } data)
        {
            validation = CheckValidation(data, validationSampleWeight);
        }
        else if (validationSampleWeight is not null)
        {
            throw new ArgumentException("validationSampleWeight weighs validation samples, but there are none: pass validationData.", nameof(validationSampleWeight));
        }

        return RunEpochs(compiled, new StreamFeed(this, batches, stepsPerEpoch), epochs, initialEpoch, validation, validationBatchSize, callbacks, verbose, validationFreq);
    }

    /// <summary>
    /// The number of epochs <see cref="Fit"/> has run on this model, across calls (and kept by
    /// <see cref="Save"/>): the number the next Fit's first epoch gets, unless it is given <c>initialEpoch</c>.
    /// </summary>
    public int TrainedEpochs { get; private set; }

    /// <summary>The shuffling generator, seeded from <see cref="Seed"/> at first use and continued across Fit calls.</summary>
    private RandomSource Shuffler => _shuffler ??= new RandomSource(unchecked((Seed * 31) + 7));

    private RandomSource? _shuffler;

    /// <summary>Validation data, its weights, checked against the model.</summary>
    /// <summary>The validation data; <paramref name="FirstRow"/> is its first sample's row in Fit's x when it was split from it.</summary>
    private sealed record Validation(Tensor X, Tensor Y, Tensor? Weights, int FirstRow = 0);

    private Validation CheckValidation((Tensor X, Tensor Y) data, Tensor? weights)
    {
        Tensor x = data.X;
        int count = CheckData(ref x, data.Y, "validationData.X", "validationData.Y");
        // Checked before the first epoch, under the argument's own name: they used to be checked only when the first
        // validation ran, after a whole epoch of training, and named 'sampleWeight' or 'weights'.
        return new Validation(x, data.Y, CheckSampleWeights(weights, count, "validationSampleWeight"));
    }

    private static void CheckVerbose(int verbose)
    {
        if (verbose is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "Expected 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
        }
    }

    /// <summary>Refuses a null entry in the callbacks before any work: it would otherwise fail as a null reference once training began.</summary>
    private static void CheckCallbacks(IReadOnlyList<Callback>? callbacks)
    {
        for (int i = 0; i < (callbacks?.Count ?? 0); i++)
        {
            if (callbacks![i] is null)
            {
                throw new ArgumentNullException(nameof(callbacks), $"callbacks[{i}] is null; leave it out of the list.");
            }
        }
    }

    /// <summary>The epochs of a Fit: callbacks, the batch loop over a feed, validation, logs and the epoch count.</summary>
    private History RunEpochs(Compiled compiled, BatchFeed feed, int epochs, int? initialEpoch, Validation? validation, int validationBatchSize,
        IReadOnlyList<Callback>? callbacks, int verbose, int validationFreq)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(validationFreq, 1);
        int first = initialEpoch ?? TrainedEpochs;
        ArgumentOutOfRangeException.ThrowIfNegative(first, nameof(initialEpoch));
        // Keras: with initial_epoch, epochs is the number to stop before; otherwise it counts this call's epochs.
        int end = initialEpoch is null ? first + epochs : epochs;
        var history = new History();
        List<Callback> allCallbacks = [.. callbacks ?? []];
        if (verbose > 0)
        {
            allCallbacks.Insert(0, new ProgressLogger(Log, perBatch: verbose == 1));
        }

        bool terminateOnNaN = allCallbacks.Exists(c => c is TerminateOnNaN);

        // Training starts before the first write to the model or a callback: a Fit refused because another runs must leave
        // that one's StopTraining (an EarlyStopping's request) and its own callbacks as they were.
        EnterTraining();
        ModelContext? context = null;
        try
        {
            StopTraining = false;
            foreach (Callback callback in allCallbacks)
            {
                callback.CheckBeforeTraining(this);
            }

            foreach (Callback callback in allCallbacks)
            {
                callback.Model = this;
                callback.OnTrainBegin(end, feed.Batches);
            }

            // A batch source may build the model with its first batch; the training context follows the build.
            context = IsBuilt ? TrainingContext : null;
            for (int epoch = first; epoch < end && !StopTraining; epoch++)
            {
                foreach (Callback callback in allCallbacks)
                {
                    callback.OnEpochBegin(epoch);
                }

                feed.BeginEpoch();
                foreach (Metric metric in compiled.LoggedMetrics)
                {
                    metric.Reset();
                }

                double lossSum = 0;
                int seen = 0;
                for (int batch = 0; !StopTraining && feed.Next(context, out Tensor xBatch, out Tensor yBatch, out Tensor? weightBatch); batch++)
                {
                    foreach (Callback callback in allCallbacks)
                    {
                        callback.OnBatchBegin(epoch, batch);
                    }

                    int count = xBatch.ShapeSpan[0];
                    context ??= TrainingContext;
                    float batchLoss = TrainStep(compiled, context, xBatch, yBatch, weightBatch);
                    lossSum += (double)batchLoss * count;
                    seen += count;
                    if (!float.IsFinite(batchLoss) && !terminateOnNaN)
                    {
                        throw new TrainingDivergedException(epoch, batch, batchLoss, history);
                    }

                    var progress = new BatchProgress(epoch, end, batch, feed.Batches, batchLoss, (float)(lossSum / seen), compiled.LoggedMetrics, compiled.LoggedNames);
                    foreach (Callback callback in allCallbacks)
                    {
                        callback.OnBatchEnd(progress);
                    }
                }

                if (feed.EpochShortBy > 0)
                {
                    // Keras 3 warns and ends the epoch short; the next one starts the source again.
                    Log.WriteLine($"Epoch {epoch + 1}: the batch source ran out {feed.EpochShortBy} batches short of stepsPerEpoch; the next epoch starts it again. Give a source that yields at least stepsPerEpoch batches an epoch (an endless generator).");
                }

                if (seen == 0 && !StopTraining)
                {
                    throw new InvalidOperationException($"Epoch {epoch + 1} had no training batch: the batch source gave nothing. A source is enumerated once per epoch (with stepsPerEpoch, again whenever it ends) and must give batches each time.");
                }

                var logs = new Dictionary<string, float> { ["loss"] = (float)(lossSum / Math.Max(1, seen)) };
                foreach (LoggedMetric entry in compiled.Logged)
                {
                    logs[entry.Key] = entry.Metric.Result();
                }

                // Keras's _should_eval: after the epochs whose number plus one validation_freq divides.
                if (validation is not null && (epoch + 1) % validationFreq == 0)
                {
                    ModelContext validationContext = Contexts.Rent();
                    try
                    {
                        foreach ((string key, float value) in EvaluateCore(compiled, validationContext, validation.X, validation.Y, validation.Weights, validationBatchSize, validation.FirstRow))
                        {
                            logs["val_" + key] = value;
                        }
                    }
                    finally
                    {
                        Contexts.Return(validationContext);
                    }
                }

                // Keras 3 logs the rate under this key (its rate callbacks add it); here every epoch has it.
                logs["learning_rate"] = compiled.Optimizer.LearningRate;
                TrainedEpochs = epoch + 1;
                history.Append(logs);
                foreach (Callback callback in allCallbacks)
                {
                    callback.OnEpochEnd(epoch, logs);
                }
            }

            // Still inside training: OnTrainEnd may write the weights (EarlyStopping's restoreBestWeights), and a Predict on
            // another thread must be refused until it has, not read them half written.
            EndCallbacks();
        }
        catch (TrainingDivergedException)
        {
            // Training ends here too: EarlyStopping(restoreBestWeights) puts back its best weights in place of the NaN ones,
            // as Keras's would after its patience ran out on the NaN epochs, and a CsvLogger closes its file.
            EndCallbacks();
            throw;
        }
        finally
        {
            feed.Dispose();
            context?.Release();
            ExitTraining();
        }

        return history;

        void EndCallbacks()
        {
            foreach (Callback callback in allCallbacks)
            {
                callback.OnTrainEnd(history);
            }
        }
    }

    /// <summary>One gradient step on a batch, in the training context; returns the batch's loss with the regularization penalty.</summary>
    private float TrainStep(Compiled compiled, ModelContext context, Tensor xBatch, Tensor yBatch, Tensor? weightBatch)
    {
        int count = xBatch.ShapeSpan[0];
        Tensor output = RunPass(context, xBatch, compiled.LossPathLayers, training: true, target: null, lossPath: compiled, firstRow: -1);
        Tensor gradient = context.LossGradient(count, _layers[compiled.LossPathLayers - 1].OutputShapeSpan);
        float loss = weightBatch is null
            ? compiled.TrainingLoss.Compute(yBatch, output, gradient.AsSpan())
            : compiled.TrainingLoss.Compute(yBatch, output, weightBatch, gradient.AsSpan());

        for (int i = compiled.LossPathLayers - 1; i >= _firstTrainedLayer; i--)
        {
            gradient = _layers[i].BackwardIn(context.Layers[i], gradient);
        }

        // The penalty of the weights this step's loss saw, and its gradient, before they move.
        double penalty = RegularizationPenalty();
        AddRegularizationGradients();
        compiled.Optimizer.Apply(_parameters);
        foreach (LoggedMetric entry in compiled.Logged)
        {
            // Keras's split: `metrics` count every sample alike, `weighted_metrics` take the sample (and class) weights.
            entry.Metric.Update(yBatch, output, entry.Weighted ? weightBatch : null);
        }

        return penalty == 0 ? loss : (float)(loss + penalty);
    }

    /// <summary>
    /// Checks x and y against each other and the model, builds the model if needed, and returns the sample count. With
    /// <paramref name="scanValues"/> (a whole dataset) it also scans the targets and an Embedding's ids once, so a bad one is
    /// named by its place in the caller's data; a streamed batch passes false, since its training step checks them anyway.
    /// </summary>
    private int CheckData(ref Tensor x, Tensor y, string xName, string yName, string operation = "Training", bool scanValues = true)
    {
        ArgumentNullException.ThrowIfNull(x, xName);
        ArgumentNullException.ThrowIfNull(y, yName);
        x = AdjustInputRank(x);
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
            throw new ArgumentException($"The dataset is empty: {xName} has shape {ShapeText.Format(x.ShapeSpan)}. {operation} needs at least one sample.", xName);
        }

        EnsureBuilt(x, xName);
        int first = _layers[0] is Input ? 1 : 0;
        if (scanValues && first < _layers.Count && _layers[first] is Embedding embedding)
        {
            // Once over the data, as the sparse labels are, rather than batch by batch in shuffled order.
            embedding.CheckIds(x.AsSpan(), xName);
        }

        CheckTargets(y, yName, scanValues);
        return x.ShapeSpan[0];
    }

    private void EnsureBuilt(Tensor x, string xName) => EnsureBuilt(x.ShapeSpan[1..], x.ShapeSpan, xName);

    /// <summary>
    /// Keras's one-axis leniency on inputs (<c>Functional._adjust_input_rank</c>), once the model knows its input shape (an
    /// <see cref="Input"/> layer, or a build): data with one axis fewer is given a last axis of 1 when the model takes a
    /// last axis of 1 (<c>[n]</c> for <c>Input(1)</c> is <c>[n, 1]</c>), and data with one axis more whose last is 1 loses it.
    /// A view: nothing is copied. Anything else is returned as it is, for the usual checks to refuse.
    /// </summary>
    /// <remarks>Applied where data enters the model, <see cref="CheckData"/> and <c>CheckPredictInput</c>, which hand the view back.</remarks>
    private Tensor AdjustInputRank(Tensor x) => AdjustedInputShape(x.ShapeSpan) is { } shape ? x.Reshape(shape) : x;

    /// <summary>The shape <see cref="AdjustInputRank"/> gives data of <paramref name="shape"/> (batch axis first), or null to leave it.</summary>
    private int[]? AdjustedInputShape(ReadOnlySpan<int> shape)
    {
        if (_layers.Count == 0)
        {
            return null;
        }

        ReadOnlySpan<int> sample = _layers[0] is Input input ? input.ShapeSpan : _layers[0].IsBuilt ? _layers[0].InputShapeSpan : default;
        if (sample.IsEmpty || shape.IsEmpty)
        {
            return null;
        }

        if (shape.Length == sample.Length && sample[^1] == 1)
        {
            return [.. shape, 1];
        }

        return shape.Length == sample.Length + 2 && shape[^1] == 1 ? shape[..^1].ToArray() : null;
    }

    /// <summary>
    /// Builds the model for samples of <paramref name="sampleShape"/>, or checks them against the shape it was built for (or its
    /// <see cref="Input"/> layer declares), naming <paramref name="dataName"/> when they differ.
    /// </summary>
    private void EnsureBuilt(ReadOnlySpan<int> sampleShape, ReadOnlySpan<int> dataShape, string dataName)
    {
        // An Input layer declares the shape: the data is checked against it rather than building the layers for the data's
        // shape, which the Input layer would refuse with an error naming neither the data nor the fix.
        if (!BuildFromInputLayer())
        {
            Build(sampleShape.ToArray());
        }
        else if (!sampleShape.SequenceEqual(_layers[0].InputShapeSpan))
        {
            ReadOnlySpan<int> expected = _layers[0].InputShapeSpan;
            string reshape = ShapeText.Product(sampleShape) == ShapeText.Product(expected)
                ? $" The values per sample agree: {dataName}.Reshape(-1, {string.Join(", ", expected.ToArray())}) gives that shape."
                : "";
            string built = _layers[0] is Input ? "The model's Input layer declares" : "The model was built for";
            throw new ArgumentException(
                $"{built} samples of shape {ShapeText.Format(expected)}; {dataName} has samples of shape {ShapeText.Format(sampleShape)} (shape {ShapeText.Format(dataShape)}). Give it data with {ShapeText.Format(expected)} per sample, or build a new model.{reshape}",
                dataName);
        }
    }

    /// <summary>Checks that the targets fit the compiled loss and the model's output, naming the first bad row.</summary>
    private void CheckTargets(Tensor y, string yName, bool scanValues)
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
                    $"SparseCategoricalCrossentropy takes one class id per sample: expected {yName} of shape [samples{string.Concat(leading.ToArray().Select(d => ", " + d))}]; received {ShapeText.Format(y.ShapeSpan)}.{PerPositionHint(output, targets)} For one-hot targets use CategoricalCrossentropy.",
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
                    $"{compiled.Loss.GetType().Name} takes targets shaped like the model's output, [samples, {string.Join(", ", output.ToArray())}]; received {yName} of shape {ShapeText.Format(y.ShapeSpan)}.{PerPositionHint(output, targets)}{(targets.Length == 0 && output.Length == 1 && output[0] > 1 ? " For class ids use SparseCategoricalCrossentropy." : "")}",
                    yName);
            }

            if (scanValues)
            {
                compiled.Loss.CheckTargetValues(y.AsSpan(), output[^1], ShapeText.Product(output), yName);
            }
        }

    }

    /// <summary>
    /// When the model gives an output per position of each sample (its Dense layers acted on the last axis of multi-axis
    /// samples, such as images without a Flatten) and the targets have fewer axes, the likely fix; otherwise empty.
    /// </summary>
    private string PerPositionHint(ReadOnlySpan<int> output, ReadOnlySpan<int> targets) =>
        output.Length > 1 && targets.Length < output.Length
            ? $" The model outputs {ShapeText.Format(output)} per sample (its input samples are {ShapeText.Format(_layers[0].InputShapeSpan)}, and a Dense layer acts on their last axis): to classify whole samples, put a Flatten layer (or a global pooling) before the Dense layers."
            : "";

    /// <summary>
    /// Checks sample weights against the data and the built model and returns them shaped <c>[samples]</c> or, for a model
    /// whose outputs have steps (<c>[samples, steps, ...]</c>), <c>[samples, steps]</c>: one weight per step, Keras's way of
    /// leaving a sequence's padded steps out of the loss. A <c>[samples, 1]</c> column is taken as <c>[samples]</c>. Every
    /// weight must be finite and not negative; a bad one is named by its place in the caller's data.
    /// </summary>
    private Tensor? CheckSampleWeights(Tensor? weights, int samples, string name)
    {
        if (weights is null)
        {
            return null;
        }

        ReadOnlySpan<int> shape = weights.ShapeSpan;
        ReadOnlySpan<int> output = _layers[^1].OutputShapeSpan;
        ReadOnlySpan<int> steps = output.Length > 1 ? output[..^1] : default;
        Tensor? shaped = null;
        if (shape.Length >= 1 && shape[0] == samples)
        {
            ReadOnlySpan<int> perSample = shape[1..];
            if (weights.Length == samples)
            {
                shaped = shape.Length == 1 ? weights : weights.Reshape(samples);
            }
            else if (!steps.IsEmpty && perSample.SequenceEqual(steps))
            {
                // Every step's own weight (the metrics take one per scored row, so a leading part of the steps is not taken).
                shaped = weights;
            }
        }
        else if (shape.Length == 0 && samples == 1)
        {
            shaped = weights.Reshape(1);
        }

        if (shaped is null)
        {
            string perStep = steps.IsEmpty ? "" : $", or one per step: [{samples}, {string.Join(", ", steps.ToArray())}]";
            throw new ArgumentException(
                $"Expected one weight per sample, shape [{samples}]{perStep}; received {name} of shape {ShapeText.Format(shape)}.", name);
        }

        Loss.CheckWeights(shaped.AsSpan(), name, perSample: shaped.Length / samples);
        return shaped;
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
        int perSample = weights.Length / samples;
        if (classWeight is not null)
        {
            int rowLength = y.Length / samples;
            ReadOnlySpan<float> targets = y.AsSpan();
            for (int i = 0; i < samples; i++)
            {
                ReadOnlySpan<float> row = targets.Slice(i * rowLength, rowLength);
                // Keras's class_weight_to_sample_weights: one column is rounded half to even (a soft label 0.5 is class 0,
                // 0.7 class 1), several are taken by their argmax.
                int label = rowLength == 1 ? (int)Math.Round(row[0], MidpointRounding.ToEven) : MeanMetric.ArgMax(row);
                if (classWeight.TryGetValue(label, out float weight))
                {
                    // A sample's class weight scales each of its weights (its steps', when they have their own).
                    for (int j = i * perSample; j < (i + 1) * perSample; j++)
                    {
                        weights[j] *= weight;
                    }
                }
            }
        }

        return Tensor.Wrap(weights, 0, sampleWeight is null ? [samples] : sampleWeight.Shape);
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
