namespace LogitNet.Layers;

/// <summary>
/// Compares a layer's hand-written backward pass with central finite differences: the way to test
/// a custom layer.
/// </summary>
/// <remarks>
/// <para>
/// The check builds the scalar L = Σ rᵢ·yᵢ from the layer's output y and a fixed random r, so
/// dL/dy = r; it runs <see cref="Layer.Backward"/> with r, then perturbs each checked input and
/// parameter value by ±h and measures (L(+h) − L(−h)) / 2h, summing L in double. The error of one
/// component is |analytic − numeric| / max(|analytic|, |numeric|, 1e-2·largest analytic), so
/// components that are tiny compared with the rest are judged on the scale of the rest.
/// </para>
/// <para>
/// Layers compute in float32, so the finite differences carry a rounding error of about
/// 6e-8·|L|/h plus a truncation error of order h²: errors below 1e-2 mean the backward pass is
/// right. Keep inputs away from kinks (ReLU at 0) and disable randomness (dropout) while checking.
/// </para>
/// <para>
/// A layer whose input is integer ids (<see cref="Embedding"/>) has only its parameters checked; its input error is 0.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var result = GradientCheck.Run(new Dense(3, Activation.Tanh), Tensor.RandomNormal([4, 5], 0f, 1f, seed: 1));
/// Assert.True(result.MaxError &lt; 1e-2, result.ToString());
/// </code>
/// </example>
public static class GradientCheck
{
    /// <summary>Runs the check on one batch.</summary>
    /// <param name="layer">The layer; it is built from the input if needed, and its parameters are restored after.</param>
    /// <param name="input">A batch, <c>[batch, ...]</c>; restored after.</param>
    /// <param name="step">The relative perturbation h (scaled by max(1, |value|)).</param>
    /// <param name="maxChecksPerTensor">At most this many components of the input and of each parameter are checked (chosen at random, seeded).</param>
    /// <param name="seed">The seed for r and for the choice of components.</param>
    /// <returns>The largest error for the input and for each parameter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> or <paramref name="maxChecksPerTensor"/> is not positive.</exception>
    public static GradientCheckResult Run(Layer layer, Tensor input, double step = 1e-2, int maxChecksPerTensor = 64, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        if (!(step > 0 && double.IsFinite(step)))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Expected a small positive step, such as 1e-2.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChecksPerTensor);

        Tensor output = layer.Forward(input, training: true);
        Tensor projection = Tensor.RandomNormal(output.Shape, 0f, 1f, seed);

        // Direct calls run in the layer's own context, which always computes dL/d(input).
        Tensor analyticInput = layer.Backward(projection).Clone();

        Tensor[] analyticParameters = layer.Parameters.Select(p => p.Gradient.Clone()).ToArray();

        var random = new RandomSource(seed + 1);
        // Ids (an Embedding's input) are not a differentiable input: perturbing them is an error, not a derivative.
        double inputError = layer.TakesIds ? 0 : Compare(input, analyticInput, () => Objective(layer, input, projection), step, maxChecksPerTensor, random);
        var parameterErrors = new Dictionary<string, double>();
        for (int i = 0; i < layer.Parameters.Count; i++)
        {
            Parameter parameter = layer.Parameters[i];
            parameterErrors[parameter.Name] = Compare(parameter.Value, analyticParameters[i],
                () => Objective(layer, input, projection), step, maxChecksPerTensor, random);
        }

        return new GradientCheckResult(inputError, parameterErrors);
    }

    private static double Objective(Layer layer, Tensor input, Tensor projection)
    {
        ReadOnlySpan<float> y = layer.Forward(input, training: true).AsSpan();
        ReadOnlySpan<float> r = projection.AsSpan();
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (double)r[i] * y[i];
        }

        return sum;
    }

    private static double Compare(Tensor values, Tensor analytic, Func<double> objective, double step, int maxChecks, RandomSource random)
    {
        Span<float> v = values.AsSpan();
        ReadOnlySpan<float> a = analytic.AsSpan();
        double largest = 0;
        foreach (float g in a)
        {
            largest = Math.Max(largest, Math.Abs(g));
        }

        double floor = Math.Max(1e-2 * largest, 1e-12);
        int checks = Math.Min(maxChecks, v.Length);
        double worst = 0;
        for (int c = 0; c < checks; c++)
        {
            int i = checks == v.Length ? c : random.NextInt(v.Length);
            float original = v[i];
            double h = step * Math.Max(1.0, Math.Abs(original));
            float plus = (float)(original + h), minus = (float)(original - h);
            v[i] = plus;
            double up = objective();
            v[i] = minus;
            double down = objective();
            v[i] = original;
            double numeric = (up - down) / ((double)plus - minus);
            double error = Math.Abs(a[i] - numeric) / Math.Max(Math.Max(Math.Abs(a[i]), Math.Abs(numeric)), floor);
            worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }

        return worst;
    }
}
