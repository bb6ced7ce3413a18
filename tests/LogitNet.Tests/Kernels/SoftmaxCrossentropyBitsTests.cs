using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using LogitNet.Kernels;
using LogitNet.Losses;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The softmax cross-entropy losses give a row the same bits alone, at every position of a batch, and on every
/// instruction set: their exponentials (<see cref="QuickExp"/>, <see cref="AccurateExp"/>) run the same operations
/// on one lane as on eight, and their row sums add in one order. CI runs this class by default, without AVX-512 and
/// without hardware intrinsics.
/// </summary>
public sealed class SoftmaxCrossentropyBitsTests
{
    /// <summary>
    /// Rows whose gradient, before session 15, had other bits on AVX-512 (the vector exponential on the body of a block,
    /// Math.Exp on its tail, a vector accumulator for long rows' sums) than on AVX2 (Math.Exp everywhere, a plain sum):
    /// found by running 640,000 random rows each of 10, 20 and 100 classes (logits uniform in [-15, 15], batches of 64)
    /// through SparseCategoricalCrossentropy on both paths; 14 of 83 million gradients differed. Expected: the gradient
    /// of the named class for the row alone (Reduction.None), which is now the same everywhere.
    /// </summary>
    private static readonly (int Label, float[] Logits, int Class, float Expected)[] BoundaryRows =
    [
        (8, [-8.048852f, -7.263244f, -8.262512f, -8.386694f, 1.9541732f, 0.24061325f, 8.924493f, -11.864903f, -1.6331794f, -11.631448f], 9, 1.1807986e-09f),
        (7, [14.824381f, -1.0786134f, -3.4134052f, 10.8137665f, 8.865944f, -1.9998099f, 3.329616f, 11.288009f, 5.1942396f, 4.9382844f], 4, 0.002461015f),
        (11, [-0.061582368f, 10.9134035f, 3.8648205f, -10.459847f, 2.9855347f, -9.491355f, -0.34811974f, -9.597063f, 1.9155765f, -11.857245f,
            2.7845154f, -3.5940166f, -6.592562f, 10.060238f, -1.4994797f, 3.9399066f, -2.6730027f, 14.478641f, -0.6592565f, -9.557025f], 18, 2.561456e-07f),
        (6, [-3.149196f, 9.145175f, -5.2228827f, 9.272771f, -13.323357f, -1.5785612f, -12.80485f, 8.523917f, 4.4967504f, -4.38639f,
            -0.5314661f, 14.682516f, 13.870985f, -2.173446f, -5.719048f, 4.687797f, 3.40795f, 1.3115302f, -14.247594f, 1.4203161f], 2, 1.5573677e-09f),
        (18, [-5.8717265f, 8.464362f, 11.767773f, 2.8291013f, -4.580444f, 13.302607f, 8.347891f, -7.5949235f, -2.254088f, 7.4835176f,
            -9.131624f, 10.3157425f, 1.8420144f, -14.643555f, 8.903676f, 7.8213406f, 6.7299266f, 7.9007316f, 4.3561964f, 6.8570046f], 2, 0.16474938f),
        (36, [-9.9635935f, 4.2366486f, -1.5041903f, -8.219866f, -9.5419445f, 1.6983062f, -6.90585f, -12.439411f, -11.541664f, -11.931691f,
            3.4326491f, 8.629535f, 8.614906f, 13.140752f, 2.4665287f, 4.3125477f, -0.1437519f, 12.689705f, 5.3440967f, -2.0134485f,
            -2.362914f, -10.414323f, -0.15733336f, 3.6860075f, 5.212211f, -8.695014f, -11.0278845f, -13.616248f, -10.693823f, 4.515963f,
            0.65325683f, 12.680686f, 8.635793f, -0.17513593f, 14.557218f, -0.82683146f, 13.048012f, 1.3757671f, -3.635664f, 12.231421f,
            -14.137713f, -4.115416f, -10.654431f, -6.6336274f, 2.3407202f, -9.466984f, -3.2136793f, 0.4950291f, -14.972346f, 1.0932378f,
            4.8938956f, -7.6316786f, 12.558328f, -12.978048f, -10.289631f, -14.549271f, -10.606018f, 9.809802f, 1.567923f, 14.1530695f,
            -2.2738094f, -8.289601f, 13.254412f, -1.0576272f, 2.4150515f, 5.7519636f, 14.993741f, -6.2099576f, 13.583534f, -11.70664f,
            6.264536f, 13.480481f, 1.3253692f, 8.112675f, -2.8757348f, -13.2474985f, -14.7598915f, -8.5237055f, -13.654713f, -0.32080537f,
            9.518665f, 3.4770865f, -13.643902f, 3.2129393f, 14.622067f, -6.7150645f, -14.877642f, 6.6138415f, -4.885505f, 14.106489f,
            -5.2208133f, -11.76179f, 14.807844f, -2.7887335f, -0.49476877f, 9.151888f, -2.3698275f, 5.403196f, 5.951321f, 11.588757f], 17, 0.018659007f),
    ];

