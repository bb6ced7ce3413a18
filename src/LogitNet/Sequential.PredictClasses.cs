using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// The predicted class of each sample: the index of the largest output for several outputs per
    /// sample, or 1 when the probability is at least 0.5 for one output (the course's
    /// <c>(predictions &gt;= 0.5).astype(int)</c>).
    /// </summary>
    /// <param name="x">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="batchSize">The most samples per forward pass, or null; results do not depend on it.</param>
    /// <returns>One class id per sample (per position of the output's leading axes); -1 for a sample whose outputs hold NaN.</returns>
    /// <remarks>
    /// With one output the model must say whether it gives a probability or a logit: a last layer with a
    /// sigmoid gives probabilities; otherwise the compiled loss tells (<c>BinaryCrossentropy(fromLogits: true)</c>:
    /// logits, compared with 0, which is exactly σ(z) ≥ 0.5 without rounding a sigmoid). Ties between
    /// several outputs go to the first largest, as numpy's <c>argmax</c>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model has one linear output and no compiled cross-entropy to say what it means.</exception>
    /// <example><c>int[] yhat = model.PredictClasses(xTest);   // [1, 0] for the coffee lab's two roasts</c></example>
    public int[] PredictClasses(Tensor x, int? batchSize = null)
    {
        Tensor output = Predict(x, batchSize);
        int width = output.ShapeSpan[^1];
        int rows = width == 0 ? 0 : output.Length / width;
        var classes = new int[rows];
        ReadOnlySpan<float> values = output.AsSpan();
        if (width > 1)
        {
            for (int i = 0; i < rows; i++)
            {
                classes[i] = LogitNet.Metrics.MeanMetric.ArgMax(values.Slice(i * width, width));
            }

            return classes;
        }

        float threshold = OneOutputIsLogit() ? 0f : 0.5f;
        for (int i = 0; i < rows; i++)
        {
            float v = values[i];
            classes[i] = float.IsNaN(v) ? -1 : v >= threshold ? 1 : 0;
        }

        return classes;
    }

    /// <summary>Whether a one-unit output is a logit (true) or a probability (false); throws when neither can be told.</summary>
    private bool OneOutputIsLogit()
    {
        Activation last = OutputActivation(_layers[^1]);
        if (last == Activation.Sigmoid)
        {
            return false;
        }

        return _compiled?.Probabilities switch
        {
            ProbabilityMap.Sigmoid => true,
            ProbabilityMap.Identity => false,
            _ => throw new InvalidOperationException(
                "PredictClasses cannot tell whether this model's single output is a probability or a logit: its last layer has no sigmoid and no cross-entropy is compiled. Compile with BinaryCrossentropy(fromLogits: true) (logits) or end in Activation.Sigmoid, or threshold Predict's output yourself."),
        };
    }
}
