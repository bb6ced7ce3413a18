using System.Globalization;

namespace LogitNet.Initializers;

/// <summary>Uniform in [minval, maxval), as Keras's <c>RandomUniform</c> (defaults −0.05 and 0.05).</summary>
/// <example><c>new Dense(10, kernelInitializer: new RandomUniform(-0.1f, 0.1f))</c></example>
public sealed class RandomUniform : Initializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="minval">The inclusive lower bound; finite.</param>
    /// <param name="maxval">The exclusive upper bound; finite and above <paramref name="minval"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or <paramref name="maxval"/> is not above <paramref name="minval"/>.</exception>
    public RandomUniform(float minval = -0.05f, float maxval = 0.05f)
    {
        if (!float.IsFinite(minval) || !float.IsFinite(maxval) || !(maxval > minval))
        {
            throw new ArgumentOutOfRangeException(nameof(maxval), maxval,
                $"Expected finite bounds with maxval > minval; received minval = {minval}, maxval = {maxval}.");
        }

        Minval = minval;
        Maxval = maxval;
    }

    /// <summary>The inclusive lower bound.</summary>
    public float Minval { get; }

    /// <summary>The exclusive upper bound.</summary>
    public float Maxval { get; }

    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => Sampling.Uniform(values, Minval, Maxval, seed);

    /// <summary>The settings, as C# would write them.</summary>
    /// <returns>For example <c>RandomUniform(minval: -0.05, maxval: 0.05)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RandomUniform(minval: {Minval}, maxval: {Maxval})");
}