    private static List<double> ExpArguments()
    {
        var random = new Random(15);
        var x = new List<double>
        {
            0.0, -0.0, -1e-300, -5e-324, -1e-17, -0.02166, -0.0216608, -0.04332, -0.0433217, -0.5 * Math.Log(2) / 8,
            -Math.Log(2) / 16, -1, -88.7, -706.99, -707, -707.0000001, -745, -1e4, double.NegativeInfinity, double.NaN,
        };
        for (int i = 0; i < 4_000; i++)
        {
            x.Add(-Math.Exp(random.NextDouble() * Math.Log(8e14)) * 1e-12);
            x.Add((double)(float)(random.NextDouble() * 30) - (float)(random.NextDouble() * 30) - 30);
        }

        while (x.Count % 8 != 0)
        {
            x.Add(-random.NextDouble());
        }

        return x;
    }

    private static void LanesMatchBlocks<TExp>()
        where TExp : struct, INonPositiveExp
    {
        List<double> x = ExpArguments();
        double[] block = x.ToArray();
        // A length that is a multiple of 8: every value takes the vector form where the machine has it.
        LossVectorMath.ExpNonPositive<TExp>(block);
        // The 256-bit form directly too, wherever it can run (on an AVX-512 machine the block above took the 512-bit form).
        double[]? quad = null;
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            quad = new double[x.Count];
            for (int i = 0; i < x.Count; i += 4)
            {
                TExp.Invoke256(Vector256.Create(x[i], x[i + 1], x[i + 2], x[i + 3])).CopyTo(quad.AsSpan(i, 4));
            }
        }

