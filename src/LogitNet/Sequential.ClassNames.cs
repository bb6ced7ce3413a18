using System.Collections.ObjectModel;

namespace LogitNet;

public sealed partial class Sequential
{
    private ReadOnlyCollection<string>? _classNames;

    /// <summary>
    /// The names of the classes the model predicts, index = class id (<c>ClassNames[2]</c> names output 2),
    /// or null (the default) when the classes are known by their ids only. Saved by <see cref="Save"/>
    /// and restored by <see cref="Load"/>; <see cref="ExportOnnx"/> writes them as the ONNX model's
    /// metadata <c>class_names</c> (a JSON array of strings).
    /// </summary>
    /// <remarks>
    /// <para>
    /// One name per output unit: as many names as the last layer has units, or two for a 1-unit binary
    /// output (name 0 for label 0, name 1 for label 1). The count is checked when the property is set on a
    /// built model and again when the model is built, so a list that does not fit the output never goes
    /// unnoticed. Names must be non-empty and distinct. The list is copied when set.
    /// </para>
    /// <para>
    /// The names are labels for people and tools; nothing in training or prediction reads them.
    /// Models saved before this property existed load with <c>ClassNames == null</c>.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">On set: a name is null, empty or repeated, or the model is built and the
    /// number of names does not match its output (the message says how many it needs).</exception>
    /// <example>
    /// <code>
    /// Dataset iris = Csv.ReadDataset("iris.csv", labelColumn: "species");
    /// var model = new Sequential(new Dense(8, Activation.Relu), new Dense(3, Activation.Linear))
    /// {
    ///     ClassNames = iris.ClassNames,                // ["setosa", "versicolor", "virginica"]
    /// };
    /// // ... Compile, Fit, model.Save("iris.logitnet"); later, in another program:
    /// Sequential loaded = Sequential.Load("iris.logitnet");
    /// float[] row = loaded.PredictProba(sample).ToArray();   // [0.01, 0.12, 0.87]
    /// int id = Array.IndexOf(row, row.Max());                  // 2
    /// string name = loaded.ClassNames?[id] ?? id.ToString();  // "virginica"
    /// </code>
    /// </example>
    public IReadOnlyList<string>? ClassNames
    {
        get => _classNames;
        set
        {
            if (value is null)
            {
                _classNames = null;
                return;
            }

            string[] names = value.ToArray();
            if (ClassNamesProblem(names, IsBuilt ? OutputUnits() : null) is string problem)
            {
                throw new ArgumentException($"ClassNames: {problem}", nameof(value));
            }

            _classNames = Array.AsReadOnly(names);
        }
    }

    /// <summary>Checks <see cref="ClassNames"/> against the built output; called at the end of <see cref="Build"/>.</summary>
    private void CheckClassNamesFitOutput()
    {
        if (_classNames is not null && ClassNamesProblem(_classNames, OutputUnits()) is string problem)
        {
            throw new InvalidOperationException($"The model's ClassNames do not fit its output layer '{_layers[^1].Name}': {problem}");
        }
    }

    /// <summary>The width of the built output's last axis, where the classes are.</summary>
    private int OutputUnits()
    {
        ReadOnlySpan<int> shape = _layers[^1].OutputShapeSpan;
        return shape.Length == 0 ? 1 : shape[^1];
    }

    /// <summary>
    /// What is wrong with <paramref name="names"/> as class names for an output of
    /// <paramref name="outputUnits"/> units (null: not known yet), or null when nothing is.
    /// Shared by the property, <see cref="Build"/> and the model loader, which wrap it in their own exception.
    /// </summary>
    internal static string? ClassNamesProblem(IReadOnlyList<string?> names, int? outputUnits)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            string? name = names[i];
            if (string.IsNullOrEmpty(name))
            {
                return $"the name of class {i} is {(name is null ? "null" : "empty")}; give every class a non-empty name, or set ClassNames to null.";
            }

            if (!seen.TryAdd(name, i))
            {
                return $"classes {seen[name]} and {i} are both named '{name}'; each class needs its own name.";
            }
        }

        if (outputUnits is int units)
        {
            int expected = units == 1 ? 2 : units;
            if (names.Count != expected)
            {
                string output = units == 1 ? "a 1-unit (binary) output, whose two classes are labels 0 and 1" : $"an output of {units} units";
                return $"received {names.Count} {(names.Count == 1 ? "name" : "names")} for {output}; expected {expected}, one per class in class-id order.";
            }
        }

        return null;
    }
}
