using System.Globalization;
using LogitNet.Losses;
using Spectre.Console;

namespace LogitNet.Cli.Audit;

/// <summary>Runs the library's ops and losses on the adversarial inputs and keeps the worst error in ulps per operation.</summary>
internal static class AuditRunner
{
    /// <summary>The bar the library promises: within 1 ulp of the exact value.</summary>
    public const double Bar = 1.0;

    public static IReadOnlyList<AuditResult> Run(int seed)
    {
        float[] scalars = AuditInputs.Scalars(seed);
        float[] finite = scalars.Where(float.IsFinite).ToArray();
        float[] withInfinities = [.. finite, float.PositiveInfinity, float.NegativeInfinity];
        Dictionary<int, List<float[]>> rows = AuditInputs.Rows(seed);
        var results = new List<AuditResult>();

        results.Add(Elementwise("Ops.Sigmoid", withInfinities, x => Ops.Sigmoid(x), Reference.Sigmoid));
        results.Add(Elementwise("Ops.Softplus", withInfinities, x => Ops.Softplus(x), Reference.Softplus));
        results.Add(RowWise("Ops.Softmax", rows, x => Ops.Softmax(x), z => Reference.Softmax(z)));
        results.Add(RowWise("Ops.LogSoftmax", rows, x => Ops.LogSoftmax(x), z => Reference.LogSoftmax(z)));
        results.Add(LogSumExp(rows));
        results.Add(BinaryFromLogits(finite, [0f, 1f], gradient: false, "BinaryCrossentropy(fromLogits), y in {0, 1}"));
        results.Add(BinaryFromLogits(finite, [2.98e-8f, 0.1f, 0.5f, 0.9f, 1 - 5.9604645e-8f], gradient: false, "BinaryCrossentropy(fromLogits), soft y"));
        results.Add(BinaryFromLogits(finite, [0f, 1f], gradient: true, "BinaryCrossentropy(fromLogits) gradient"));
        results.Add(BinaryFromProbabilities(AuditInputs.Probabilities(seed)));
        results.Add(SoftmaxCrossEntropy(rows, gradient: false, categorical: false));
        results.Add(SoftmaxCrossEntropy(rows, gradient: true, categorical: false));
        results.Add(SoftmaxCrossEntropy(rows, gradient: false, categorical: true));
        return results;
    }

    public static Table Table(IReadOnlyList<AuditResult> results)
    {
        var table = new Table { Title = new TableTitle("Worst error against an exact reference, in float32 ulps (bar: 1 ulp)") };
        table.AddColumn("operation");
        table.AddColumn(new TableColumn("cases").RightAligned());
        table.AddColumn(new TableColumn("worst (ulps)").RightAligned());
        table.AddColumn(new TableColumn("> 1 ulp").RightAligned());
        table.AddColumn(new TableColumn("NaN/inf where finite").RightAligned());
        table.AddColumn("worst case");
        foreach (AuditResult r in results)
        {
            bool ok = r.Worst <= Bar;
            string worst = double.IsInfinity(r.Worst) ? "inf" : r.Worst.ToString(r.Worst < 1000 ? "0.000" : "0.0E+0", CultureInfo.InvariantCulture);
            table.AddRow(
                Markup.Escape(r.Operation),
                r.Cases.ToString(CultureInfo.InvariantCulture),
                ok ? worst : $"[red]{worst}[/]",
                r.AboveBar.ToString(CultureInfo.InvariantCulture),
                r.NonFinite.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(r.WorstCase));
        }

        return table;
    }

    private static AuditResult Elementwise(string name, float[] inputs, Func<Tensor, Tensor> op, Func<double, double> exact)
    {
        float[] output = op(Tensor.FromArray(inputs, inputs.Length)).ToArray();
        var tally = new Tally(name);
        for (int i = 0; i < inputs.Length; i++)
        {
            tally.Add(output[i], exact(inputs[i]), () => $"x = {F(inputs[i])}");
        }

        return tally.Result();
    }

    private static AuditResult RowWise(string name, Dictionary<int, List<float[]>> rows, Func<Tensor, Tensor> op, Func<float[], double[]> exact)
    {
        var tally = new Tally(name);
        foreach ((int width, List<float[]> group) in rows)
        {
            float[] output = op(Tensor.FromArray(group.SelectMany(r => r).ToArray(), group.Count, width)).ToArray();
            for (int r = 0; r < group.Count; r++)
            {
                double[] expected = exact(group[r]);
                for (int j = 0; j < width; j++)
                {
                    float[] row = group[r];
                    int column = j;
                    tally.Add(output[r * width + j], expected[j], () => $"{Row(row)}, entry {column}");
                }
            }
        }

        return tally.Result();
    }

    private static AuditResult LogSumExp(Dictionary<int, List<float[]>> rows)
    {
        var tally = new Tally("Ops.LogSumExp");
        foreach ((int width, List<float[]> group) in rows)
        {
            float[] output = Ops.LogSumExp(Tensor.FromArray(group.SelectMany(r => r).ToArray(), group.Count, width)).ToArray();
            for (int r = 0; r < group.Count; r++)
            {
                (double value, double bound) = Reference.LogSumExp(group[r]);
                // max + log Σ cancels when the maximum is negative and close to -log Σ; the double
                // reference is then not exact enough to judge a float32 result, so the case is left out.
                if (bound > 1e-3 * Math.ScaleB(1.0, -24))
                {
                    tally.Skip();
                    continue;
                }

                float[] row = group[r];
                tally.Add(output[r], value, () => Row(row));
            }
        }

        return tally.Result();
    }

