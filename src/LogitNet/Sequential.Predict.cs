using LogitNet.Kernels;
using LogitNet.Layers;
using LogitNet.Metrics;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>Computes the loss and the metrics on data, without training.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="y">The targets.</param>
    /// <param name="batchSize">The samples per batch. With the loss's default reduction the result does not depend on it beyond
    /// rounding; with <c>Reduction.Sum</c> or <c>None</c> each batch's loss is its sum, so the loss grows with it, as in Fit and Keras.</param>
    /// <param name="sampleWeight">Optional weights, <c>[samples]</c> (or <c>[samples, steps]</c> for outputs with steps, as in <see cref="Fit"/>), for the loss and the weighted metrics (not the plain metrics, as in Keras).</param>
    /// <returns><c>loss</c> — the batches' losses (with any regularization penalty) averaged weighted by batch size, as Fit
    /// reports its epoch's loss — and each metric under its key in the logs (see <see cref="Compile"/>).</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled, or a Fit on another thread is training it (or another model that shares one of its layers).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="y"/> is null.</exception>
    /// <exception cref="ArgumentException">The data's shapes do not fit each other or the model, or a target lies outside what the loss takes.</exception>
    /// <example><c>float accuracy = model.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];</c></example>
    public IReadOnlyDictionary<string, float> Evaluate(Tensor x, Tensor y, int batchSize = 32, Tensor? sampleWeight = null)
    {
        Compiled compiled = RequireCompiled(nameof(Evaluate));
        CheckBatchSize(batchSize);
        int samples = CheckData(ref x, y, nameof(x), nameof(y), "Evaluate");
        sampleWeight = CheckSampleWeights(sampleWeight, samples, nameof(sampleWeight));

        long version = EnterInference(nameof(Evaluate));
        ModelContext context = Contexts.Rent();
        try
        {
            IReadOnlyDictionary<string, float> results = EvaluateCore(compiled, context, x, y, sampleWeight, batchSize);
            ExitInference(version, nameof(Evaluate));
            return results;
        }
        finally
        {
            Contexts.Return(context);
        }
    }

    /// <summary>The model's outputs for inputs: probabilities or logits, as its last layer gives them.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="batchSize">
    /// The most samples per forward pass, or null (the default) for passes as large as a few megabytes of
    /// activations allow. Results do not depend on it, bit for bit.
    /// </param>
    /// <returns>A new tensor <c>[samples, ...outputs]</c>.</returns>
    /// <remarks>
    /// Safe to call from any number of threads at once on one model: each call runs in an execution
    /// context of its own (pooled, so a warm call allocates only its result) and gives exactly the bits it
    /// gives alone. A call that overlaps <see cref="Fit"/> running on another thread (this model's, or another
    /// model's that shares one of its layers) is refused with <see cref="InvalidOperationException"/>; a callback
    /// of <see cref="Fit"/> may predict.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model has no layers, or it is being trained on another thread.</exception>
    /// <example><c>Tensor logits = model.Predict(xTest); Tensor probabilities = Ops.Softmax(logits);</c></example>
    public Tensor Predict(Tensor x, int? batchSize = null)
    {
        int samples = CheckPredictInput(ref x, batchSize);
        Tensor result = Tensor.Uninitialized([samples, .. _layers[^1].OutputShapeSpan]);
        PredictInto(x, result, batchSize, ProbabilityMap.Identity, nameof(Predict));
        return result;
    }

    /// <summary>Writes the model's outputs for inputs into <paramref name="destination"/>: <see cref="Predict(Tensor, int?)"/> without allocating.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="destination">The outputs, <c>[samples, ...outputs]</c>; every value is overwritten.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A shape does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model has no layers, or it is being trained on another thread.</exception>
    public void Predict(Tensor x, Tensor destination)
    {
        int samples = CheckPredictInput(ref x, null);
        CheckDestination(destination, samples);
        PredictInto(x, destination, null, ProbabilityMap.Identity, nameof(Predict));
    }

    /// <summary>
    /// The model's outputs for samples given as flat rows, written into <paramref name="destination"/>: the
    /// allocation-free form for a server's hot path.
    /// </summary>
    /// <param name="features">The samples, one after another, each with the model's input length.</param>
    /// <param name="destination">The outputs, one row of the model's output length per sample.</param>
    /// <returns>The number of samples.</returns>
    /// <exception cref="ArgumentException">A length is not a whole number of samples, or the two lengths disagree.</exception>
    /// <exception cref="InvalidOperationException">The model is not built (no data or <see cref="Layers.Input"/> layer has given its input shape yet), or it is being trained on another thread.</exception>
    public int Predict(ReadOnlySpan<float> features, Span<float> destination) =>
        PredictSpan(features, destination, ProbabilityMap.Identity, nameof(Predict));

    /// <summary>
    /// Class probabilities, whatever the last layer outputs: applies the softmax or sigmoid that the
    /// compiled loss implies to logits (fused into the pass, on each chunk while it is in cache), and
    /// passes probabilities through.
    /// </summary>
    /// <param name="x">The inputs.</param>
    /// <param name="batchSize">The most samples per forward pass, or null; results do not depend on it.</param>
    /// <returns>A new tensor of probabilities, <c>[samples, classes]</c> (or <c>[samples, 1]</c> for a binary model).</returns>
    /// <remarks>Safe to call from any number of threads at once, as <see cref="Predict(Tensor, int?)"/>.</remarks>
    /// <exception cref="InvalidOperationException">The model is not compiled and does not end in a softmax or sigmoid, or its loss is not a cross-entropy (probabilities are undefined).</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model.</exception>
    public Tensor PredictProba(Tensor x, int? batchSize = null)
    {
        ProbabilityMap map = RequireProbabilities();
        int samples = CheckPredictInput(ref x, batchSize);
        Tensor result = Tensor.Uninitialized([samples, .. _layers[^1].OutputShapeSpan]);
        PredictInto(x, result, batchSize, map, nameof(PredictProba));
        return result;
    }

    /// <summary>Writes class probabilities into <paramref name="destination"/>: <see cref="PredictProba(Tensor, int?)"/> without allocating.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="destination">The probabilities, <c>[samples, classes]</c>; every value is overwritten.</param>
    /// <exception cref="InvalidOperationException">The model is not compiled with a cross-entropy, or is being trained on another thread.</exception>
    /// <exception cref="ArgumentException">A shape does not fit the model.</exception>
    public void PredictProba(Tensor x, Tensor destination)
    {
        ProbabilityMap map = RequireProbabilities();
        int samples = CheckPredictInput(ref x, null);
        CheckDestination(destination, samples);
        PredictInto(x, destination, null, map, nameof(PredictProba));
    }

    /// <summary>Class probabilities for samples given as flat rows, written into <paramref name="destination"/> without allocating.</summary>
    /// <param name="features">The samples, one after another, each with the model's input length.</param>
    /// <param name="destination">The probabilities, one row per sample.</param>
    /// <returns>The number of samples.</returns>
    /// <exception cref="ArgumentException">A length is not a whole number of samples, or the two lengths disagree.</exception>
    /// <exception cref="InvalidOperationException">The model is not built or not compiled with a cross-entropy, or is being trained on another thread.</exception>
    public int PredictProba(ReadOnlySpan<float> features, Span<float> destination) =>
        PredictSpan(features, destination, RequireProbabilities(), nameof(PredictProba));

    /// <summary>The bound on one pass's widest activation, in floats, when the caller gives no batch size: 4 MB.</summary>
    private const int PassFloats = 1 << 20;

    private int CheckPredictInput(ref Tensor x, int? batchSize)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = AdjustInputRank(x);
        if (batchSize is { } size)
        {
            CheckBatchSize(size);
        }

        if (_layers.Count == 0)
        {
            throw new InvalidOperationException("The model has no layers: pass them to the constructor or call Add.");
        }

        if (x.Rank < 2)
        {
            throw new ArgumentException(
                $"Expected x with one sample per row, shape [samples, features, ...]; received {ShapeText.Format(x.ShapeSpan)}. Reshape a single sample to [1, n].",
                nameof(x));
        }

        EnsureBuilt(x, nameof(x));
        return x.ShapeSpan[0];
    }

    private void CheckDestination(Tensor destination, int samples)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ReadOnlySpan<int> output = _layers[^1].OutputShapeSpan;
        ReadOnlySpan<int> shape = destination.ShapeSpan;
        if (shape.Length != output.Length + 1 || shape[0] != samples || !shape[1..].SequenceEqual(output))
        {
            throw new ArgumentException(
                $"Expected a destination of shape [{samples}, {string.Join(", ", output.ToArray())}] (one output row per sample); received {ShapeText.Format(shape)}.",
                nameof(destination));
        }
    }

    private ProbabilityMap RequireProbabilities()
    {
        // An uncompiled model whose last layer is a softmax or sigmoid (a Keras file whose optimizer LogitNet lacks, a model
        // built for inference only) outputs probabilities without a loss to say so.
        if (_compiled is null && _layers.Count > 0 && OutputActivation(_layers[^1]) is Activation.Softmax or Activation.Sigmoid)
        {
            return ProbabilityMap.Identity;
        }

        Compiled compiled = RequireCompiled(nameof(PredictProba));
        return compiled.Probabilities != ProbabilityMap.Unavailable
            ? compiled.Probabilities
            : throw new InvalidOperationException(
                $"PredictProba needs a classification loss (a cross-entropy); this model is compiled with {compiled.Loss.GetType().Name}. Use Predict.");
    }

    private int PredictSpan(ReadOnlySpan<float> features, Span<float> destination, ProbabilityMap map, string operation)
    {
        if (_layers.Count == 0 || !(IsBuilt || BuildFromInputLayer()))
        {
            throw new InvalidOperationException(
                $"{operation} on flat rows needs a built model: its input length is unknown until it is built. Put an Input layer first, call Build(inputShape), or predict a Tensor once.");
        }

        int inputLength = ShapeText.Product(_layers[0].InputShapeSpan);
        int outputLength = ShapeText.Product(_layers[^1].OutputShapeSpan);
        if (features.Length % inputLength != 0)
        {
            throw new ArgumentException(
                $"Expected whole samples of {inputLength} features each; received {features.Length} values ({features.Length / inputLength} samples and {features.Length % inputLength} left over).",
                nameof(features));
        }

        int samples = features.Length / inputLength;
        if (destination.Length != samples * outputLength)
        {
            throw new ArgumentException(
                $"Expected a destination of {samples * outputLength} values ({samples} samples × {outputLength} outputs); received {destination.Length}.",
                nameof(destination));
        }

        long version = EnterInference(operation);
        ModelContext context = Contexts.Rent();
        try
        {
            int rows = PassRows(samples, null);
            for (int start = 0; start < samples; start += rows)
            {
                int count = Math.Min(rows, samples - start);
                Tensor input = context.Inputs.For(count);
                features.Slice(start * inputLength, count * inputLength).CopyTo(input.AsSpan());
                Tensor output = RunPass(context, input, _layers.Count, training: false, target: null, firstRow: start);
                Span<float> rowsOut = destination.Slice(start * outputLength, count * outputLength);
                WriteRows(map, output.AsSpan(), rowsOut, Classes);
            }

            ExitInference(version, operation);
            return samples;
        }
        finally
        {
            Contexts.Return(context);
        }
    }

    /// <summary>Runs the whole model on x in passes, each writing its rows of <paramref name="result"/> directly.</summary>
    private void PredictInto(Tensor x, Tensor result, int? batchSize, ProbabilityMap map, string operation)
    {
        int samples = x.ShapeSpan[0];
        long version = EnterInference(operation);
        ModelContext context = Contexts.Rent();
        try
        {
            int rows = PassRows(samples, batchSize);
            if (batchSize is null && rows >= Math.Min(samples, RowsPerChunk()) && PredictsInRowChunks(samples))
            {
                var job = (RowChunkJob)(context.RowChunks ??= new RowChunkJob(this));
                job.Run(x, result, samples, map);
            }
            else
            {
                for (int start = 0; start < samples; start += rows)
                {
                    int count = Math.Min(rows, samples - start);
                    Tensor target = result.Slice(start, count);
                    Tensor output = RunPass(context, x.Slice(start, count), _layers.Count, training: false, target, firstRow: start);
                    WriteRows(map, output.AsSpan(), target.AsSpan(), Classes);
                }
            }

            ExitInference(version, operation);
        }
        finally
        {
            Contexts.Return(context);
        }
    }

    /// <summary>The length of the output's last axis: the classes, which a softmax runs over at each leading position.</summary>
    private int Classes => _layers[^1].OutputShapeSpan is [.., int last] ? last : 1;

    /// <summary>
    /// Writes a pass's output rows into the caller's rows, applying the softmax or sigmoid on the way (one
    /// pass over the rows; in place when the last layer already wrote into them). <paramref name="rowLength"/> is the
    /// softmax's row, the output's last axis (<see cref="Classes"/>): a sample of a sequence model holds several.
    /// </summary>
    private static void WriteRows(ProbabilityMap map, ReadOnlySpan<float> output, Span<float> destination, int rowLength)
    {
        switch (map)
        {
            case ProbabilityMap.Softmax:
                SoftmaxKernel.Rows(output, destination, rowLength);
                break;
            case ProbabilityMap.Sigmoid:
                SigmoidKernel.Apply(output, destination);
                break;
            default:
                if (!output.Overlaps(destination))
                {
                    output.CopyTo(destination);
                }

                break;
        }
    }

    /// <summary>Samples per pass: the caller's batch size, or as many as keep the widest activation under <see cref="PassFloats"/>.</summary>
    private int PassRows(int samples, int? batchSize)
    {
        if (batchSize is { } size)
        {
            return size;
        }

        long widest = ShapeText.Product(_layers[0].InputShapeSpan);
        foreach (Layer layer in _layers)
        {
            widest = Math.Max(widest, ShapeText.Product(layer.OutputShapeSpan));
        }

        return (int)Math.Clamp(PassFloats / Math.Max(1, widest), 1, Math.Max(1, samples));
    }

    private IReadOnlyDictionary<string, float> EvaluateCore(Compiled compiled, ModelContext context, Tensor x, Tensor y, Tensor? sampleWeight, int batchSize, int firstRow = 0)
    {
        // Fresh accumulators per call: the compiled metrics are the training loop's, and concurrent
        // Evaluate calls must not add into each other's sums.
        LoggedMetric[] metrics = Array.ConvertAll(compiled.Logged, entry => entry with { Metric = entry.Metric.CreateEmptyCopy() });
        int samples = x.ShapeSpan[0];
        double lossSum = 0;
        for (int start = 0; start < samples; start += batchSize)
        {
            int count = Math.Min(batchSize, samples - start);
            Tensor xBatch = x.Slice(start, count);
            Tensor yBatch = y.Slice(start, count);
            Tensor? weightBatch = sampleWeight?.Slice(start, count);
            Tensor output = RunPass(context, xBatch, compiled.LossPathLayers, training: false, target: null, lossPath: compiled, firstRow: firstRow + start);
            Tensor loss = weightBatch is null
                ? compiled.TrainingLoss.Call(yBatch, output)
                : compiled.TrainingLoss.Call(yBatch, output, weightBatch);

            // Each batch's loss as the training step reports it (Reduction.None as Reduction.Sum), averaged over the
            // batches weighted by their sizes, as Fit averages its batches and Keras's loss tracker does: so `loss`
            // and `val_loss` have one scale under every reduction.
            lossSum += Ops.Sum(loss).ToScalar() * (double)count;
            foreach (LoggedMetric entry in metrics)
            {
                entry.Metric.Update(yBatch, output, entry.Weighted ? weightBatch : null);
            }
        }

        var results = new Dictionary<string, float>
        {
            // The regularization penalty counts in the loss, as in Fit and in Keras.
            ["loss"] = (float)(lossSum / samples + RegularizationPenalty()),
        };
        foreach (LoggedMetric entry in metrics)
        {
            results[entry.Key] = entry.Metric.Result();
        }

        return results;
    }

    /// <summary>
    /// Runs the first <paramref name="layerCount"/> layers on a batch in <paramref name="context"/>. With
    /// <paramref name="lossPath"/>, the compiled loss's fused path applies: a final Dense whose softmax or
    /// sigmoid the loss takes over outputs its logits. The last layer may write into <paramref name="target"/>.
    /// </summary>
    // firstRow: the row of the caller's data the batch starts at, for messages naming a sample; -1 for a shuffled training batch.
    private Tensor RunPass(ModelContext context, Tensor batch, int layerCount, bool training, Tensor? target, Compiled? lossPath = null, int firstRow = 0)
    {
        Tensor output = batch;
        LayerContext[] layers = context.Layers;
        for (int i = 0; i < layerCount; i++)
        {
            LayerContext layer = layers[i];
            layer.FirstRow = firstRow;
            layer.OutputLogits = lossPath is not null && i == layerCount - 1 && ReferenceEquals(lossPath.LogitsDense, _layers[i]);
            layer.OutputTarget = i == layerCount - 1 ? target : null;
            output = _layers[i].ForwardIn(layer, output, training);
        }

        return output;
    }
}
