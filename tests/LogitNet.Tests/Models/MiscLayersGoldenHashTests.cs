using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LogitNet.Data;
using LogitNet.Initializers;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// The golden-bits promise of <see cref="GoldenHashTests"/> for issue 13's misc layers: zero padding, depthwise
/// convolution (vector blocks, single vectors and the scalar tail all used), ReLU/LeakyReLU layers, a Softmax
/// output on the fused loss, He-normal and random-uniform starts. Met here by default, under
/// DOTNET_EnableAVX2=0 and under DOTNET_EnableHWIntrinsic=0; read GoldenHashTests' remarks before changing a value.
/// </summary>
public class MiscLayersGoldenHashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string Hash(IEnumerable<Tensor> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Tensor tensor in tensors)
        {
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

    [Fact]
    public void DepthwiseModelOnDigits_TrainsToTheGoldenBits()
    {
        (Dataset train, Dataset test) = Datasets.Digits(normalize: true).Split(0.2, 0);
        Tensor x = train.Features.Reshape(train.Count, 8, 8, 1), xTest = test.Features.Reshape(test.Count, 8, 8, 1);
        var model = new Sequential(
            new Input(8, 8, 1),
            new ZeroPadding2D(((1, 0), (1, 2))),
            // 1 channel x 43: five 8-lane vectors (one block of four, one single) and three scalar channels.
            new DepthwiseConv2D(3, depthMultiplier: 43, activation: Activation.Relu, depthwiseInitializer: new HeNormal(), biasInitializer: new RandomUniform(-0.1f, 0.1f)),
            new ReLU(maxValue: 0.8f, negativeSlope: 0.05f, threshold: 0.01f),
            new DepthwiseConv2D(2, strides: 2, padding: Padding.Same),
            new LeakyReLU(),
            new Flatten(),
            new Dense(10),
            new Softmax()) { Seed = 3, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(), new Adam(0.003f));
        model.Fit(x, train.Labels, epochs: 3, batchSize: 32, verbose: 0);

        (string Weights, string Predictions) actual = (Hash(model.Parameters.Select(p => p.Value)), Hash([model.Predict(xTest)]));
        output.WriteLine($"weights {actual.Weights}, predictions {actual.Predictions} (AVX2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported})");
        Assert.Equal(("79008995d019ac2896510b4da8dcd9d02ea7e9cebf1c944c8d23350eef5ddad5", "e42c828c34c0305d361f5dbcb78a92f67a5f9760464fad2132efb9bcb604bcb6"), actual);
    }
}
