using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// The promise "same seed, same data → same model on any machine", held to fixed bits: SHA-256 of the
/// trained weights and of the predictions, which CI's three passes (default, DOTNET_EnableAVX512=0,
/// DOTNET_EnableHWIntrinsic=0) must all meet, as must any machine (AVX-512, AVX2, scalar, Arm).
/// </summary>
/// <remarks>
/// If one of these fails, a change altered the bits training or inference produces. That is a
/// deliberate break of the cross-machine promise, never a test to refresh in passing: find the change,
/// and update the hashes only if the new bits are intended, are the same on every instruction set
/// (run the test under the three settings above), and the change says so in its commit message.
/// </remarks>
public class GoldenHashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string BreakMessage =
        "The trained bits changed. Same seed, same data must give the same model on every machine and instruction set: " +
        "this is a deliberate break of that promise, not a hash to refresh. If the change is intended, check it under " +
        "DOTNET_EnableAVX512=0 and DOTNET_EnableHWIntrinsic=0 too, then update the golden value and say so in the commit.";

    private static string Hash(IEnumerable<Tensor> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Tensor tensor in tensors)
        {
            // Little-endian float32 bytes, as the weights file stores them.
            float[] values = tensor.ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> words = MemoryMarshal.Cast<float, int>(values.AsSpan());
                System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words, words);
            }

            sha.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Both hashes of a model, compared together so a failure shows both (weights may match while predictions do not).</summary>
    private void AssertGolden(string model, (string Weights, string Predictions) expected, Sequential trained, Tensor samples)
    {
        (string Weights, string Predictions) actual =
            (Hash(trained.Parameters.Select(p => p.Value)), Hash([trained.Predict(samples), trained.PredictProba(samples)]));
        output.WriteLine($"{model}: weights {actual.Weights}, predictions {actual.Predictions} " +
            $"(AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, AVX2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported})");
        Assert.True(expected == actual,
            $"{model}: expected weights {expected.Weights}, predictions {expected.Predictions}; got weights {actual.Weights}, predictions {actual.Predictions}. {BreakMessage}");
    }

    /// <summary>The CLI's default model on the embedded digits: Dense 25 relu, 15 relu, 10 linear, Adam 0.001, from logits.</summary>
    [Fact]
    public void DigitsModel_TrainsToTheGoldenBits()
    {
        (Dataset train, Dataset test) = Datasets.Digits(normalize: true).Split(0.2, 0);
        var model = new Sequential(new Dense(25, Activation.Relu), new Dense(15, Activation.Relu), new Dense(10, Activation.Linear))
        {
            Seed = 0,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
        model.Fit(train.Features, train.Labels, epochs: 20, batchSize: 32, validationSplit: 0.1, verbose: 0);

        AssertGolden("digits", (
            "5b27e4ed88975b2fffc40233015db27a4d720beedd414954fa051587cbc54051",
            "3d4fcab5d7bf79b674374102df98233ea077c7c6b77c60d117347607b24a8569"), model, test.Features);
    }

    /// <summary>MNIST 300-100 with sigmoid hidden layers on the embedded MNIST subset: wide products, the exp path of sigmoid.</summary>
    [Fact]
    public void MnistSigmoid300x100_TrainsToTheGoldenBits()
    {
        (Dataset train, Dataset test) = Datasets.Mnist();
        var model = new Sequential(new Dense(300, Activation.Sigmoid), new Dense(100, Activation.Sigmoid), new Dense(10, Activation.Linear))
        {
            Seed = 3,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
        // 2,000 of the 8,000 training images keep the test quick; the shapes are MNIST's.
        model.Fit(train.Features.Slice(0, 2000), train.Labels.Slice(0, 2000), epochs: 1, batchSize: 64, verbose: 0);

        AssertGolden("mnist", (
            "ea59fe1667f421e7b1eedc6b79b19aa53e68b8d51971c01864ac3474063adf39",
            "2851c4ecff61859aa974d25ebc14d785c0dff1e92ed5937d39a923e31554ebf7"), model, test.Features.Slice(0, 500));
    }

    /// <summary>SGD with momentum and global-norm clipping (the norm's double sum), softmax output trained through the fused loss, dropout.</summary>
    [Fact]
    public void ClippedDropoutModel_TrainsToTheGoldenBits()
    {
        Dataset data = Datasets.Blobs(count: 600, seed: 2);
        var model = new Sequential(new Dense(32, Activation.Gelu), new Dropout(0.2f), new Dense(4, Activation.Softmax)) { Seed = 5, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new SGD(0.5f, momentum: 0.9f) { GlobalClipNorm = 0.1f });
        model.Fit(data.Features, data.Labels, epochs: 5, batchSize: 16, verbose: 0);

        AssertGolden("clipped", (
            "310ff1195a9cabacb3289078ae6773d6efde27d242029341740491f303ede290",
            "c415da88687dba59789a5c26157df47f856257a4e77c7c46a5186a57b37d1635"), model, data.Features);
    }
}
