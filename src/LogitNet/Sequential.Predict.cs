using LogitNet.Kernels;
using LogitNet.Metrics;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>Computes the loss and the metrics on data, without training.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="y">The targets.</param>
    /// <param name="batchSize">The samples per forward pass (the result does not depend on it beyond rounding of the batch means).</param>
    /// <param name="sampleWeight">Optional weights, <c>[samples]</c>.</param>
    /// <returns><c>loss</c> and each metric by name.</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="y"/> is null.</exception>
    /// <exception cref="ArgumentException">The data's shapes do not fit each other or the model.</exception>
    /// <example><c>float accuracy = model.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];</c></example>
    public IReadOnlyDictionary<string, float> Evaluate(Tensor x, Tensor y, int batchSize = 32, Tensor? sampleWeight = null)
    {
        Compiled compiled = RequireCompiled(nameof(Evaluate));
        CheckBatchSize(batchSize);
        int samples = CheckData(x, y, nameof(x), nameof(y));
        if (sampleWeight is not null && sampleWeight.Length != samples)
        {
            throw new ArgumentException(
                $"Expected one weight per sample ({samples}); received sampleWeight of shape {ShapeText.Format(sampleWeight.ShapeSpan)}.",
                nameof(sampleWeight));
        }

        SetLogitsPath(true);
        try
        {
            return EvaluateCore(compiled, x, y, sampleWeight, batchSize);
        }
        finally
        {
            SetLogitsPath(false);
        }
    }

    /// <summary>The model's outputs for inputs, in batches: probabilities or logits, as its last layer gives them.</summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="batchSize">The samples per forward pass; results do not depend on it.</param>
    /// <returns>A new tensor <c>[samples, ...outputs]</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model has no layers.</exception>
    /// <example><c>Tensor logits = model.Predict(xTest); Tensor probabilities = Ops.Softmax(logits);</c></example>
    public Tensor Predict(Tensor x, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckBatchSize(batchSize);
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
        SetLogitsPath(false);
        int samples = x.ShapeSpan[0];
        Tensor result = Tensor.Uninitialized([samples, .. _layers[^1].OutputShapeSpan]);
        int rowLength = samples == 0 ? 0 : result.Length / samples;
        for (int start = 0; start < samples; start += batchSize)
        {
            int count = Math.Min(batchSize, samples - start);
            Tensor output = Forward(x.Slice(start, count), _layers.Count);
            output.AsSpan().CopyTo(result.AsSpan().Slice(start * rowLength, count * rowLength));
        }

        return result;
    }

    /// <summary>
    /// Class probabilities, whatever the last layer outputs: applies the softmax or sigmoid that the
    /// compiled loss implies to logits, and passes probabilities through.
    /// </summary>
    /// <param name="x">The inputs.</param>
    /// <param name="batchSize">The samples per forward pass.</param>
    /// <returns>A new tensor of probabilities, <c>[samples, classes]</c> (or <c>[samples, 1]</c> for a binary model).</returns>
    /// <exception cref="InvalidOperationException">The model is not compiled, or its loss is not a cross-entropy (probabilities are undefined).</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model.</exception>
    public Tensor PredictProba(Tensor x, int batchSize = 256)
    {
        Compiled compiled = RequireCompiled(nameof(PredictProba));
        Tensor output = Predict(x, batchSize);
        switch (compiled.Probabilities)
        {
            case ProbabilityMap.Softmax:
                SoftmaxKernel.Rows(output.AsSpan(), output.AsSpan(), output.ShapeSpan[^1]);
                return output;
            case ProbabilityMap.Sigmoid:
                SigmoidKernel.Apply(output.AsSpan(), output.AsSpan());
                return output;
            case ProbabilityMap.Identity:
                return output;
            default:
                throw new InvalidOperationException(
                    $"PredictProba needs a classification loss (a cross-entropy); this model is compiled with {compiled.Loss.GetType().Name}. Use Predict.");
        }
    }

    private IReadOnlyDictionary<string, float> EvaluateCore(Compiled compiled, Tensor x, Tensor y, Tensor? sampleWeight, int batchSize)
    {
        foreach (Metric metric in compiled.Metrics)
        {
            metric.Reset();
        }

        int samples = x.ShapeSpan[0];
        double lossSum = 0;
        for (int start = 0; start < samples; start += batchSize)
        {
            int count = Math.Min(batchSize, samples - start);
            Tensor xBatch = x.Slice(start, count);
            Tensor yBatch = y.Slice(start, count);
            Tensor? weightBatch = sampleWeight?.Reshape(-1).Slice(start, count);
            Tensor output = Forward(xBatch, compiled.LossPathLayers);
            Tensor loss = weightBatch is null
                ? compiled.TrainingLoss.Call(yBatch, output)
                : compiled.TrainingLoss.Call(yBatch, output, weightBatch);
            lossSum += Ops.Sum(loss).ToScalar() * (compiled.TrainingLoss.Reduction == Losses.Reduction.SumOverBatchSize ? count : 1);
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
        }

        var results = new Dictionary<string, float>
        {
            ["loss"] = (float)(compiled.TrainingLoss.Reduction == Losses.Reduction.SumOverBatchSize ? lossSum / samples : lossSum),
        };
        foreach (Metric metric in compiled.Metrics)
        {
            results[metric.Name] = metric.Result();
        }

        return results;
    }

    /// <summary>Runs the first <paramref name="layerCount"/> layers in inference mode.</summary>
    private Tensor Forward(Tensor batch, int layerCount)
    {
        Tensor output = batch;
        for (int i = 0; i < layerCount; i++)
        {
            output = _layers[i].Forward(output, training: false);
        }

        return output;
    }
}
