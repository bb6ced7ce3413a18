using System.Globalization;
using Spectre.Console;

namespace LogitNet.Cli.Reports;

/// <summary>Predicted classes from probabilities, the confusion matrix and per-class precision and recall.</summary>
internal static class Classification
{
    /// <summary>Class probabilities <c>[n, classes]</c>; a 1-unit sigmoid output becomes two columns [1 - p, p].</summary>
    public static float[,] ProbabilityMatrix(Tensor probabilities)
    {
        int[] shape = probabilities.Shape;
        int n = shape[0];
        int width = probabilities.Length / Math.Max(1, n);
        float[] values = probabilities.ToArray();
        if (width == 1)
        {
            var binary = new float[n, 2];
            for (int i = 0; i < n; i++)
            {
                binary[i, 0] = 1 - values[i];
                binary[i, 1] = values[i];
            }

            return binary;
        }

        var matrix = new float[n, width];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < width; c++)
            {
                matrix[i, c] = values[i * width + c];
            }
        }

        return matrix;
    }

    /// <summary>The classes in order of decreasing probability for one row (ties: lower class first).</summary>
    public static int[] Ranked(float[,] probabilities, int row)
    {
        int classes = probabilities.GetLength(1);
        int[] order = Enumerable.Range(0, classes).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int byProbability = probabilities[row, b].CompareTo(probabilities[row, a]);
            return byProbability != 0 ? byProbability : a.CompareTo(b);
        });
        return order;
    }

    public static int[,] Confusion(float[,] probabilities, float[] labels, int classes)
    {
        var matrix = new int[classes, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            matrix[(int)labels[i], Ranked(probabilities, i)[0]]++;
        }

        return matrix;
    }

    public static Table ConfusionTable(int[,] matrix, IReadOnlyList<string> names)
    {
        int classes = matrix.GetLength(0);
        var table = new Table();
        table.AddColumn(new TableColumn("true \\ pred"));
        for (int c = 0; c < classes; c++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(names[c])).RightAligned());
        }

        for (int t = 0; t < classes; t++)
        {
            var row = new List<string> { Markup.Escape(names[t]) };
            for (int p = 0; p < classes; p++)
            {
                string count = matrix[t, p].ToString(CultureInfo.InvariantCulture);
                row.Add(t == p ? $"[green]{count}[/]" : matrix[t, p] == 0 ? $"[grey]{count}[/]" : $"[red]{count}[/]");
            }

            table.AddRow(row.ToArray());
        }

        return table;
    }

    public static Table PrecisionRecallTable(int[,] matrix, IReadOnlyList<string> names)
    {
        int classes = matrix.GetLength(0);
        var table = new Table();
        table.AddColumn("class");
        table.AddColumn(new TableColumn("precision").RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        table.AddColumn(new TableColumn("f1").RightAligned());
        table.AddColumn(new TableColumn("support").RightAligned());
        for (int c = 0; c < classes; c++)
        {
            int truePositives = matrix[c, c];
            int predicted = 0, actual = 0;
            for (int k = 0; k < classes; k++)
            {
                predicted += matrix[k, c];
                actual += matrix[c, k];
            }

            double precision = predicted == 0 ? double.NaN : (double)truePositives / predicted;
            double recall = actual == 0 ? double.NaN : (double)truePositives / actual;
            double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : double.NaN;
            table.AddRow(Markup.Escape(names[c]), Format(precision), Format(recall), Format(f1), actual.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
