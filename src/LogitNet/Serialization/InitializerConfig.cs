using System.Text.Json;
using LogitNet.Initializers;

namespace LogitNet.Serialization;

/// <summary>
/// Initializers by Keras's class names and config keys (<c>GlorotUniform</c> with <c>{"seed": null}</c>,
/// <c>RandomNormal</c> with <c>mean</c> and <c>stddev</c>, ...), for LogitNet's config.json and for .keras files.
/// </summary>
internal static class InitializerConfig
{
    /// <summary>Keras's class name of a built-in initializer; <see cref="NotSupportedException"/> for a custom one.</summary>
    public static string ClassName(Initializer initializer, string layer, string key) => initializer switch
    {
        GlorotUniform => "GlorotUniform",
        GlorotNormal => "GlorotNormal",
        HeNormal => "HeNormal",
        HeUniform => "HeUniform",
        LecunNormal => "LecunNormal",
        Zeros => "Zeros",
        Ones => "Ones",
        RandomNormal => "RandomNormal",
        RandomUniform => "RandomUniform",
        _ => throw new NotSupportedException(
            $"Layer '{layer}' has a {initializer.GetType().Name} as {key}, which Save cannot describe (a custom initializer is code). Use one of LogitNet.Initializers to save it."),
    };

    /// <summary>Writes the keys of the initializer's <c>config</c> object (the caller opens and closes it).</summary>
    /// <param name="json">The writer, inside the config object.</param>
    /// <param name="initializer">A built-in initializer.</param>
    /// <param name="seedKey">Whether to write Keras's <c>"seed": null</c> for the random ones (Keras writes it; the layer's seed is LogitNet's).</param>
    public static void WriteSettings(Utf8JsonWriter json, Initializer initializer, bool seedKey)
    {
        // Keras 3's random initializers put their base class's "seed" before their own numbers.
        if (seedKey && initializer is not (Zeros or Ones))
        {
            json.WriteNull("seed");
        }

        switch (initializer)
        {
            case RandomNormal normal:
                json.WriteNumber("mean", normal.Mean);
                json.WriteNumber("stddev", normal.Stddev);
                break;
            case RandomUniform uniform:
                json.WriteNumber("minval", uniform.Minval);
                json.WriteNumber("maxval", uniform.Maxval);
                break;
        }
    }

    /// <summary>
    /// The initializer Keras's <paramref name="className"/> names, its numbers read by <paramref name="number"/>
    /// (null when absent: Keras's default); null for a class LogitNet does not have.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of the initializer's range.</exception>
    public static Initializer? FromKeras(string className, Func<string, float?> number) => className switch
    {
        "GlorotUniform" => new GlorotUniform(),
        "GlorotNormal" => new GlorotNormal(),
        "HeNormal" => new HeNormal(),
        "HeUniform" => new HeUniform(),
        "LecunNormal" => new LecunNormal(),
        "Zeros" => new Zeros(),
        "Ones" => new Ones(),
        "RandomNormal" => new RandomNormal(number("mean") ?? 0f, number("stddev") ?? 0.05f),
        "RandomUniform" => new RandomUniform(number("minval") ?? -0.05f, number("maxval") ?? 0.05f),
        _ => null,
    };

    /// <summary>The names <see cref="FromKeras"/> knows, for messages.</summary>
    public const string KnownText = "GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, Zeros, Ones, RandomNormal and RandomUniform";
}
