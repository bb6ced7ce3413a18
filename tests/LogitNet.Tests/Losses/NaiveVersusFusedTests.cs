using System.Globalization;
using System.Text;
using LogitNet.Losses;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.Losses;

/// <summary>
/// The two-step computation (sigmoid or softmax, then log, in float32, as frameworks do) beside the fused
/// one, on the shared exact cases: shows with numbers where the two-step one fails. The table it prints
/// is docs/from-logits.md's; with LOGITNET_UPDATE_DOCS=1 the test rewrites that table in place.
/// </summary>
public class NaiveVersusFusedTests(ITestOutputHelper output)
{
    private const float KerasEpsilon = 1e-7f;

    /// <summary>Error counts of one method on one family, for the table.</summary>
    private sealed class Row(string family, string method)
    {
        public string Family { get; } = family;

        public string Method { get; } = method;

        public int LossCount { get; private set; }

        public int LossOver { get; private set; }

        public int LossBad { get; private set; }

        public double LossMax { get; private set; }

        public int GradientCount { get; private set; }

        public int GradientOver { get; private set; }

        public int GradientBad { get; private set; }

        public double GradientMax { get; private set; }

        public void Loss(float computed, double exact)
        {
            double e = UlpMetric.Error(computed, exact);
            LossCount++;
            LossMax = Math.Max(LossMax, e);
            LossOver += e > 1 ? 1 : 0;
            LossBad += Bad(computed, exact) ? 1 : 0;
        }

        public void Gradient(float computed, double exact)
        {
            double e = UlpMetric.Error(computed, exact);
            GradientCount++;
            GradientMax = Math.Max(GradientMax, e);
            GradientOver += e > 1 ? 1 : 0;
            GradientBad += Bad(computed, exact) ? 1 : 0;
        }

        private static bool Bad(float computed, double exact) =>
            !float.IsFinite(computed) || UlpMetric.IsZeroed(computed, exact) || UlpMetric.IsWrongSign(computed, exact);

        public string Markdown() => string.Create(CultureInfo.InvariantCulture,
            $"| {Family} | {Method} | {Max(LossMax)} | {Share(LossOver, LossCount)} | {LossBad} | {Max(GradientMax)} | {Share(GradientOver, GradientCount)} | {GradientBad} |");

        private static string Max(double ulps) => double.IsPositiveInfinity(ulps) ? "∞" : ulps < 10 ? ulps.ToString("0.00", CultureInfo.InvariantCulture) : ulps.ToString("0.0e0", CultureInfo.InvariantCulture);

        private static string Share(int over, int count) => $"{100.0 * over / count:0.0}% ({over})";
    }

    private static float Sigmoid32(float z) => 1f / (1f + MathF.Exp(-z));

    /// <summary>Two-step binary: p = σ(z) in float32, then the log-loss; gradient by the chain rule in float32.</summary>
    private static (float Loss, float Gradient) TwoStepBinary(float z, float y, bool clip)
    {
        float p = Sigmoid32(z);
        if (clip)
        {
            p = Math.Clamp(p, KerasEpsilon, 1 - KerasEpsilon);
        }

        float loss = -(y * MathF.Log(p) + (1 - y) * MathF.Log(1 - p));
        float dLossDp = (p - y) / (p * (1 - p));
        return (loss, dLossDp * (p * (1 - p)));
    }

    /// <summary>TensorFlow's sigmoid_cross_entropy_with_logits formula, max(z,0) - z·y + log1p(e^-|z|), in float32.</summary>
    private static (float Loss, float Gradient) TensorFlowBinary(float z, float y)
    {
        float log1p = (float)LogitNet.Kernels.StableMath.Log1p(MathF.Exp(-MathF.Abs(z)));
        return (MathF.Max(z, 0) - z * y + log1p, Sigmoid32(z) - y);
    }

    /// <summary>Two-step softmax: p = softmax(z) in float32 (maximum subtracted), then -log p_y; gradient p - onehot.</summary>
    private static (float Loss, float[] Gradient) TwoStepSoftmax(float[] z, float[] t)
    {
        float m = z.Max();
        float[] e = z.Select(v => MathF.Exp(v - m)).ToArray();
        float s = e.Sum();
        float[] p = e.Select(v => v / s).ToArray();
        float loss = 0;
        for (int j = 0; j < z.Length; j++)
        {
            if (t[j] != 0)
            {
                loss -= t[j] * MathF.Log(p[j]);
            }
        }

        return (loss, p.Select((v, j) => v * t.Sum() - t[j]).ToArray());
    }

