namespace LogitNet.Layers;

/// <summary>
/// Standardizes its input with a mean and variance learned from data by <see cref="Adapt"/> (or
/// given): <c>y = (x − mean) / max(√variance, 1e-7)</c>, per feature on the last axis or with one
/// mean and variance for all values, as Keras's <c>Normalization</c>.
/// </summary>
/// <remarks>
/// <para>
/// The mean and variance are parameters named <c>mean</c> and <c>variance</c> (Keras's names),
/// saved and loaded with the model, and never trained (<see cref="Parameter.Trainable"/> is false).
/// The variance is the population variance (divided by n, not n − 1), as Keras computes it.
/// </para>
/// <para>
/// Before <see cref="Adapt"/> the layer holds mean 0 and variance 1, and passes its input through.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var norm = new Normalization();
/// norm.Adapt(xTrain);                              // per-feature mean and variance of the training data
/// var model = new Sequential(norm, new Dense(64, Activation.Relu), new Dense(1));
/// </code>
/// </example>
public sealed class Normalization : Layer
{
    /// <summary>The floor of the standard deviation (Keras's <c>backend.epsilon()</c>), so a constant feature does not divide by zero.</summary>
    public const float Epsilon = 1e-7f;

    private readonly float[]? _givenMean;
    private readonly float[]? _givenVariance;
    private Parameter? _mean;
    private Parameter? _variance;
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;
    private int[] _sampleShape = [];

    /// <summary>Creates the layer, to be adapted to data.</summary>
    /// <param name="perFeature">True (Keras's default <c>axis=-1</c>): one mean and variance per feature of the last axis.
    /// False (Keras's <c>axis=None</c>): one mean and variance over all values.</param>
    /// <param name="name">The layer's name, or null for <c>normalization</c>.</param>
    public Normalization(bool perFeature = true, string? name = null)
        : base(name)
    {
        PerFeature = perFeature;
    }

    /// <summary>Creates the layer with a known mean and variance (Keras's <c>Normalization(mean=..., variance=...)</c>).</summary>
    /// <param name="mean">The mean: one value per feature of the last axis, or one value for all.</param>
    /// <param name="variance">The variance, as many values as <paramref name="mean"/>; each finite and not negative.</param>
    /// <param name="name">The layer's name, or null for <c>normalization</c>.</param>
    /// <exception cref="ArgumentException">The arrays are empty, differ in length, or hold a non-finite or negative variance.</exception>
    public Normalization(float[] mean, float[] variance, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        if (mean.Length == 0 || mean.Length != variance.Length)
        {
            throw new ArgumentException($"Expected a mean and a variance of the same non-zero length; received {mean.Length} and {variance.Length} values.", nameof(variance));
        }

        if (mean.Any(m => !float.IsFinite(m)) || variance.Any(v => !(v >= 0 && float.IsFinite(v))))
        {
            throw new ArgumentException("Expected finite means and finite, non-negative variances.", nameof(variance));
        }

        _givenMean = (float[])mean.Clone();
        _givenVariance = (float[])variance.Clone();
        PerFeature = mean.Length > 1;
    }

    /// <summary>Whether there is one mean and variance per feature of the last axis (otherwise one for all values).</summary>
    public bool PerFeature { get; }

    /// <summary>The mean: <c>[features]</c>, or <c>[1]</c> for one over all values.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Mean => _mean ?? throw NotBuiltYet();

    /// <summary>The variance, the shape of <see cref="Mean"/>.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Variance => _variance ?? throw NotBuiltYet();

    /// <inheritdoc/>
    protected override string DefaultName => "normalization";

    /// <summary>
    /// Sets the mean and the (population) variance from data, computed in double precision with two
    /// passes, so a large mean does not cancel the variance's digits.
    /// </summary>
    /// <param name="data">Samples, <c>[n, ...sampleShape]</c>; builds the layer for that sample shape if it is not built.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">The data has no samples, a sample shape other than the layer's, or a non-finite value.</exception>
    /// <exception cref="InvalidOperationException">A Fit of a model holding the layer is running.</exception>
    public void Adapt(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rank < 2 || data.ShapeSpan[0] == 0)
        {
            throw new ArgumentException($"Adapt takes a batch of samples, shape [n, ...] with n > 0; received {ShapeText.Format(data.ShapeSpan)}.", nameof(data));
        }

        int[] sampleShape = data.ShapeSpan[1..].ToArray();
        if (!IsBuilt)
        {
            Build(sampleShape);
        }
        else if (!sampleShape.AsSpan().SequenceEqual(InputShape))
        {
            throw new ArgumentException($"Layer '{Name}' is built for samples of shape {ShapeText.Format(InputShape)}; Adapt received {ShapeText.Format(data.ShapeSpan)}.", nameof(data));
        }

