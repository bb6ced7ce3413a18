using System.Globalization;

namespace LogitNet.Initializers;

/// <summary>A normal distribution with a fixed mean and standard deviation, as Keras's <c>RandomNormal</c> (defaults 0 and 0.05).</summary>
/// <example><c>new Dense(10, kernelInitializer: new RandomNormal(stddev: 0.01f))</c></example>
public sealed class RandomNormal : Initializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="mean">The mean; finite.</param>
    /// <param name="stddev">The standard deviation; finite and non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite, or the standard deviation is negative or not finite.</exception>
    public RandomNormal(float mean = 0f, float stddev = 0.05f)
    {
        if (!float.IsFinite(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "Expected a finite mean, such as 0.");
        }

        if (!float.IsFinite(stddev) || stddev < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "Expected a finite, non-negative standard deviation, such as 0.05.");
        }

        Mean = mean;
        Stddev = stddev;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation.</summary>
    public float Stddev { get; }

    /// <inheritdoc/>
    protected override void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed) => Sampling.Normal(values, Mean, Stddev, seed);

    /// <summary>The settings, as C# would write them.</summary>
    /// <returns>For example <c>RandomNormal(mean: 0, stddev: 0.05)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RandomNormal(mean: {Mean}, stddev: {Stddev})");
}