    /// <summary>Log-softmax fused in float32 (PyTorch's cross_entropy on CPU): (z - m) - log Σ e^(z - m).</summary>
    private static (float Loss, float[] Gradient) LogSoftmax32(float[] z, float[] t)
    {
        float m = z.Max();
        float logSum = MathF.Log(z.Sum(v => MathF.Exp(v - m)));
        float loss = 0;
        for (int j = 0; j < z.Length; j++)
        {
            if (t[j] != 0)
            {
                loss -= t[j] * ((z[j] - m) - logSum);
            }
        }

        return (loss, z.Select((v, j) => MathF.Exp((v - m) - logSum) * t.Sum() - t[j]).ToArray());
    }

    [Fact]
    public void TwoStepFails_WhereFusedMeetsTheBar()
    {
        var rows = new List<Row>();

        Row binaryTwoStep = new("bce_logits", "two-step: σ(z), then log (float32)");
        Row binaryClipped = new("bce_logits", "two-step, p clipped to [1e-7, 1-1e-7] (Keras)");
        Row binaryTf = new("bce_logits", "max(z,0) - z·y + log1p(e^-\\|z\\|) (TensorFlow's formula, float32)");
        Row binaryFused = new("bce_logits", "**LogitNet fused**");
        var bce = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        IReadOnlyList<BceLogitsCase> bceCases = ReferenceCases.BceLogits;
        Tensor by = Tensor.FromArray(bceCases.Select(c => c.Y).ToArray(), bceCases.Count, 1);
        Tensor bz = Tensor.FromArray(bceCases.Select(c => c.Z).ToArray(), bceCases.Count, 1);
        float[] fusedLoss = bce.Call(by, bz).ToArray();
        float[] fusedGradient = bce.Gradient(by, bz).ToArray();
        for (int i = 0; i < bceCases.Count; i++)
        {
            BceLogitsCase c = bceCases[i];
            (float l1, float g1) = TwoStepBinary(c.Z, c.Y, clip: false);
            binaryTwoStep.Loss(l1, c.Loss);
            binaryTwoStep.Gradient(g1, c.Grad);
            (float l2, float g2) = TwoStepBinary(c.Z, c.Y, clip: true);
            binaryClipped.Loss(l2, c.Loss);
            binaryClipped.Gradient(g2, c.Grad);
            (float l3, float g3) = TensorFlowBinary(c.Z, c.Y);
            binaryTf.Loss(l3, c.Loss);
            binaryTf.Gradient(g3, c.Grad);
            binaryFused.Loss(fusedLoss[i], c.Loss);
            binaryFused.Gradient(fusedGradient[i], c.Grad);
        }

        rows.AddRange([binaryTwoStep, binaryClipped, binaryTf, binaryFused]);

        Row probsPlain = new("bce_probs", "-y·log p - (1-y)·log(1-p) in float32");
        Row probsClipped = new("bce_probs", "the same with p clipped to [1e-7, 1-1e-7] (Keras)");
        Row probsOurs = new("bce_probs", "**LogitNet** (double inside, log1p(-p), no clipping)");
        var bceProbs = new BinaryCrossentropy(reduction: Reduction.None);
        IReadOnlyList<BceProbsCase> probCases = ReferenceCases.BceProbs;
        Tensor py = Tensor.FromArray(probCases.Select(c => c.Y).ToArray(), probCases.Count, 1);
        Tensor pp = Tensor.FromArray(probCases.Select(c => c.P).ToArray(), probCases.Count, 1);
        float[] oursLoss = bceProbs.Call(py, pp).ToArray();
        float[] oursGradient = bceProbs.Gradient(py, pp).ToArray();
        for (int i = 0; i < probCases.Count; i++)
        {
            BceProbsCase c = probCases[i];
            foreach ((Row row, bool clip) in new[] { (probsPlain, false), (probsClipped, true) })
            {
                float p = clip ? Math.Clamp(c.P, KerasEpsilon, 1 - KerasEpsilon) : c.P;
                row.Loss(-(c.Y * MathF.Log(p) + (1 - c.Y) * MathF.Log(1 - p)), c.Loss);
                row.Gradient(-c.Y / p + (1 - c.Y) / (1 - p), c.Grad);
            }

            probsOurs.Loss(oursLoss[i], c.Loss);
            probsOurs.Gradient(oursGradient[i], c.Grad);
        }

        rows.AddRange([probsPlain, probsClipped, probsOurs]);

        Row softmaxTwoStep = new("softmax_ce", "two-step: softmax(z), then -log p_y (float32)");
        Row softmaxLog = new("softmax_ce", "log-softmax in float32 (PyTorch's cross_entropy)");
        Row softmaxFused = new("softmax_ce", "**LogitNet fused**");
        var sparse = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        foreach (SoftmaxCeCase c in ReferenceCases.SoftmaxCe)
        {
            float[] t = new float[c.Z.Length];
            t[c.Label] = 1;
            (float l1, float[] g1) = TwoStepSoftmax(c.Z, t);
            (float l2, float[] g2) = LogSoftmax32(c.Z, t);
            Tensor labels = Tensor.FromArray([(float)c.Label], 1);
            Tensor logits = Tensor.FromArray(c.Z, 1, c.Z.Length);
            float l3 = sparse.Call(labels, logits).ToArray()[0];
            float[] g3 = sparse.Gradient(labels, logits).ToArray();
            softmaxTwoStep.Loss(l1, c.Loss);
            softmaxLog.Loss(l2, c.Loss);
            softmaxFused.Loss(l3, c.Loss);
            for (int j = 0; j < c.Z.Length; j++)
            {
                softmaxTwoStep.Gradient(g1[j], c.Grad[j]);
                softmaxLog.Gradient(g2[j], c.Grad[j]);
                softmaxFused.Gradient(g3[j], c.Grad[j]);
            }
        }

        rows.AddRange([softmaxTwoStep, softmaxLog, softmaxFused]);

        Row softTwoStep = new("softmax_ce_soft", "two-step (float32)");
        Row softLog = new("softmax_ce_soft", "log-softmax in float32");
        Row softFused = new("softmax_ce_soft", "**LogitNet fused**");
        var dense = new CategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        foreach (SoftmaxCeSoftCase c in ReferenceCases.SoftmaxCeSoft)
        {
            (float l1, float[] g1) = TwoStepSoftmax(c.Z, c.T);
            (float l2, float[] g2) = LogSoftmax32(c.Z, c.T);
            Tensor targets = Tensor.FromArray(c.T, 1, c.Z.Length);
            Tensor logits = Tensor.FromArray(c.Z, 1, c.Z.Length);
            float l3 = dense.Call(targets, logits).ToArray()[0];
            float[] g3 = dense.Gradient(targets, logits).ToArray();
            softTwoStep.Loss(l1, c.Loss);
            softLog.Loss(l2, c.Loss);
            softFused.Loss(l3, c.Loss);
            for (int j = 0; j < c.Z.Length; j++)
            {
                softTwoStep.Gradient(g1[j], c.Grad[j]);
                softLog.Gradient(g2[j], c.Grad[j]);
                softFused.Gradient(g3[j], c.Grad[j]);
            }
        }

        rows.AddRange([softTwoStep, softLog, softFused]);

        var table = new StringBuilder();
        table.AppendLine("| family | method | loss: max ulp | loss: > 1 ulp | loss: NaN/∞/zeroed/sign | gradient: max ulp | gradient: > 1 ulp | gradient: NaN/∞/zeroed/sign |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (Row row in rows)
        {
            table.AppendLine(row.Markdown());
        }

        table.AppendLine();
        table.Append(Examples());
        output.WriteLine(table.ToString());
        UpdateDocs(table.ToString());

        // What the document claims: every two-step method fails somewhere, with non-finite, zeroed or
        // wrong-signed results; the fused (and our probability) losses never do, and stay within 1 ulp
        // (soft-target gradient components are judged normwise elsewhere).
        foreach (Row naive in new[] { binaryTwoStep, binaryClipped, probsPlain, probsClipped, softmaxTwoStep, softmaxLog, softTwoStep, softLog })
        {
            Assert.True(naive.LossOver + naive.GradientOver > 0, $"{naive.Method} on {naive.Family} did not fail anywhere");
        }

        Assert.True(binaryTf.LossOver > 0);
        Assert.True(binaryTwoStep.LossBad > 0 && softmaxTwoStep.LossBad > 0 && softmaxLog.LossBad > 0);
        foreach (Row fused in new[] { binaryFused, probsOurs, softmaxFused })
        {
            Assert.True(fused.LossMax <= 1 && fused.GradientMax <= 1 && fused.LossBad == 0 && fused.GradientBad == 0, fused.Markdown());
        }

        Assert.True(softFused.LossMax <= 1 && softFused.LossBad == 0 && softFused.GradientBad == 0, softFused.Markdown());
    }

    /// <summary>The individual inputs the document discusses: exact value (200-bit mpmath), each method's float32 result.</summary>
    private static string Examples()
    {
        static string V(float v) => float.IsNaN(v) ? "NaN" : float.IsPositiveInfinity(v) ? "+∞" : v.ToString("G8", CultureInfo.InvariantCulture);
        static string E(double v) => v.ToString("G8", CultureInfo.InvariantCulture);

        var text = new StringBuilder();
        text.AppendLine("| input | exact | two-step float32 | framework variant | TensorFlow's formula | LogitNet |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");

        var sparse = new SparseCategoricalCrossentropy(fromLogits: true);
        void Softmax(string name, float[] z, int label, double exactLoss, double? exactGradient)
        {
            float[] t = new float[z.Length];
            t[label] = 1;
            (float l1, float[] g1) = TwoStepSoftmax(z, t);
            (float l2, float[] g2) = LogSoftmax32(z, t);
            Tensor labels = Tensor.FromArray([(float)label], 1);
            Tensor logits = Tensor.FromArray(z, 1, z.Length);
            text.AppendLine($"| {name}: loss | {E(exactLoss)} | {V(l1)} | {V(l2)} (log-softmax) | — | {V(sparse.Call(labels, logits).ToScalar())} |");
            if (exactGradient is double g)
            {
                text.AppendLine($"| {name}: ∂L/∂z_label | {E(g)} | {V(g1[label])} | {V(g2[label])} (log-softmax) | — | {V(sparse.Gradient(labels, logits).ToArray()[label])} |");
            }
        }

        Softmax("softmax, z = [30, 0, 0], label 0", [30f, 0f, 0f], 0, 1.8715245937678598e-13, -1.8715245937676847e-13);
        Softmax("softmax, z = [0, 1e4], label 0", [0f, 1e4f], 0, 10000, null);
        Softmax("softmax, z = [0, -90], label 0", [0f, -90f], 0, 8.1940126239905154e-40, -8.1940126239905154e-40);

        var binary = new BinaryCrossentropy(fromLogits: true);
        void Binary(string name, float z, float y, double exactLoss, double? exactGradient)
        {
            (float l1, float g1) = TwoStepBinary(z, y, clip: false);
            (float l2, float g2) = TwoStepBinary(z, y, clip: true);
            (float l3, float g3) = TensorFlowBinary(z, y);
            Tensor labels = Tensor.FromArray([y], 1, 1);
            Tensor logits = Tensor.FromArray([z], 1, 1);
            text.AppendLine($"| {name}: loss | {E(exactLoss)} | {V(l1)} | {V(l2)} (clipped) | {V(l3)} | {V(binary.Call(labels, logits).ToScalar())} |");
            if (exactGradient is double g)
            {
                text.AppendLine($"| {name}: ∂L/∂z | {E(g)} | {V(g1)} | {V(g2)} (clipped) | {V(g3)} | {V(binary.Gradient(labels, logits).ToScalar())} |");
            }
        }

        Binary("binary, z = 30, y = 1", 30f, 1f, 9.3576229688397368e-14, -9.357622968839299e-14);
        Binary("binary, z = -200, y = 1", -200f, 1f, 200, -1);
        Binary("binary, z = 40, y = 1 - 2^-24", 40f, 1f - MathF.ScaleB(1, -24), 2.3841857910198734e-6, 5.9604644771142271e-8);

        float p = 1e-10f;
        float plain = -MathF.Log(p);
        float clipped = -MathF.Log(Math.Clamp(p, KerasEpsilon, 1 - KerasEpsilon));
        float ours = new BinaryCrossentropy().Call(Tensor.FromArray([1f], 1, 1), Tensor.FromArray([p], 1, 1)).ToScalar();
        text.AppendLine($"| probability p = 1e-10, y = 1: loss | {E(23.025850916589025)} | {V(plain)} | {V(clipped)} (clipped) | — | {V(ours)} |");
        return text.ToString();
    }

    /// <summary>Replaces the table between the markers of docs/from-logits.md when LOGITNET_UPDATE_DOCS=1.</summary>
    private static void UpdateDocs(string table)
    {
        if (Environment.GetEnvironmentVariable("LOGITNET_UPDATE_DOCS") != "1")
        {
            return;
        }

        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LogitNet.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        string path = Path.Combine(root.FullName, "docs", "from-logits.md");
        string text = File.ReadAllText(path);
        const string Begin = "<!-- table:begin (generated by NaiveVersusFusedTests) -->";
        const string End = "<!-- table:end -->";
        int start = text.IndexOf(Begin, StringComparison.Ordinal);
        int end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/from-logits.md lacks the table markers");
        File.WriteAllText(path, text[..(start + Begin.Length)] + "\n" + table + text[end..]);
    }
}
