using System.Globalization;
using LogitNet.Data;

namespace LogitNet.Cli.Training;

/// <summary>
/// Class names between data and models: which names <c>train</c> records, and how <c>evaluate</c>
/// lines a dataset's labels up with the classes a saved model knows by name.
/// </summary>
internal static class ClassNaming
{
    public const string Help =
        "Names of the classes in class-id order, comma-separated (e.g. cat,dog,bird); saved with the model so evaluate and predict show them. " +
        "Not needed when the data names its classes (a .csv with text labels; the built-in sets are named 0, 1, ...).";

    /// <summary>Whether a dataset's class names are its own (CSV text labels), not just its ids "0", "1", ...</summary>
    public static bool HasOwnNames(Dataset data) => !AreIds(data.ClassNames);

    /// <summary>Whether <paramref name="names"/> are "0", "1", ..., names that say no more than the ids.</summary>
    public static bool AreIds(IReadOnlyList<string> names)
    {
        for (int c = 0; c < names.Count; c++)
        {
            if (names[c] != Id(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The names <c>train</c> saves with the model: <paramref name="option"/> (<c>--class-names</c>) if given,
    /// else the data's own names, else the built-in set's (its ids), else none.
    /// </summary>
    public static IReadOnlyList<string>? ForTraining(Dataset train, bool builtIn, string? option, int classes)
    {
        if (option is not null)
        {
            if (HasOwnNames(train))
            {
                throw new UsageException(
                    $"--class-names: the dataset names its classes already ({Text(train.ClassNames)}); drop --class-names, or relabel the data");
            }

            return Parse(option, classes);
        }

        if (!builtIn && !HasOwnNames(train))
        {
            return null;
        }

        // A 1-unit binary model has two classes even when the training part shows only one.
        return train.ClassNames.Count >= classes ? train.ClassNames : [.. train.ClassNames, .. Enumerable.Range(train.ClassNames.Count, classes - train.ClassNames.Count).Select(Id)];
    }

    /// <summary><c>--class-names a,b,c</c>: one non-empty, distinct name per class, spaces around commas ignored.</summary>
    public static string[] Parse(string option, int classes)
    {
        string[] names = option.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != classes)
        {
            throw new UsageException(
                $"--class-names '{option}': {names.Length} {(names.Length == 1 ? "name" : "names")} for {classes} classes; give one name per class, in class-id order");
        }

        for (int i = 0; i < names.Length; i++)
        {
            if (names[i].Length == 0)
            {
                throw new UsageException($"--class-names '{option}': the name of class {i} is empty");
            }

            int first = Array.IndexOf(names, names[i]);
            if (first < i)
            {
                throw new UsageException($"--class-names '{option}': classes {first} and {i} are both named '{names[i]}'; each class needs its own name");
            }
        }

        return names;
    }

    /// <summary>
    /// The dataset with its labels renumbered as the model numbers its classes, when both name their
    /// classes: a test CSV that lacks a class numbers the others differently from the training CSV,
    /// and matching by name keeps the report right. Otherwise the ids are taken as they are.
    /// </summary>
    public static Dataset AlignToModel(Dataset samples, IReadOnlyList<string>? modelNames, int classes)
    {
        if (modelNames is null || modelNames.Count != classes || !HasOwnNames(samples))
        {
            if (samples.ClassCount > classes)
            {
                throw new CliFailureException($"the dataset has {samples.ClassCount} classes but the model predicts {classes}");
            }

            return samples;
        }

        var idOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < modelNames.Count; c++)
        {
            idOfName[modelNames[c]] = c;
        }

        int[] modelIdOf = new int[samples.ClassCount];
        for (int c = 0; c < samples.ClassCount; c++)
        {
            string name = samples.ClassNames[c];
            modelIdOf[c] = idOfName.TryGetValue(name, out int id) ? id : throw new CliFailureException(
                $"the data has class '{name}', which the model does not know; its classes are {Text(modelNames)}");
        }

        float[] labels = samples.Labels.ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = modelIdOf[(int)labels[i]];
        }

        return new Dataset(samples.Features, Tensor.FromArray(labels, labels.Length), classes, modelNames);
    }

    /// <summary>The names to show for a model's classes: its own, else the data's when they fit, else the ids.</summary>
    public static IReadOnlyList<string> ForDisplay(Sequential model, int classes, Dataset? samples = null)
    {
        if (model.ClassNames is { } names && names.Count == classes)
        {
            return names;
        }

        if (samples is not null && samples.ClassCount == classes)
        {
            return samples.ClassNames;
        }

        return Enumerable.Range(0, classes).Select(Id).ToArray();
    }

    /// <summary>Names for a message: up to ten, then how many in all; a name with a comma in quotes.</summary>
    public static string Text(IReadOnlyList<string> names)
    {
        string shown = string.Join(", ", names.Take(10).Select(n => n.Contains(',', StringComparison.Ordinal) ? $"'{n}'" : n));
        return names.Count <= 10 ? shown : shown + $", ... ({names.Count} in all)";
    }

    private static string Id(int c) => c.ToString(CultureInfo.InvariantCulture);
}
