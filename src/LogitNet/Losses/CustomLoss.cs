using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// The base for a loss of your own: write one sample's value and gradient; this class checks shapes,
/// applies sample weights and the <see cref="Reduction"/>, and plugs into <c>Compile</c>/<c>Fit</c>
/// like the built-in losses.
/// </summary>
/// <remarks>
/// <para>
/// <b>Not covered by LogitNet's exactness guarantee.</b> The built-in losses are computed to within
/// 1 float32 ulp of the exact value for every finite input; a custom loss is as accurate as the code
/// you write. Work in double and use stable forms (softplus, log-sum-exp) for the same robustness; the
/// analytic gradient you return is what training follows, so check it against finite differences
/// (<see cref="Loss.Gradient(Tensor, Tensor)"/> against <see cref="Loss.Call(Tensor, Tensor)"/>).
/// </para>
/// <para>
/// Targets have the shape of the predictions (<c>[n]</c> targets are accepted for <c>[n, 1]</c>
/// predictions); one sample is one position of the leading axes, its values the last axis. Per-sample
/// values are weighted, then reduced (for <see cref="Reduction.SumOverBatchSize"/>, the mean over
/// samples) in double and rounded to float32 once. For batches of more than 2^19 values the samples are
/// processed on several threads at once: keep <see cref="SampleLoss"/> free of shared mutable state.
/// A model compiled with a custom loss has no probabilities to give (<c>PredictProba</c> throws; use
/// <c>Predict</c>), and cannot be saved (its code cannot be written to a file).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// // Log-cosh, Keras's <c>log_cosh</c>: log(cosh(e)) = |e| + log1p(exp(-2|e|)) - log 2, gradient tanh(e).
/// sealed class LogCosh() : CustomLoss("log_cosh")
/// {
///     protected override double SampleLoss(ReadOnlySpan&lt;float&gt; yTrue, ReadOnlySpan&lt;float&gt; yPred, Span&lt;double&gt; gradient)
///     {
///         double sum = 0;
///         for (int i = 0; i &lt; yPred.Length; i++)
///         {
///             double e = (double)yPred[i] - yTrue[i], a = Math.Abs(e);
///             sum += a + Math.Log(1 + Math.Exp(-2 * a)) - Math.Log(2);
///             gradient[i] = Math.Tanh(e) / yPred.Length;
///         }
///
///         return sum / yPred.Length;
///     }
/// }
///
/// model.Compile(new LogCosh(), new Adam());
/// </code>
/// </example>
public abstract class CustomLoss : Loss
{
    private const int StackRow = 256;

    /// <summary>Creates the loss.</summary>
    /// <param name="name">The loss's name (snake_case, as Keras names losses).</param>
    /// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    protected CustomLoss(string name, Reduction reduction = Reduction.SumOverBatchSize)
        : base(reduction)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>A custom loss from a function of one sample.</summary>
    /// <param name="name">The loss's name.</param>
    /// <param name="sampleLoss">One sample's loss and gradient.</param>
    /// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sampleLoss"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <example>
    /// <code>
    /// // Half squared error: ½ Σ (p - y)², gradient p - y.
    /// Loss halfSquares = CustomLoss.FromFunction("half_squares", (y, p, g) =>
    /// {
    ///     double sum = 0;
    ///     for (int i = 0; i &lt; p.Length; i++) { double e = (double)p[i] - y[i]; sum += 0.5 * e * e; g[i] = e; }
    ///     return sum;
    /// });
    /// </code>
    /// </example>
    public static CustomLoss FromFunction(string name, SampleLossFunction sampleLoss, Reduction reduction = Reduction.SumOverBatchSize)
    {
        ArgumentNullException.ThrowIfNull(sampleLoss);
        return new FunctionLoss(name, sampleLoss, reduction);
    }

    /// <summary>One sample's loss; writes d(loss)/d(yPred) into <paramref name="gradient"/>.</summary>
    /// <param name="yTrue">The sample's targets, as many as predictions.</param>
    /// <param name="yPred">The sample's predictions.</param>
    /// <param name="gradient">Receives the derivative of the returned value with respect to each prediction; as long as <paramref name="yPred"/>, zeroed on entry.</param>
    /// <returns>The sample's loss (before the sample weight and the reduction).</returns>
    protected abstract double SampleLoss(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> gradient);

    private protected override string Options => "";

    internal sealed override double Evaluate(in LossBatch batch)
    {
        int k = batch.RowLength;
        Span<double> row = k <= StackRow ? stackalloc double[StackRow] : new double[k];
        row = row[..k];
        double total = 0;
        for (int s = 0; s < batch.Samples; s++)
        {
            row.Clear();
            double value = SampleLoss(batch.YTrue.Slice(s * batch.LabelStride, batch.LabelStride), batch.YPred.Slice(s * k, k), row);
            double weight = batch.WeightOf(s);
            total += weight * value;
            if (batch.WantsPerSample)
            {
                batch.PerSample[s] = (float)(weight * value);
            }

            if (batch.WantsGradient)
            {
                Span<float> gradient = batch.Gradient.Slice(s * k, k);
                double factor = batch.GradientScale * weight;
                for (int j = 0; j < k; j++)
                {
                    gradient[j] = (float)(row[j] * factor);
                }
            }
        }

        return total;
    }

    private sealed class FunctionLoss(string name, SampleLossFunction function, Reduction reduction) : CustomLoss(name, reduction)
    {
        protected override double SampleLoss(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> gradient) =>
            function(yTrue, yPred, gradient);
    }
}
