using LogitNet.Losses;
using LogitNet.Tests.Accuracy;
using Xunit.Abstractions;

namespace LogitNet.Tests.Losses;

/// <summary>
/// The losses against the shared exact cases (Data/accuracy): every loss value and every hard-label
/// gradient component within 1 ulp; soft-target gradients within the normwise bar
/// (≤ 8 for 99.9% of rows, ≤ 64 at worst); nothing zeroed, wrong-signed or non-finite.
/// </summary>
public class ReferenceCaseTests(ITestOutputHelper output)
{
    [Fact]
    public void BinaryCrossentropyFromLogits_AllCasesInOneBatch_WithinOneUlp()
    {
        IReadOnlyList<BceLogitsCase> cases = ReferenceCases.BceLogits;
        Tensor y = Tensor.FromArray(cases.Select(c => c.Y).ToArray(), cases.Count, 1);
        Tensor z = Tensor.FromArray(cases.Select(c => c.Z).ToArray(), cases.Count, 1);
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        float[] values = loss.Call(y, z).ToArray();
        float[] gradient = loss.Gradient(y, z).ToArray();

        var lossTally = new AccuracyTally("bce_logits loss");
        var gradientTally = new AccuracyTally("bce_logits gradient");
        for (int i = 0; i < cases.Count; i++)
        {
            lossTally.Add(cases[i].Id, values[i], cases[i].Loss);
            gradientTally.Add(cases[i].Id, gradient[i], cases[i].Grad);
        }

        output.WriteLine(lossTally.Report(1));
        output.WriteLine(gradientTally.Report(1));
        lossTally.AssertWithin(1);
        gradientTally.AssertWithin(1);
    }

    [Fact]
    public void BinaryCrossentropyFromLogits_EachCaseAlone_WithinOneUlp()
    {
        // One value per call runs the scalar tail instead of the vector loop.
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.Sum);
        var lossTally = new AccuracyTally("bce_logits loss (scalar path)");
        var gradientTally = new AccuracyTally("bce_logits gradient (scalar path)");
        var gradient = new float[1];
        foreach (BceLogitsCase c in ReferenceCases.BceLogits)
        {
            float value = loss.Compute(Tensor.FromArray([c.Y], 1), Tensor.FromArray([c.Z], 1), gradient);
            lossTally.Add(c.Id, value, c.Loss);
            gradientTally.Add(c.Id, gradient[0], c.Grad);
        }

        lossTally.AssertWithin(1);
        gradientTally.AssertWithin(1);
    }

    [Fact]
    public void BinaryCrossentropyFromProbabilities_AllCases_WithinOneUlp()
    {
        IReadOnlyList<BceProbsCase> cases = ReferenceCases.BceProbs;
        Tensor y = Tensor.FromArray(cases.Select(c => c.Y).ToArray(), cases.Count, 1);
        Tensor p = Tensor.FromArray(cases.Select(c => c.P).ToArray(), cases.Count, 1);
        var loss = new BinaryCrossentropy(reduction: Reduction.None);
        float[] values = loss.Call(y, p).ToArray();
        float[] gradient = loss.Gradient(y, p).ToArray();

        var lossTally = new AccuracyTally("bce_probs loss");
        var gradientTally = new AccuracyTally("bce_probs gradient");
        for (int i = 0; i < cases.Count; i++)
        {
            lossTally.Add(cases[i].Id, values[i], cases[i].Loss);
            gradientTally.Add(cases[i].Id, gradient[i], cases[i].Grad);
        }

        output.WriteLine(lossTally.Report(1));
        output.WriteLine(gradientTally.Report(1));
        lossTally.AssertWithin(1);
        gradientTally.AssertWithin(1);
    }

    [Fact]
    public void SparseCategoricalCrossentropyFromLogits_AllCases_WithinOneUlp()
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var lossTally = new AccuracyTally("softmax_ce loss");
        var gradientTally = new AccuracyTally("softmax_ce gradient");

        // Rows of equal width go in one batch, so blocks of several rows and single rows are both exercised.
        foreach (IGrouping<int, SoftmaxCeCase> group in ReferenceCases.SoftmaxCe.GroupBy(c => c.Z.Length))
        {
            SoftmaxCeCase[] cases = group.ToArray();
            int classes = group.Key;
            Tensor labels = Tensor.FromArray(cases.Select(c => (float)c.Label).ToArray(), cases.Length);
            Tensor logits = Tensor.FromArray(cases.SelectMany(c => c.Z).ToArray(), cases.Length, classes);
            float[] values = loss.Call(labels, logits).ToArray();
            float[] gradient = loss.Gradient(labels, logits).ToArray();
            for (int i = 0; i < cases.Length; i++)
            {
                lossTally.Add(cases[i].Id, values[i], cases[i].Loss);
                for (int j = 0; j < classes; j++)
                {
                    gradientTally.Add($"{cases[i].Id}[{j}]", gradient[i * classes + j], cases[i].Grad[j]);
                }
            }
        }

        output.WriteLine(lossTally.Report(1));
        output.WriteLine(gradientTally.Report(1));
        lossTally.AssertWithin(1);
        gradientTally.AssertWithin(1);
    }

    [Fact]
    public void CategoricalCrossentropyFromLogits_SoftTargets_LossWithinOneUlp_GradientNormwise()
    {
        var loss = new CategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var lossTally = new AccuracyTally("softmax_ce_soft loss");
        var normwise = new AccuracyTally("softmax_ce_soft gradient (normwise)");
        var oneHotGradient = new AccuracyTally("softmax_ce_soft one-hot gradient (per component)");
        var componentSigns = new AccuracyTally("softmax_ce_soft gradient components (zeroed, sign, non-finite)");
        var rowErrors = new List<double>();
        foreach (SoftmaxCeSoftCase c in ReferenceCases.SoftmaxCeSoft)
        {
            int classes = c.Z.Length;
            Tensor targets = Tensor.FromArray(c.T, 1, classes);
            Tensor logits = Tensor.FromArray(c.Z, 1, classes);
            lossTally.Add(c.Id, loss.Call(targets, logits).ToArray()[0], c.Loss);
            float[] gradient = loss.Gradient(targets, logits).ToArray();
            double error = UlpMetric.NormwiseError(gradient, c.Grad);
            normwise.AddNormwise(c.Id, error);
            rowErrors.Add(error);
            for (int j = 0; j < classes; j++)
            {
                componentSigns.Add($"{c.Id}[{j}]", gradient[j], c.Grad[j]);
                if (c.Tag.EndsWith("t=onehot", StringComparison.Ordinal))
                {
                    oneHotGradient.Add($"{c.Id}[{j}]", gradient[j], c.Grad[j]);
                }
            }
        }

        rowErrors.Sort();
        double percentile999 = rowErrors[(int)Math.Ceiling(0.999 * rowErrors.Count) - 1];
        output.WriteLine(lossTally.Report(1));
        output.WriteLine(normwise.Report(64));
        output.WriteLine($"99.9th percentile of the normwise row error: {percentile999:G4}");
        output.WriteLine(oneHotGradient.Report(1));
        output.WriteLine(componentSigns.Report(double.PositiveInfinity));
        lossTally.AssertWithin(1);
        normwise.AssertWithin(64);
        Assert.True(percentile999 <= 8, $"99.9th percentile normwise error {percentile999} > 8");
        oneHotGradient.AssertWithin(1);
        Assert.True(componentSigns.NonFinite == 0 && componentSigns.WrongSign == 0 && componentSigns.Zeroed == 0,
            componentSigns.Report(double.PositiveInfinity));
    }
}
