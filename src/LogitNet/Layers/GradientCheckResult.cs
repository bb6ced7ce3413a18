namespace LogitNet.Layers;

/// <summary>The outcome of <see cref="GradientCheck.Run"/>: the largest relative error per checked tensor.</summary>
/// <param name="InputError">The largest error of dL/d(input).</param>
/// <param name="ParameterErrors">The largest error of each parameter's gradient, by parameter name.</param>
public sealed record GradientCheckResult(double InputError, IReadOnlyDictionary<string, double> ParameterErrors)
{
    /// <summary>The largest error over the input and all parameters.</summary>
    public double MaxError => ParameterErrors.Values.Append(InputError).Max();

    /// <summary>The errors, one per line.</summary>
    /// <returns>For example <c>input: 3.1e-05; dense/kernel: 2.2e-05; dense/bias: 1.0e-06</c>.</returns>
    public override string ToString() =>
        string.Join("; ", new[] { $"input: {InputError:0.0e+00}" }.Concat(ParameterErrors.Select(e => $"{e.Key}: {e.Value:0.0e+00}")));
}
