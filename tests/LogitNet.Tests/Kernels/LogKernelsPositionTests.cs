using System.Security.Cryptography;
using LogitNet.Kernels;
using LogitNet.Losses;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The kernels that take a double logarithm (binary cross-entropy from logits, softplus, the softmax family) give a
/// value the same bits at every position of batches of every length, and the recorded bits on every instruction set
/// (CI runs these hashes by default, without AVX-512 and without hardware intrinsics).
/// </summary>
public sealed class LogKernelsPositionTests
{
    /// <summary>
    /// Logits and soft labels whose float loss lands within a double ulp of a float rounding boundary: found by a search
    /// over (z, y) for values where the platform's vector logarithm (TensorPrimitives.Log, AVX2) and Math.Log (what it
    /// runs for a batch of one, and in software) round the loss to different floats. Before VectorLog these gave other
    /// bits alone than in a batch of four or more.
    /// </summary>
    private static readonly (float Z, float Y)[] BoundaryCases =
    [
        (-2.1101089f, 0.65413386f), (-0.60371727f, 0.98672074f), (-0.32282242f, 0.2988102f), (-1.5279052f, 0.6802766f),
        (-0.2369799f, 0.7098169f), (-0.9242929f, 0.41616723f), (-0.22967942f, 0.3681331f), (-2.556499f, 0.9120178f),
        (-1.1585317f, 0.31398147f), (-1.1585317f, 0.5639815f), (-1.141883f, 0.8691148f), (-1.7835213f, 0.9080993f),
    ];

