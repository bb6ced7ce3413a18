using System.Globalization;
using System.Text;
using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// Prints a Keras-style table of the layers (name and type, output shape, parameter count, with
    /// totals) to <see cref="Log"/> (the console unless replaced), as Keras's <c>model.summary()</c>.
    /// </summary>
    /// <param name="writer">Where to print instead of <see cref="Log"/>, or null.</param>
    /// <remarks>
    /// Shapes show <c>None</c> for the batch axis. Layers not yet built show <c>?</c>: put an
    /// <see cref="Input"/> first, call <see cref="Build"/>, or fit once to see them. For the text
    /// itself, use <see cref="SummaryText"/>. Once the optimizer has taken a step, an <c>Optimizer params</c> line counts
    /// its variables (step count, learning rate unless scheduled, slots for the trainable parameters) and the total
    /// includes them, as in Keras.
    /// </remarks>
    /// <example><c>model.Summary();</c></example>
    public void Summary(TextWriter? writer = null) => (writer ?? Log).WriteLine(SummaryText());

    /// <summary>The table that <see cref="Summary"/> prints, as text.</summary>
    /// <returns>The table, lines separated by <see cref="Environment.NewLine"/>, without a final line break.</returns>
    public string SummaryText()
    {
        BuildFromInputLayer();

        var rows = new List<(string Layer, string Shape, string Parameters)>();
        long total = 0, trainable = 0;
        foreach (Layer layer in _layers)
        {
            string shape = layer.IsBuilt ? "(None, " + string.Join(", ", layer.OutputShape) + ")" : "?";
            long count = layer.ParameterCount;
            total += count;
            trainable += layer.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Value.Length);
            rows.Add(($"{layer.Name} ({layer.GetType().Name})", shape, layer.IsBuilt ? count.ToString("N0", CultureInfo.InvariantCulture) : "?"));
        }

        string[] headers = ["Layer (type)", "Output Shape", "Param #"];
        int w0 = Math.Max(headers[0].Length, rows.Select(r => r.Layer.Length).DefaultIfEmpty(0).Max()) + 2;
        int w1 = Math.Max(headers[1].Length, rows.Select(r => r.Shape.Length).DefaultIfEmpty(0).Max()) + 2;
        int w2 = Math.Max(headers[2].Length, rows.Select(r => r.Parameters.Length).DefaultIfEmpty(0).Max()) + 2;

        var text = new StringBuilder();
        text.AppendLine("Model: \"sequential\"");
        text.AppendLine($"┏{new string('━', w0)}┳{new string('━', w1)}┳{new string('━', w2)}┓");
        text.AppendLine($"┃ {headers[0].PadRight(w0 - 1)}┃ {headers[1].PadRight(w1 - 1)}┃ {headers[2].PadLeft(w2 - 2)} ┃");
        text.AppendLine($"┡{new string('━', w0)}╇{new string('━', w1)}╇{new string('━', w2)}┩");
        foreach ((string layer, string shape, string parameters) in rows)
        {
            text.AppendLine($"│ {layer.PadRight(w0 - 1)}│ {shape.PadRight(w1 - 1)}│ {parameters.PadLeft(w2 - 2)} │");
        }

        text.AppendLine($"└{new string('─', w0)}┴{new string('─', w1)}┴{new string('─', w2)}┘");
        (long optimizerCount, long optimizerBytes)? optimizer = OptimizerVariables();
        long allCount = total + (optimizer?.optimizerCount ?? 0), allBytes = total * sizeof(float) + (optimizer?.optimizerBytes ?? 0);
        text.AppendLine($" Total params: {allCount.ToString("N0", CultureInfo.InvariantCulture)} ({FormatBytes(allBytes)})");
        text.AppendLine($" Trainable params: {trainable.ToString("N0", CultureInfo.InvariantCulture)} ({FormatBytes(trainable * sizeof(float))})");
        text.Append($" Non-trainable params: {(total - trainable).ToString("N0", CultureInfo.InvariantCulture)} ({FormatBytes((total - trainable) * sizeof(float))})");
        if (optimizer is { } built)
        {
            text.AppendLine();
            text.Append($" Optimizer params: {built.optimizerCount.ToString("N0", CultureInfo.InvariantCulture)} ({FormatBytes(built.optimizerBytes)})");
        }

        return text.ToString();
    }

    /// <summary>
    /// The values the optimizer holds once it has taken a step, as Keras's summary counts <c>optimizer.variables</c>: its step
    /// count (an int64), its learning rate unless a schedule gives it (a float), and its slots for the trainable parameters
    /// (Adam's two moments each). Null before the first step, when Keras prints no such line.
    /// </summary>
    private (long Count, long Bytes)? OptimizerVariables()
    {
        if (_compiled?.Optimizer is not { BoundParameters: { } bound } optimizer)
        {
            return null;
        }

        long slotValues = 0;
        foreach ((_, Tensor[] values) in optimizer.Slots)
        {
            for (int i = 0; i < values.Length && i < bound.Count; i++)
            {
                slotValues += bound[i].Trainable ? values[i].Length : 0;
            }
        }

        bool rateVariable = optimizer.Schedule is null;
        return (1 + (rateVariable ? 1 : 0) + slotValues, sizeof(long) + (rateVariable ? sizeof(float) : 0) + slotValues * sizeof(float));
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " MB",
    };
}
