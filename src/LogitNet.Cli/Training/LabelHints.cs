using LogitNet.Data;

namespace LogitNet.Cli.Training;

/// <summary>Common mistakes in the labels of a data file, said plainly rather than left to a wrong class count.</summary>
internal static class LabelHints
{
    /// <summary>
    /// Labels that are class ids from 1 to K, with no 0: they make K + 1 classes, class 0 empty. When the
    /// output has K units the user meant K classes numbered from 1, so that is refused with the fix; with
    /// K + 1 units it trains (class 0 is never predicted) and a note says so.
    /// </summary>
    public static void CheckNumberedFromOne(Dataset train, Dataset test, int outputUnits, string layers, TextWriter notes)
    {
        // Text labels are numbered from 0 by LogitNet itself; only numeric ids can skip 0.
        if (!ClassNaming.AreIds(train.ClassNames) || train.Count == 0)
        {
            return;
        }

        float smallest = Math.Min(train.Labels.AsSpan().ToArray().Min(), test.Count == 0 ? float.MaxValue : test.Labels.AsSpan().ToArray().Min());
        if (smallest < 1)
        {
            return;
        }

        int classes = train.ClassCount;
        string what = $"the labels run from {smallest} to {classes - 1} and none is 0, but class ids start at 0, so they make {classes} classes with class 0 empty";
        if (outputUnits == classes - 1)
        {
            throw new UsageException($"{what}; number the classes from 0 (subtract 1 from every label) and keep --layers '{layers}', or give the labels as text");
        }

        notes.WriteLine($"Note: {what} (it is never predicted). If the classes are numbered from 1, subtract 1 from every label.");
    }
}