    private static (float Z, float Y)[] Cases()
    {
        var cases = new List<(float, float)>(BoundaryCases)
        {
            (0f, 0f), (0f, 1f), (-0f, 0.5f), (1e-30f, 1f), (-1e-30f, 0f), (36.7f, 1f), (-36.7f, 1f), (40f, 0f), (-745f, 1f),
            (100f, 0.25f), (float.MaxValue, 0f), (float.MinValue, 1f), (float.PositiveInfinity, 1f), (float.NegativeInfinity, 0f),
            (float.NaN, 1f), (0.5f, 0.5f + 1e-7f), (-3f, 0.9999f),
        };
        var random = new Random(20261203);
        for (int i = 0; i < 200; i++)
        {
            float z = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-12, 6)));
            float y = random.Next(3) switch { 0 => 0f, 1 => 1f, _ => (float)random.NextDouble() };
            cases.Add((z, y));
        }

        return [.. cases];
    }

    [Fact]
    public void BinaryCrossentropy_GivesAValueTheSameBitsAtEveryPositionOfEveryBatchLength()
    {
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        var random = new Random(7);
        foreach ((float z, float y) in Cases())
        {
            (int lossAlone, int gradientAlone) = PerSample(loss, [z], [y], 0);
            for (int n = 2; n <= 19; n++)
            {
                for (int position = 0; position < n; position++)
                {
                    // The others: ordinary logits and labels, so the value's neighbours take the vector paths.
                    float[] logits = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
                    float[] labels = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
                    logits[position] = z;
                    labels[position] = y;
                    (int lossBits, int gradientBits) = PerSample(loss, logits, labels, position);
                    Assert.True(lossBits == lossAlone && gradientBits == gradientAlone,
                        $"z = {z:R}, y = {y:R} at {position} of {n}: loss {BitConverter.Int32BitsToSingle(lossBits):R} " +
                        $"(alone {BitConverter.Int32BitsToSingle(lossAlone):R}), gradient {BitConverter.Int32BitsToSingle(gradientBits):R} " +
                        $"(alone {BitConverter.Int32BitsToSingle(gradientAlone):R})");
                }
            }
        }
    }

    private static (int Loss, int Gradient) PerSample(Loss loss, float[] logits, float[] labels, int position)
    {
        Tensor yPred = Tensor.FromArray(logits, logits.Length, 1);
        Tensor yTrue = Tensor.FromArray(labels, labels.Length, 1);
        float value = loss.Call(yTrue, yPred).AsSpan()[position];
        float slope = loss.Gradient(yTrue, yPred).AsSpan()[position];
        return (BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(slope));
    }

    [Fact]
    public void Softmax_FamilyGivesARowTheSameBitsAloneAsAmongOtherRows()
    {
        var random = new Random(11);
        foreach (int columns in new[] { 1, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 19, 33 })
        {
            int rows = 11;
            float[] x = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
            float[] softmax = new float[x.Length], logSoftmax = new float[x.Length], logSumExp = new float[rows];
            SoftmaxKernel.Rows(x, softmax, columns);
            LogSoftmaxKernel.Rows(x, logSoftmax, columns);
            LogSumExpKernel.Rows(x, logSumExp, columns);
            float[] alone = new float[columns], aloneSum = new float[1];
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = x.AsSpan(r * columns, columns);
                SoftmaxKernel.Rows(row, alone, columns);
                Assert.True(alone.AsSpan().SequenceEqual(softmax.AsSpan(r * columns, columns)), $"softmax row {r} of {columns}");
                LogSoftmaxKernel.Rows(row, alone, columns);
                Assert.True(alone.AsSpan().SequenceEqual(logSoftmax.AsSpan(r * columns, columns)), $"log-softmax row {r} of {columns}");
                LogSumExpKernel.Rows(row, aloneSum, columns);
                Assert.True(BitConverter.SingleToInt32Bits(aloneSum[0]) == BitConverter.SingleToInt32Bits(logSumExp[r]), $"log-sum-exp row {r} of {columns}");
            }
        }
    }

    /// <summary>
    /// The hash of binary cross-entropy losses and gradients (batches of 1 to 19 and one of all cases), softplus, and the
    /// softmax family over rows of 1 to 19 and 1000 columns, recorded on an AVX2 machine: CI checks it on the default
    /// path, without AVX-512 and without hardware intrinsics, so a path that rounds one value differently fails here.
    /// </summary>
    [Fact]
    public void Outputs_HaveTheRecordedBitsOnEveryInstructionSet()
    {
        var bytes = new List<byte>();
        void Add(ReadOnlySpan<float> values)
        {
            foreach (float v in values)
            {
                // Every number bit for bit, but a NaN as NaN: its sign and payload are not the kernel's to choose
                // (IEEE 754 leaves them open; x86 passes an operand's NaN on, software arithmetic makes its own, so
                // the NaN case's sign differed between the JIT's tiers on software vectors).
                bytes.AddRange(BitConverter.GetBytes(float.IsNaN(v) ? float.NaN : v));
            }
        }

        (float Z, float Y)[] cases = Cases();
        float[] allZ = cases.Select(c => c.Z).ToArray(), allY = cases.Select(c => c.Y).ToArray();
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        for (int n = 1; n <= 19; n++)
        {
            Tensor yPred = Tensor.FromArray(allZ[..n], n, 1), yTrue = Tensor.FromArray(allY[..n], n, 1);
            Add(loss.Call(yTrue, yPred).AsSpan());
            Add(loss.Gradient(yTrue, yPred).AsSpan());
        }

        Tensor all = Tensor.FromArray(allZ, allZ.Length, 1), allLabels = Tensor.FromArray(allY, allY.Length, 1);
        Add(loss.Call(allLabels, all).AsSpan());
        Add(loss.Gradient(allLabels, all).AsSpan());

        float[] softplus = new float[allZ.Length];
        SoftplusKernel.Apply(allZ, softplus);
        Add(softplus);

        var random = new Random(13);
        foreach (int columns in Enumerable.Range(1, 19).Append(1000))
        {
            int rows = 9;
            float[] x = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 30 - 15)).ToArray();
            x[0] = -1e30f;
            float[] y = new float[x.Length], sums = new float[rows];
            SoftmaxKernel.Rows(x, y, columns);
            Add(y);
            LogSoftmaxKernel.Rows(x, y, columns);
            Add(y);
            LogSumExpKernel.Rows(x, sums, columns);
            Add(sums);
        }

        string hash = Convert.ToHexString(SHA256.HashData(bytes.ToArray()));
        Assert.True(hash == ExpectedHash, $"the outputs' SHA-256 is {hash}, recorded {ExpectedHash}");
    }

    private const string ExpectedHash = "8164ACC33D53052F90F0BB48117C9724A117C862DE684ACD7A1FE352CF13FE16";
}
