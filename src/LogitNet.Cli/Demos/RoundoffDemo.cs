using System.Globalization;
using LogitNet.Losses;
using Spectre.Console;

namespace LogitNet.Cli.Demos;

/// <summary>
/// The course's demonstration with numbers: rounding in a subtraction, then the two-step loss
/// (probabilities first, then −log p, in float32) against the library's fused loss from logits.
/// </summary>
internal static class RoundoffDemo
{
    private static readonly float[] s_logits = [1, 10, 20, 30, 50, 100, 1000, 10000];

    public static void Run()
    {
        Cancellation();
        AnsiConsole.WriteLine();
        Binary();
        AnsiConsole.WriteLine();
        Softmax();
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine("The two-step loss rounds the probability to float32 first: p = 1 - 1e-13 is stored as 1, so -log p = 0 (the");
        AnsiConsole.MarkupLine("loss and its gradient vanish), and p = e^-1000 is stored as 0, so -log p = +inf; 0 * log 0 in the textbook");
        AnsiConsole.MarkupLine("formula gives NaN. The fused losses never form p: they compute log1p(exp(-|z|)) and the logsumexp from the");
        AnsiConsole.MarkupLine("logits in double and round once, so every value above is the float32 nearest the exact one.");
    }

    /// <summary>2/10000 against 1 + 1/10000 − (1 − 1/10000): the same number, but the second form cancels.</summary>
    private static void Cancellation()
    {
        AnsiConsole.MarkupLine("[bold]1. Rounding before a subtraction[/]: x = 2/10000 and x = (1 + 1/10000) - (1 - 1/10000) are the same number.");
        float ten = 10000f;
        double tenD = 10000.0;
        var rows = new (string Type, string Formula, double Value)[]
        {
            ("float32", "2 / 10000", 2f / ten),
            ("float32", "1 + 1/10000 - (1 - 1/10000)", (1f + 1f / ten) - (1f - 1f / ten)),
            ("float64", "2 / 10000", 2.0 / tenD),
            ("float64", "1 + 1/10000 - (1 - 1/10000)", (1.0 + 1.0 / tenD) - (1.0 - 1.0 / tenD)),
        };
        var table = new Table();
        table.AddColumn("type");
        table.AddColumn("formula");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddColumn(new TableColumn("relative error").RightAligned());
        foreach ((string type, string formula, double value) in rows)
        {
            table.AddRow(type, formula,
                type == "float32" ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture),
                (Math.Abs(value - 2e-4) / 2e-4).ToString("0.0E+0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("1 + 1/10000 is rounded to the nearest float (about 1e-7 apart near 1); the subtraction then keeps only that rounding");
        AnsiConsole.MarkupLine("noise: 4 of float32's 7 digits are lost. A probability near 1 fed to log(p) suffers the same loss.");
    }

    /// <summary>Sigmoid then −y·log p − (1−y)·log(1−p), against BinaryCrossentropy(fromLogits: true).</summary>
    private static void Binary()
    {
        AnsiConsole.MarkupLine("[bold]2. Binary cross-entropy of a logit z[/]: two-step p = Ops.Sigmoid(z), L = -y log p - (1-y) log(1-p) in float32,");
        AnsiConsole.MarkupLine("against BinaryCrossentropy(fromLogits: true). Exact: y = 1 gives log1p(e^-z), y = 0 gives z + log1p(e^-z).");
        var fused = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        var table = LossTable();
        foreach (float label in new[] { 1f, 0f })
        {
            foreach (float z in s_logits)
            {
                Tensor logit = Tensor.FromArray([z], 1, 1);
                Tensor y = Tensor.FromArray([label], 1, 1);
                float p = Ops.Sigmoid(logit).ToScalar();
                float twoStep = -label * MathF.Log(p) - (1 - label) * MathF.Log(1 - p);
                float fusedLoss = fused.Call(y, logit).ToScalar();
                // log1p(e^-z) = e^-z (1 - e^-z/2 + ...): for z > 40 its logarithm is -z to double precision.
                ExactValue exact = label == 1
                    ? (z > 40 ? new ExactValue(-z) : ExactValue.Of(Log1pExp(-z)))
                    : ExactValue.Of(z + Log1pExp(-z));
                AddRow(table, label == 1 ? "y = 1 (right)" : "y = 0 (wrong)", z, exact, twoStep, fusedLoss);
            }
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Softmax then −Σ y_j log p_j (one-hot y), against SparseCategoricalCrossentropy(fromLogits: true), for logits [z, 0, 0].</summary>
    private static void Softmax()
    {
        AnsiConsole.MarkupLine("[bold]3. Softmax cross-entropy of logits [[z, 0, 0]][/]: two-step p = Ops.Softmax(z), L = -sum_j y_j log p_j (one-hot y) in float32,");
        AnsiConsole.MarkupLine("against SparseCategoricalCrossentropy(fromLogits: true). Exact: label 0 gives log1p(2e^-z), label 1 gives z + log1p(2e^-z).");
        var fused = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var table = LossTable();
        foreach (int label in new[] { 0, 1 })
        {
            foreach (float z in s_logits)
            {
                Tensor logits = Tensor.FromArray([z, 0f, 0f], 1, 3);
                float[] p = Ops.Softmax(logits).ToArray();
                float twoStep = 0;
                for (int j = 0; j < 3; j++)
                {
                    float target = j == label ? 1f : 0f;
                    twoStep -= target * MathF.Log(p[j]);
                }

                float fusedLoss = fused.Call(Tensor.FromArray([(float)label], 1), logits).ToScalar();
                ExactValue exact = label == 0
                    ? (z > 40 ? new ExactValue(Math.Log(2) - z) : ExactValue.Of(Log1pExp(Math.Log(2) - z)))
                    : ExactValue.Of(z + Log1pExp(Math.Log(2) - z));
                AddRow(table, label == 0 ? "label 0 (right)" : "label 1 (wrong)", z, exact, twoStep, fusedLoss);
            }
        }

        AnsiConsole.Write(table);
    }

    /// <summary>log(1 + e^x) in double, accurate for x ≤ 0: log1p of a value in (0, 1].</summary>
    private static double Log1pExp(double x)
    {
        double e = Math.Exp(x);
        // log1p without the platform's log(1 + e), which loses e when it is below 1e-16.
        double u = 1 + e;
        return u == 1 ? e : Math.Log(u) * e / (u - 1);
    }

    private static Table LossTable()
    {
        var table = new Table();
        table.AddColumn("case");
        table.AddColumn(new TableColumn("z").RightAligned());
        table.AddColumn(new TableColumn("exact").RightAligned());
        table.AddColumn(new TableColumn("two-step").RightAligned());
        table.AddColumn(new TableColumn("rel. error").RightAligned());
        table.AddColumn(new TableColumn("fused (LogitNet)").RightAligned());
        table.AddColumn(new TableColumn("rel. error").RightAligned());
        return table;
    }

    private static void AddRow(Table table, string label, float z, ExactValue exact, float twoStep, float fused)
    {
        (string twoStepError, bool twoStepOk) = exact.RelativeError(twoStep);
        (string fusedError, bool fusedOk) = exact.RelativeError(fused);
        table.AddRow(
            label,
            z.ToString("G", CultureInfo.InvariantCulture),
            exact.Text(),
            Color(twoStep.ToString("G8", CultureInfo.InvariantCulture), twoStepOk),
            Color(twoStepError, twoStepOk),
            Color(fused.ToString("G8", CultureInfo.InvariantCulture), fusedOk),
            Color(fusedError, fusedOk));
    }

    /// <summary>Red for a value more than 1 ulp from the exact one (NaN, infinite and zeroed included).</summary>
    private static string Color(string text, bool withinOneUlp) =>
        withinOneUlp ? Markup.Escape(text) : $"[red]{Markup.Escape(text)}[/]";
}