        // Adapt trains the layer's state: through the training gate, so it is refused during a Fit on another thread, and an
        // inference call that overlaps it (and would read a new mean with the old variance) is refused.
        if (!TryEnterTraining())
        {
            throw new InvalidOperationException(
                $"Layer '{Name}': Adapt was called while Fit is training a model that holds this layer. Adapt before Fit, or after it returns.");
        }

        try
        {
            AdaptCore(data.AsSpan());
        }
        finally
        {
            ExitTraining();
        }
    }

    private void AdaptCore(ReadOnlySpan<float> x)
    {
        int groups = _mean!.Value.Length;
        var sum = new double[groups];
        var count = new long[groups];
        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                throw new ArgumentException($"Adapt received a non-finite value ({x[i]}) at flat index {i}; clean the data first.", "data");
            }

            int g = i % groups;
            sum[g] += x[i];
            count[g]++;
        }

        var mean = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            mean[g] = sum[g] / count[g];
        }

        var squares = new double[groups];
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - mean[i % groups];
            squares[i % groups] += d * d;
        }

        Span<float> meanOut = _mean.Value.AsSpan(), varianceOut = _variance!.Value.AsSpan();
        for (int g = 0; g < groups; g++)
        {
            meanOut[g] = (float)mean[g];
            varianceOut[g] = (float)(squares[g] / count[g]);
        }
    }

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        int groups = PerFeature ? inputShape[^1] : 1;
        if (_givenMean is not null && _givenMean.Length != groups)
        {
            throw new ArgumentException(
                $"Layer '{Name}' was given {_givenMean.Length} means, but samples of shape {ShapeText.Format(inputShape)} have {inputShape[^1]} features on the last axis.",
                nameof(inputShape));
        }

        _mean = AddParameter("mean", _givenMean is null ? Tensor.Zeros(groups) : Tensor.FromArray((float[])_givenMean.Clone(), groups), trainable: false);
        _variance = AddParameter("variance", _givenVariance is null ? Tensor.Ones(groups) : Tensor.FromArray((float[])_givenVariance.Clone(), groups), trainable: false);
        _sampleShape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _sampleShape);
        ReadOnlySpan<float> x = input.AsSpan(), mean = _mean!.Value.AsSpan(), variance = _variance!.Value.AsSpan();
        Span<float> y = output.AsSpan();
        int groups = mean.Length;
        for (int i = 0; i < x.Length; i++)
        {
            int g = i % groups;
            y[i] = (float)((x[i] - (double)mean[g]) / Deviation(variance[g]));
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        // dL/dx = dy / d with d = max(√v, ε). The mean and variance get their true gradients too,
        // dL/dm = −Σ dy / d and dL/dv = −Σ dy·(x − m) / (2·v^(3/2)) (0 where ε is the floor): they are
        // frozen, so no optimizer uses them unless the caller unfreezes the layer.
        Tensor inputGradient = context.Buffer(InputGradientSlot, _sampleShape);
        ReadOnlySpan<float> dy = outputGradient.AsSpan(), x = context.Input.AsSpan(), mean = _mean!.Value.AsSpan(), variance = _variance!.Value.AsSpan();
        Span<float> dx = inputGradient.AsSpan();
        int groups = variance.Length;
        Scratch scratch = context.State<Scratch>();
        if (scratch.Sums.Length != 2 * groups)
        {
            scratch.Sums = new double[2 * groups];
        }

        Span<double> meanSums = scratch.Sums.AsSpan(0, groups), varianceSums = scratch.Sums.AsSpan(groups, groups);
        meanSums.Clear();
        varianceSums.Clear();
        for (int i = 0; i < dy.Length; i++)
        {
            int g = i % groups;
            double deviation = Deviation(variance[g]);
            dx[i] = (float)(dy[i] / deviation);
            meanSums[g] -= dy[i] / deviation;
            varianceSums[g] += dy[i] * (x[i] - (double)mean[g]);
        }

        Span<float> meanGradient = _mean.Gradient.AsSpan(), varianceGradient = _variance.Gradient.AsSpan();
        for (int g = 0; g < groups; g++)
        {
            double root = Math.Sqrt(variance[g]);
            meanGradient[g] = (float)meanSums[g];
            varianceGradient[g] = root > Epsilon ? (float)(-varianceSums[g] / (2 * root * variance[g])) : 0f;
        }

        return inputGradient;
    }

    /// <summary>Per-context sums for the backward pass, so a warm step allocates nothing.</summary>
    private sealed class Scratch
    {
        public double[] Sums { get; set; } = [];
    }

    /// <summary>max(√variance, ε), Keras's divisor, in double.</summary>
    private static double Deviation(float variance) => Math.Max(Math.Sqrt(variance), Epsilon);

    private InvalidOperationException NotBuiltYet() =>
        new($"Layer '{Name}' is not built yet: call Adapt(data), Build(inputShape), or give it an input first.");
}
