namespace LogitNet.Layers;

/// <summary>
/// Normalizes each feature (the last axis: channels of an image, units of a vector) to zero mean and unit
/// variance, then scales and shifts it by learned γ and β: Keras's <c>BatchNormalization</c>.
/// </summary>
/// <remarks>
/// <para>
/// Training passes use the batch's statistics over every axis but the last, mean μ and biased variance σ²:
/// <c>y = γ·(x − μ)/√(σ² + ε) + β</c>, and move the moving statistics toward them,
/// <c>moving = moving·momentum + batch·(1 − momentum)</c>, as Keras 3 does (no Bessel correction).
/// Inference (<c>Predict</c>, <c>Evaluate</c>) uses the moving statistics, and so does training while the layer is
/// frozen (<c>Trainable = false</c>), which then leaves them as they are: Keras's rule for fine-tuning on a frozen base. Keras's defaults: momentum 0.99,
/// ε = 1e-3, γ (<c>scale</c>) and β (<c>center</c>) on, γ starting at 1, β at 0, moving mean 0, moving variance 1.
/// </para>
/// <para>
/// Weights in Keras's order: gamma, beta, moving_mean, moving_variance. The moving statistics are
/// the layer's state (<see cref="Parameter.IsState"/>): never trained, whatever <see cref="Layer.Trainable"/> says. They are written by training forward passes
/// only — training state, like the gradients, of which a model runs one batch at a time — so any number of
/// inference calls can share the layer; an inference call during training reads them as they are.
/// Statistics are accumulated in double precision.
/// </para>
/// </remarks>
/// <example><c>new Conv2D(32, 3), new BatchNormalization(), new ActivationLayer(Activation.Relu)</c></example>
public sealed class BatchNormalization : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private Parameter? _gamma;
    private Parameter? _beta;
    private Parameter? _movingMean;
    private Parameter? _movingVariance;
    private int[] _shape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="momentum">The moving statistics' momentum, in [0, 1] (default 0.99).</param>
    /// <param name="epsilon">Added to the variance before the square root; positive (default 1e-3).</param>
    /// <param name="center">Whether to add a learned offset β (default true).</param>
    /// <param name="scale">Whether to multiply by a learned factor γ (default true).</param>
    /// <param name="name">The layer's name, or null for <c>batch_normalization</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1], or <paramref name="epsilon"/> is not positive.</exception>
    public BatchNormalization(float momentum = 0.99f, float epsilon = 1e-3f, bool center = true, bool scale = true, string? name = null)
        : base(name)
    {
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected a momentum in [0, 1], such as Keras's 0.99.");
        }

        if (!(epsilon > 0 && float.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected a small positive epsilon, such as Keras's 1e-3.");
        }

        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
    }

    /// <summary>The moving statistics' momentum.</summary>
    public float Momentum { get; }

    /// <summary>The constant added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the layer adds β.</summary>
    public bool Center { get; }

    /// <summary>Whether the layer multiplies by γ.</summary>
    public bool Scale { get; }

    /// <summary>γ, <c>[features]</c>, or null without <see cref="Scale"/>.</summary>
    public Parameter? Gamma => _gamma;

    /// <summary>β, <c>[features]</c>, or null without <see cref="Center"/>.</summary>
    public Parameter? Beta => _beta;

    /// <summary>The moving mean, <c>[features]</c> (non-trainable).</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter MovingMean => _movingMean ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet.");

    /// <summary>The moving variance, <c>[features]</c> (non-trainable).</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter MovingVariance => _movingVariance ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet.");

    /// <inheritdoc/>
    protected override string DefaultName => "batch_normalization";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        int features = inputShape[^1];
        _gamma = Scale ? AddParameter("gamma", Tensor.Ones(features)) : null;
        _beta = Center ? AddParameter("beta", Tensor.Zeros(features)) : null;
        _movingMean = AddParameter("moving_mean", Tensor.Zeros(features), trainable: false);
        _movingVariance = AddParameter("moving_variance", Tensor.Ones(features), trainable: false);
        _shape = inputShape;
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        int features = _shape[^1];
        int rows = input.Length / features;
        Statistics stats = context.State<Statistics>();
        stats.Ensure(features);
        ReadOnlySpan<float> x = input.AsSpan();

        // A frozen layer normalizes with its moving statistics in training too, and leaves them as they are (Keras's
        // `training and self.trainable`): what fine-tuning on top of a frozen base expects.
        stats.BatchStatistics = context.Training && Trainable;
        if (stats.BatchStatistics)
        {
            Array.Clear(stats.Mean);
            Array.Clear(stats.InverseStd);
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < features; j++)
                {
                    stats.Mean[j] += x[r * features + j];
                }
            }

            for (int j = 0; j < features; j++)
            {
                stats.Mean[j] /= rows;
            }

            // Two passes (mean, then squared deviations): no cancellation when the mean is large.
            double[] variance = stats.InverseStd;
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < features; j++)
                {
                    double d = x[r * features + j] - stats.Mean[j];
                    variance[j] += d * d;
                }
            }

            Span<float> movingMean = _movingMean!.Value.AsSpan(), movingVariance = _movingVariance!.Value.AsSpan();
            for (int j = 0; j < features; j++)
            {
                double v = variance[j] / rows;
                // Training state, written by training passes only (see the remarks).
                movingMean[j] = (float)(movingMean[j] * (double)Momentum + stats.Mean[j] * (1 - (double)Momentum));
                movingVariance[j] = (float)(movingVariance[j] * (double)Momentum + v * (1 - (double)Momentum));
                variance[j] = 1 / Math.Sqrt(v + Epsilon);
            }
        }
        else
        {
            ReadOnlySpan<float> movingMean = _movingMean!.Value.AsSpan(), movingVariance = _movingVariance!.Value.AsSpan();
            for (int j = 0; j < features; j++)
            {
                stats.Mean[j] = movingMean[j];
                stats.InverseStd[j] = 1 / Math.Sqrt(movingVariance[j] + (double)Epsilon);
            }
        }

        for (int j = 0; j < features; j++)
        {
            double gamma = _gamma is null ? 1 : _gamma.Value.AsSpan()[j];
            stats.Factor[j] = (float)(gamma * stats.InverseStd[j]);
            stats.Offset[j] = (float)((_beta is null ? 0 : _beta.Value.AsSpan()[j]) - gamma * stats.InverseStd[j] * stats.Mean[j]);
        }

        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _shape);
        Span<float> y = output.AsSpan();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++)
            {
                y[r * features + j] = MathF.FusedMultiplyAdd(x[r * features + j], stats.Factor[j], stats.Offset[j]);
            }
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        int features = _shape[^1];
        int rows = outputGradient.Length / features;
        Statistics stats = context.State<Statistics>();
        ReadOnlySpan<float> x = context.Input.AsSpan(), dy = outputGradient.AsSpan();
        Array.Clear(stats.GradientSum);
        Array.Clear(stats.GradientDot);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++)
            {
                double g = dy[r * features + j];
                stats.GradientSum[j] += g;
                stats.GradientDot[j] += g * (x[r * features + j] - stats.Mean[j]) * stats.InverseStd[j];
            }
        }

        if (_beta is not null)
        {
            Span<float> db = _beta.Gradient.AsSpan();
            for (int j = 0; j < features; j++)
            {
                db[j] = (float)stats.GradientSum[j];
            }
        }

        if (_gamma is not null)
        {
            Span<float> dg = _gamma.Gradient.AsSpan();
            for (int j = 0; j < features; j++)
            {
                dg[j] = (float)stats.GradientDot[j];
            }
        }

        if (!context.NeedsInputGradient)
        {
            return outputGradient;
        }

        Tensor inputGradient = context.Buffer(InputGradientSlot, _shape);
        Span<float> dx = inputGradient.AsSpan();
        if (!stats.BatchStatistics)
        {
            // The moving statistics are constants: dx = γ/σ · dy.
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < features; j++)
                {
                    double gamma = _gamma is null ? 1 : _gamma.Value.AsSpan()[j];
                    dx[r * features + j] = (float)(gamma * stats.InverseStd[j] * dy[r * features + j]);
                }
            }

            return inputGradient;
        }

        // dx = γ/σ · (dy − Σdy/N − x̂·Σ(dy·x̂)/N), with the batch statistics as functions of x.
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++)
            {
                double xHat = (x[r * features + j] - stats.Mean[j]) * stats.InverseStd[j];
                double gamma = _gamma is null ? 1 : _gamma.Value.AsSpan()[j];
                dx[r * features + j] = (float)(gamma * stats.InverseStd[j]
                    * (dy[r * features + j] - stats.GradientSum[j] / rows - xHat * stats.GradientDot[j] / rows));
            }
        }

        return inputGradient;
    }

    /// <summary>One context's statistics of its last pass, per feature.</summary>
    private sealed class Statistics
    {
        /// <summary>Whether the last forward pass normalized with the batch's statistics (training an unfrozen layer).</summary>
        public bool BatchStatistics { get; set; }

        public double[] Mean { get; private set; } = [];

        public double[] InverseStd { get; private set; } = [];

        public float[] Factor { get; private set; } = [];

        public float[] Offset { get; private set; } = [];

        public double[] GradientSum { get; private set; } = [];

        public double[] GradientDot { get; private set; } = [];

        public void Ensure(int features)
        {
            if (Mean.Length != features)
            {
                (Mean, InverseStd, GradientSum, GradientDot) = (new double[features], new double[features], new double[features], new double[features]);
                (Factor, Offset) = (new float[features], new float[features]);
            }
        }
    }
}
