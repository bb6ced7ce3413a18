using System.Globalization;

namespace LogitNet.Cli.Training;

/// <summary>
/// <c>--test-split</c> and <c>--validation-split</c>: their ranges, checked before any data is read, and the parts they
/// leave, checked as soon as the data are counted. A fraction that leaves a part empty is a usage error naming the
/// option and the fractions that work for the data; the library would refuse it later in its own words
/// (<c>testFraction</c>, <c>validationSplit</c>) with exit 1, <c>Fit</c>'s only after loading and compiling.
/// </summary>
internal static class SplitOptions
{
    /// <summary>The range of <c>--test-split</c>, checked before the data is read.</summary>
    public static void CheckTestFraction(double testSplit)
    {
        if (!(testSplit > 0 && testSplit < 1))
        {
            throw new UsageException(Text($"--test-split {testSplit}: expected a fraction in (0, 1), e.g. 0.2"));
        }
    }

    /// <summary>The range of <c>--validation-split</c>, checked before the data is read.</summary>
    public static void CheckValidationFraction(double validationSplit)
    {
        if (!(validationSplit >= 0 && validationSplit < 1))
        {
            throw new UsageException(Text($"--validation-split {validationSplit}: expected a fraction in [0, 1), e.g. 0.1"));
        }
    }

    /// <summary>
    /// That <c>--test-split</c> leaves a training and a test part of <paramref name="samples"/>, by the rule of
    /// <see cref="Data.Dataset.Split"/>: the test part takes ⌈fraction · samples⌉.
    /// </summary>
    public static void CheckTestSplit(double testSplit, int samples, string data)
    {
        int testCount = (int)Math.Ceiling(testSplit * samples);
        if (testCount >= 1 && testCount < samples)
        {
            return;
        }

        if (samples < 2)
        {
            throw new UsageException(Text($"--test-split {testSplit}: {data} holds {Samples(samples, "sample")}; a training and a test part need at least 2"));
        }

        // Any fraction up to (n - 1)/n leaves a training sample; shown rounded down, so the bound given works.
        throw new UsageException(Text(
            $"--test-split {testSplit} of the {samples} samples of {data} leaves {samples - testCount} for training and {testCount} for testing; both need at least one: expected a fraction in (0, {RoundedDown((samples - 1) / (double)samples)}] for {samples} samples, e.g. 0.2"));
    }

    /// <summary>
    /// That <c>--validation-split</c> leaves a part to train on and one to validate on of the <paramref name="trainSamples"/>
    /// the test split left, by the rule of <see cref="Sequential.Fit"/>: training keeps ⌊samples · (1 − fraction)⌋.
    /// </summary>
    public static void CheckValidationSplit(double validationSplit, int trainSamples, string? testSplitNote)
    {
        if (validationSplit == 0)
        {
            return;
        }

        int trainCount = (int)(trainSamples * (1 - validationSplit));
        if (trainCount > 0 && trainCount < trainSamples)
        {
            return;
        }

        string of = $"of the {Samples(trainSamples, "training sample")}" + (testSplitNote is null ? "" : $" ({testSplitNote})");
        if (trainCount == trainSamples)
        {
            throw new UsageException(Text(
                $"--validation-split {validationSplit} {of} holds none out for validation: expected 0 (no validation) or a fraction such as 0.1"));
        }

        // Any fraction up to (n - 1)/n keeps a sample to train on; shown rounded down, so the bound given works.
        string expected = trainSamples < 2
            ? "one training sample cannot be split: pass --validation-split 0 (no validation)" + (testSplitNote is null ? "" : ", or a smaller --test-split")
            : $"expected 0 (no validation) or a fraction in (0, {RoundedDown((trainSamples - 1) / (double)trainSamples)}] for {trainSamples} training samples";
        throw new UsageException(Text($"--validation-split {validationSplit} {of} leaves none to train on; {expected}"));
    }

    private static string Samples(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static double RoundedDown(double fraction) => Math.Floor(fraction * 10_000) / 10_000;

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