        for (int i = 0; i < x.Count; i++)
        {
            double lane = TExp.Lane(x[i]);
            Assert.True(SameBits(lane, block[i]),
                $"{typeof(TExp).Name} at x = {x[i]:R}: lane {lane:R}, block {block[i]:R} (512-bit form: {LossVectorMath.HasVectorExp}, 256-bit: {LossVectorMath.Has256Exp})");
            Assert.True(quad is null || SameBits(lane, quad[i]), $"{typeof(TExp).Name} at x = {x[i]:R}: lane {lane:R}, 256-bit form {quad?[i]:R}");
        }
    }

    private static bool SameBits(double a, double b) =>
        BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b) || (double.IsNaN(a) && double.IsNaN(b));

    [Fact]
    public void QuickExp_LaneHasTheVectorFormsBits() => LanesMatchBlocks<QuickExp>();

    [Fact]
    public void AccurateExp_LaneHasTheVectorFormsBits() => LanesMatchBlocks<AccurateExp>();

    /// <summary>
    /// The one-lane forms' outputs over the arguments above, hashed and recorded on an AVX-512 machine: the lane form is
    /// what runs on the tails and on every machine without AVX-512, so this pins those machines to the vector bits.
    /// </summary>
    [Fact]
    public void Lanes_HaveTheRecordedBitsOnEveryInstructionSet()
    {
        var bytes = new List<byte>();
        foreach (double x in ExpArguments())
        {
            bytes.AddRange(BitConverter.GetBytes(double.IsNaN(x) ? double.NaN : QuickExp.Lane(x)));
            bytes.AddRange(BitConverter.GetBytes(double.IsNaN(x) ? double.NaN : AccurateExp.Lane(x)));
        }

        string hash = Convert.ToHexString(SHA256.HashData(bytes.ToArray()));
        Assert.True(hash == "8BDE1D1D2783339980F3DB28A043B64001BAB8425A76FDEFBC0E9C9B52B0AC52", $"lane outputs hash {hash}");
    }

    [Fact]
    public void BoundaryRows_HaveTheRecordedGradient()
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        foreach ((int label, float[] logits, int column, float expected) in BoundaryRows)
        {
            float[] gradient = loss.Gradient(Tensor.FromArray([label], 1), Tensor.FromArray(logits, 1, logits.Length)).AsSpan().ToArray();
            Assert.True(BitConverter.SingleToInt32Bits(gradient[column]) == BitConverter.SingleToInt32Bits(expected),
                $"{logits.Length} classes, label {label}, class {column}: {gradient[column]:R}, recorded {expected:R}");
        }
    }

    [Fact]
    public void SparseAndCategorical_GiveARowTheSameBitsAtEveryPositionOfABatch()
    {
        var random = new Random(1515);
        var sparse = new SparseCategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var categorical = new CategoricalCrossentropy(fromLogits: true, reduction: Reduction.None);
        var smoothed = new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f, reduction: Reduction.None);
        // The boundary rows (10, 20 and 100 classes), and rows of 13 and 7 classes, whose starts in a batch fall at every
        // offset modulo 8 of the block of e_j.
        var rows = BoundaryRows.Select(r => (r.Label, r.Logits)).ToList();
        foreach (int width in new[] { 13, 7 })
        {
            rows.Add((random.Next(width), Enumerable.Range(0, width).Select(_ => (float)(random.NextDouble() * 30 - 15)).ToArray()));
        }

        foreach ((int label, float[] logits) in rows)
        {
            int classes = logits.Length;
            float[] oneHot = new float[classes];
            oneHot[label] = 1;
            foreach ((string name, Loss loss, float[] target, bool sparseTarget) in new (string, Loss, float[], bool)[]
                { ("sparse", sparse, [label], true), ("categorical", categorical, oneHot, false), ("smoothed", smoothed, oneHot, false) })
            {
                (float[] lossAlone, float[] gradientAlone) = Rows(loss, logits, target, sparseTarget, 1, classes);
                // Up to nine rows: the row lands in the vector body and in the one-lane tail of a block of e_j.
                for (int n = 2; n <= 9; n++)
                {
                    for (int position = 0; position < n; position++)
                    {
                        float[] batchLogits = Enumerable.Range(0, n * classes).Select(_ => (float)(random.NextDouble() * 30 - 15)).ToArray();
                        float[] batchTarget = sparseTarget
                            ? Enumerable.Range(0, n).Select(_ => (float)random.Next(classes)).ToArray()
                            : Enumerable.Range(0, n * classes).Select(_ => (float)random.NextDouble()).ToArray();
                        logits.CopyTo(batchLogits, position * classes);
                        target.CopyTo(batchTarget, position * target.Length);
                        (float[] lossBatch, float[] gradientBatch) = Rows(loss, batchLogits, batchTarget, sparseTarget, n, classes);
                        Assert.True(BitConverter.SingleToInt32Bits(lossBatch[position]) == BitConverter.SingleToInt32Bits(lossAlone[0]),
                            $"{name}, {classes} classes, row at {position} of {n}: loss {lossBatch[position]:R}, alone {lossAlone[0]:R}");
                        for (int j = 0; j < classes; j++)
                        {
                            float inBatch = gradientBatch[position * classes + j];
                            Assert.True(BitConverter.SingleToInt32Bits(inBatch) == BitConverter.SingleToInt32Bits(gradientAlone[j]),
                                $"{name}, {classes} classes, row at {position} of {n}, class {j}: gradient {inBatch:R}, alone {gradientAlone[j]:R}");
                        }
                    }
                }
            }
        }
    }

    private static (float[] Loss, float[] Gradient) Rows(Loss loss, float[] logits, float[] target, bool sparseTarget, int rows, int classes)
    {
        Tensor yPred = Tensor.FromArray(logits, rows, classes);
        Tensor yTrue = sparseTarget ? Tensor.FromArray(target, rows) : Tensor.FromArray(target, rows, classes);
        return (loss.Call(yTrue, yPred).AsSpan().ToArray(), loss.Gradient(yTrue, yPred).AsSpan().ToArray());
    }
}