    private static AuditResult BinaryFromLogits(float[] logits, float[] labels, bool gradient, string name)
    {
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        var tally = new Tally(name);
        foreach (float y in labels)
        {
            Tensor yTrue = Tensor.Full(y, logits.Length, 1);
            Tensor yPred = Tensor.FromArray(logits, logits.Length, 1);
            float[] output = (gradient ? loss.Gradient(yTrue, yPred) : loss.Call(yTrue, yPred)).ToArray();
            for (int i = 0; i < logits.Length; i++)
            {
                double exact = gradient ? Reference.BinaryFromLogitGradient(y, logits[i]) : Reference.BinaryFromLogit(y, logits[i]);
                int index = i;
                tally.Add(output[i], exact, () => $"y = {F(y)}, z = {F(logits[index])}");
            }
        }

        return tally.Result();
    }

    private static AuditResult BinaryFromProbabilities(float[] probabilities)
    {
        var loss = new BinaryCrossentropy(fromLogits: false, reduction: Reduction.None);
        var tally = new Tally("BinaryCrossentropy(probabilities)");
        foreach (float y in new[] { 0f, 1f, 0.3f })
        {
            float[] output = loss.Call(Tensor.Full(y, probabilities.Length, 1), Tensor.FromArray(probabilities, probabilities.Length, 1)).ToArray();
            for (int i = 0; i < probabilities.Length; i++)
            {
                int index = i;
                tally.Add(output[i], Reference.BinaryFromProbability(y, probabilities[i]), () => $"y = {F(y)}, p = {F(probabilities[index])}");
            }
        }

        return tally.Result();
    }

    private static AuditResult SoftmaxCrossEntropy(Dictionary<int, List<float[]>> rows, bool gradient, bool categorical)
    {
        string name = categorical ? "CategoricalCrossentropy(fromLogits), one-hot"
            : gradient ? "SparseCategoricalCrossentropy(fromLogits) gradient" : "SparseCategoricalCrossentropy(fromLogits)";
        Loss loss = categorical
            ? new CategoricalCrossentropy(fromLogits: true, reduction: Reduction.None)
            : new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var tally = new Tally(name);
        foreach ((int width, List<float[]> group) in rows)
        {
            // Every finite class of every row as the label (a masked class as the label has an infinite loss).
            var cases = group.SelectMany(row => Enumerable.Range(0, width).Where(j => float.IsFinite(row[j])).Select(j => (Row: row, Label: j))).ToArray();
            Tensor logits = Tensor.FromArray(cases.SelectMany(c => c.Row).ToArray(), cases.Length, width);
            Tensor targets = categorical
                ? Tensor.FromArray(cases.SelectMany(c => Enumerable.Range(0, width).Select(j => j == c.Label ? 1f : 0f)).ToArray(), cases.Length, width)
                : Tensor.FromArray(cases.Select(c => (float)c.Label).ToArray(), cases.Length);
            float[] output = (gradient ? loss.Gradient(targets, logits) : loss.Call(targets, logits)).ToArray();
            for (int i = 0; i < cases.Length; i++)
            {
                (float[] row, int label) = cases[i];
                if (gradient)
                {
                    double[] exact = Reference.SoftmaxCrossEntropyGradient(row, label);
                    for (int j = 0; j < width; j++)
                    {
                        int column = j;
                        tally.Add(output[i * width + j], exact[j], () => $"{Row(row)}, label {label}, entry {column}");
                    }
                }
                else
                {
                    tally.Add(output[i], Reference.SoftmaxCrossEntropy(row, label), () => $"{Row(row)}, label {label}");
                }
            }
        }

        return tally.Result();
    }

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Row(float[] row) =>
        row.Length <= 5 ? "[" + string.Join(", ", row.Select(F)) + "]" : $"[{F(row[0])}, {F(row[1])}, ... ({row.Length} logits)]";

    private sealed class Tally(string operation)
    {
        private int _cases, _aboveBar, _nonFinite, _skipped;
        private double _worst = -1;
        private string _worstCase = "";

        public void Add(float computed, double exact, Func<string> describe)
        {
            _cases++;
            double error = Ulps.Error(computed, exact);
            if (!float.IsFinite(computed) && double.IsFinite(exact) && Math.Abs(exact) < float.MaxValue)
            {
                _nonFinite++;
            }

            if (error > Bar)
            {
                _aboveBar++;
            }

            if (error > _worst)
            {
                _worst = error;
                _worstCase = $"{describe()}: got {computed.ToString("R", CultureInfo.InvariantCulture)}, exact {exact.ToString("R", CultureInfo.InvariantCulture)}";
            }
        }

        public void Skip() => _skipped++;

        public AuditResult Result() => new(operation, _cases, Math.Max(0, _worst), _aboveBar, _nonFinite, _skipped, _worstCase);
    }
}
