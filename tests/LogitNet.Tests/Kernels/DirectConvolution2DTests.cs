using System.Runtime.InteropServices;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The direct forward pass of short-window convolutions (<see cref="DirectConvolution2D"/>) against the chain it promises
/// (the GEMM's K blocks of the window in im2col order, each an FMA chain from zero, added in order, + bias, ReLU), written out
/// in scalar code, and against the im2col + GEMM path it replaces at inference, bit for bit, on whatever instruction set the
/// run selects (CI runs the suite on AVX-512, AVX2 and software vectors).
/// </summary>
public unsafe class DirectConvolution2DTests
{
    public static TheoryData<int, int, int, int, bool, int> Geometries()
    {
        var data = new TheoryData<int, int, int, int, bool, int>();
        foreach ((int channels, int kernel, int stride, int dilation, bool same, int filters) in new[]
        {
            (1, 3, 1, 1, false, 32),  // the MNIST convnet's first layer
            (1, 3, 1, 1, true, 32),
            (3, 3, 1, 1, true, 16),   // RGB
            (3, 3, 2, 1, false, 33),  // a column group with one filter
            (1, 5, 1, 1, true, 7),    // fewer filters than a vector
            (1, 5, 2, 1, false, 40),
            (2, 3, 1, 2, true, 20),   // dilated
            (1, 1, 2, 1, false, 5),   // a one-pixel window with a stride: not the input as it stands
            (3, 1, 1, 1, true, 64),
            (1, 4, 3, 1, true, 1),
            (32, 1, 2, 1, false, 24),
            (8, 3, 1, 1, true, 24),   // 72: the longest patch taken by default
            (16, 3, 1, 1, true, 140), // longer, and more filters, which a benchmark may send this way
            (28, 3, 2, 1, false, 16), // 252: one K block of the GEMM (256)
            (32, 3, 1, 1, false, 64), // 288: two K blocks of 144 (the MNIST convnet's second layer)
            (64, 3, 1, 2, true, 20),  // 576: three K blocks of 192
        })
        {
            data.Add(channels, kernel, stride, dilation, same, filters);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_AnyRowRange_IsTheGemmChainOfEachWindow_BitForBit(int channels, int kernel, int stride, int dilation, bool same, int filters)
    {
        const int batch = 3, height = 11, width = 13;
        Window2D g = Window2D.Create(height, width, channels, kernel, kernel, stride, stride, dilation, dilation, same)!.Value;
        var random = new Random(channels * 1009 + kernel * 31 + filters);
        float[] input = Enumerable.Range(0, batch * g.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int patch = g.PatchLength, rows = batch * g.OutputPixels;
        float[] w = Enumerable.Range(0, patch * filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        foreach (bool relu in new[] { false, true })
        {
            foreach (bool withBias in new[] { false, true })
            {
                float[] expected = Reference(g, input, batch, w, withBias ? bias : null, filters, relu);

                // The path the direct pass replaces: im2col, then the GEMM with its fused epilogue.
                float[] col = new float[rows * patch], gemm = new float[rows * filters];
                Convolution2D.Im2ColRows(g, input, 0, rows, col);
                Convolution2D.Forward(rows, patch, filters, col, w, withBias ? bias : default, relu, gemm);
                AssertBits(expected, gemm, "im2col + GEMM");

                float[] packed = new float[DirectConvolution2D.PackedLength(patch, filters)];
                DirectConvolution2D.Pack(w, withBias ? bias : default, patch, filters, packed);
                foreach ((int first, int count) in new[] { (0, rows), (1, 1), (2, 5), (g.OutputWidth - 1, 9), (g.OutputPixels - 3, g.OutputPixels + 4), (5, rows - 7), (rows - 1, 1) })
                {
                    float[] direct = Enumerable.Repeat(float.NaN, rows * filters).ToArray();
                    DirectConvolution2D.Forward(g, input, first, count, packed, filters, withBias, relu, direct);
                    AssertBits(expected.AsSpan(first * filters, count * filters).ToArray(), direct.AsSpan(first * filters, count * filters).ToArray(), $"rows {first}+{count}");
                    Assert.All(direct.AsSpan(0, first * filters).ToArray(), v => Assert.True(float.IsNaN(v), "a row before the range was written"));
                    Assert.All(direct.AsSpan((first + count) * filters).ToArray(), v => Assert.True(float.IsNaN(v), "a row after the range was written"));
                }
            }
        }
    }

    /// <summary>
    /// Random geometries (2-D and 1-D; valid, same and causal padding; kernels that are not square; strides and dilations
    /// to 3; 1 to 130 filters; batches of 1 to 3), random row ranges: the im2col + GEMM bits, with the images and the
    /// output placed against an inaccessible page (after their end, then before their start) on Linux, so a read or a
    /// write outside them fails the test, and no row outside the range written.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Forward_RandomGeometries_InGuardedMemory_AreTheGemmBits(int seed)
    {
        var random = new Random(seed);
        int tried = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            bool oneD = random.Next(3) == 0;
            int h = oneD ? 1 : 1 + random.Next(12), w = 1 + random.Next(16), c = 1 + random.Next(random.Next(8) == 0 ? 48 : random.Next(2) == 0 ? 3 : 9);
            int kh = oneD ? 1 : 1 + random.Next(5), kw = 1 + random.Next(5);
            int sh = 1 + random.Next(3), sw = 1 + random.Next(3), dh = 1 + random.Next(3), dw = 1 + random.Next(3);
            if (random.Next(2) == 0)
            {
                (sh, sw) = (1, 1);
            }
            else
            {
                (dh, dw) = (1, 1);
            }

            int pad = random.Next(3); // valid, same, causal (1-D)
            Window2D? maybe = oneD
                ? SequenceWindow.Create(w, c, kw, sw, dw, pad == 0 ? Padding.Valid : pad == 1 ? Padding.Same : Padding.Causal)
                : Window2D.Create(h, w, c, kh, kw, sh, sw, dh, dw, pad != 0);
            if (maybe is not { } g || g.PatchLength > DirectConvolution2D.PatchCeiling || g.OutputPixels < 1)
            {
                continue;
            }

            int filters = 1 + random.Next(random.Next(2) == 0 ? 9 : 130), batch = 1 + random.Next(3);
            int patch = g.PatchLength, rows = batch * g.OutputPixels;
            float[] input = Enumerable.Range(0, batch * g.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] kernel = Enumerable.Range(0, patch * filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            float[] bias = Enumerable.Range(0, filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            bool relu = random.Next(2) == 0, withBias = random.Next(2) == 0;
            float[] col = new float[rows * patch], expected = new float[rows * filters];
            Convolution2D.Im2ColRows(g, input, 0, rows, col);
            Convolution2D.Forward(rows, patch, filters, col, kernel, withBias ? bias : default, relu, expected);
            float[] packed = new float[DirectConvolution2D.PackedLength(patch, filters)];
            DirectConvolution2D.Pack(kernel, withBias ? bias : default, patch, filters, packed);
            for (int cut = 0; cut < 4; cut++)
            {
                int first = cut == 0 ? 0 : random.Next(rows);
                int count = cut == 0 ? rows : random.Next(rows - first + 1);
                bool atEnd = (cut & 1) == 0;
                using var guardedInput = new GuardedFloats(batch * g.InputLength, atEnd);
                using var guardedOutput = new GuardedFloats((first + count) * filters, atEnd);
                input.CopyTo(guardedInput.Span);
                guardedOutput.Span.Fill(float.NaN);
                DirectConvolution2D.Forward(g, guardedInput.Span, first, count, packed, filters, withBias, relu, guardedOutput.Span);
                float[] actual = guardedOutput.Span.ToArray();
                AssertBits(expected.AsSpan(first * filters, count * filters).ToArray(), actual.AsSpan(first * filters).ToArray(),
                    $"{g} filters={filters} batch={batch} rows {first}+{count}");
                Assert.All(actual.AsSpan(0, first * filters).ToArray(), v => Assert.True(float.IsNaN(v), "a row before the range was written"));
            }

            tried++;
        }

        Assert.True(tried > 100, $"only {tried} of the random geometries were valid");
    }

    /// <summary>
    /// A padded image taller than the band of padded rows a thread keeps (one row of windows' span + 32 rows): the band
    /// slides down the image, keeping the rows the next row of windows still reads; strides, dilations and row ranges
    /// that start anywhere give the chain's bits.
    /// </summary>
    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(5, 1, 2)]
    [InlineData(4, 3, 1)]
    public void Forward_TallPaddedImages_SlideTheBand_AndKeepTheBits(int kernel, int stride, int dilation)
    {
        const int batch = 2, height = 97, width = 6, channels = 2, filters = 9;
        Window2D g = Window2D.Create(height, width, channels, kernel, kernel, stride, stride, dilation, dilation, true)!.Value;
        var random = new Random(kernel * 100 + stride * 10 + dilation);
        float[] input = Enumerable.Range(0, batch * g.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] w = Enumerable.Range(0, g.PatchLength * filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] expected = Reference(g, input, batch, w, bias, filters, relu: true);
        float[] packed = new float[DirectConvolution2D.PackedLength(g.PatchLength, filters)];
        DirectConvolution2D.Pack(w, bias, g.PatchLength, filters, packed);
        int rows = batch * g.OutputPixels;
        foreach ((int first, int count) in new[] { (0, rows), (g.OutputPixels / 3, g.OutputPixels), (g.OutputPixels * 2 / 5 + 1, g.OutputPixels / 2), (rows - 5, 5) })
        {
            float[] direct = new float[rows * filters];
            DirectConvolution2D.Forward(g, input, first, count, packed, filters, true, true, direct);
            AssertBits(expected.AsSpan(first * filters, count * filters).ToArray(), direct.AsSpan(first * filters, count * filters).ToArray(), $"rows {first}+{count}");
        }
    }

    /// <summary>Huge, tiny, subnormal, signed-zero, infinite and NaN inputs and weights: overflow, cancellation and NaN go the way of the chain.</summary>
    [Fact]
    public void Forward_AdversarialValues_AreTheChainsValues()
    {
        const int batch = 2, filters = 35;
        Window2D g = Window2D.Create(9, 10, 3, 3, 3, 1, 1, 1, 1, true)!.Value;
        float[] special = [3e38f, -3e38f, 1e-38f, 1.4e-45f, -1.4e-45f, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, -1f, 0.1f, 65504f];
        var random = new Random(7);
        float Pick() => random.Next(4) == 0 ? special[random.Next(special.Length)] : (float)(random.NextDouble() * 4 - 2);
        float[] input = Enumerable.Range(0, batch * g.InputLength).Select(_ => Pick()).ToArray();
        float[] w = Enumerable.Range(0, g.PatchLength * filters).Select(_ => random.Next(8) == 0 ? special[random.Next(special.Length - 5)] : (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, filters).Select(_ => Pick()).ToArray();
        int rows = batch * g.OutputPixels;
        float[] packed = new float[DirectConvolution2D.PackedLength(g.PatchLength, filters)];
        DirectConvolution2D.Pack(w, bias, g.PatchLength, filters, packed);
        foreach (bool relu in new[] { false, true })
        {
            float[] expected = Reference(g, input, batch, w, bias, filters, relu);
            float[] direct = new float[rows * filters];
            DirectConvolution2D.Forward(g, input, 0, rows, packed, filters, true, relu, direct);
            AssertBits(expected, direct, "adversarial");
            Assert.Contains(expected, float.IsNaN);
            Assert.Contains(expected, float.IsInfinity);
        }
    }

    [Fact]
    public void Forward_RefusesALongPatch_AndShortBuffers()
    {
        Assert.True(DirectConvolution2D.Applies(Window2D.Create(8, 8, 8, 3, 3, 1, 1, 1, 1, false)!.Value, 1));
        Assert.False(DirectConvolution2D.Applies(Window2D.Create(8, 8, 9, 3, 3, 1, 1, 1, 1, false)!.Value, 1));
        Assert.False(DirectConvolution2D.Applies(Window2D.Create(8, 8, 1, 3, 3, 1, 1, 1, 1, false)!.Value, 2048));
        Window2D longPatch = Window2D.Create(8, 8, 456, 3, 3, 1, 1, 1, 1, false)!.Value;
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DirectConvolution2D.Forward(longPatch, new float[longPatch.InputLength], 0, 1, new float[DirectConvolution2D.PackedLength(longPatch.PatchLength, 4)], 4, false, false, new float[4096]));
        Window2D g = Window2D.Create(8, 8, 1, 3, 3, 1, 1, 1, 1, false)!.Value;
        float[] packed = new float[DirectConvolution2D.PackedLength(9, 4)];
        Assert.Throws<ArgumentException>(() => DirectConvolution2D.Forward(g, new float[g.InputLength], 0, g.OutputPixels + 1, packed, 4, false, false, new float[4 * 2 * g.OutputPixels]));
        Assert.Throws<ArgumentException>(() => DirectConvolution2D.Forward(g, new float[g.InputLength], 0, g.OutputPixels, packed, 4, false, false, new float[4 * g.OutputPixels - 1]));
    }

    /// <summary>
    /// The promised arithmetic, one element at a time: the GEMM's K blocks of the window in im2col order (one block up to
    /// 256 values, then balanced blocks: 288 values are two of 144), in each acc = 0, acc = fma(x_k, w_k, acc); the blocks'
    /// sums added in order; + bias; x &lt; 0 ? 0 : x.
    /// </summary>
    private static float[] Reference(Window2D g, float[] input, int batch, float[] w, float[]? bias, int filters, bool relu)
    {
        int rows = batch * g.OutputPixels;
        float[] y = new float[rows * filters];
        for (int r = 0; r < rows; r++)
        {
            int b = r / g.OutputPixels, oy = r % g.OutputPixels / g.OutputWidth, ox = r % g.OutputWidth;
            int blocks = (g.PatchLength + 255) / 256, blockLength = (g.PatchLength + blocks - 1) / blocks;
            for (int f = 0; f < filters; f++)
            {
                float acc = 0f, total = 0f;
                for (int ky = 0, k = 0; ky < g.KernelHeight; ky++)
                {
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight, ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                        bool inside = iy >= 0 && iy < g.InputHeight && ix >= 0 && ix < g.InputWidth;
                        for (int ch = 0; ch < g.Channels; ch++, k++)
                        {
                            float x = inside ? input[((b * g.InputHeight + iy) * g.InputWidth + ix) * g.Channels + ch] : 0f;
                            acc = MathF.FusedMultiplyAdd(x, w[k * filters + f], acc);
                            if ((k + 1) % blockLength == 0 || k + 1 == g.PatchLength)
                            {
                                total = k < blockLength ? acc : total + acc;
                                acc = 0f;
                            }
                        }
                    }
                }

                acc = total;
                if (bias is not null)
                {
                    acc += bias[f];
                }

                y[r * filters + f] = relu && acc < 0 ? 0f : acc;
            }
        }

        return y;
    }

    /// <summary>Equal bits, save NaN payloads (which NaN an FMA returns when two meet follows the operands' order on the hardware).</summary>
    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(same, $"{what}: element {i} is {actual[i]:R}, the chain gives {expected[i]:R}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    /// <summary>
    /// Floats placed right after (or right before) an inaccessible page on Linux, so the kernel touching memory outside
    /// them crashes the test run; an ordinary array elsewhere.
    /// </summary>
    private sealed class GuardedFloats : IDisposable
    {
        private const int Page = 4096;
        private readonly nint _base;
        private readonly nuint _size;
        private readonly float* _data;
        private readonly float[]? _array;
        private readonly int _length;

        public GuardedFloats(int length, bool atEnd)
        {
            _length = length;
            if (!OperatingSystem.IsLinux())
            {
                _array = new float[length];
                return;
            }

            nuint bytes = (nuint)(((long)length * sizeof(float) + Page - 1) / Page * Page);
            _size = bytes + 2 * Page;
            _base = mmap(0, _size, 3 /* read, write */, 0x22 /* private, anonymous */, -1, 0);
            Assert.NotEqual(-1, _base);
            Assert.Equal(0, mprotect(_base, Page, 0));
            Assert.Equal(0, mprotect(_base + (nint)(bytes + Page), Page, 0));
            _data = atEnd ? (float*)(_base + (nint)(bytes + Page)) - length : (float*)(_base + Page);
        }

        public Span<float> Span => _array is not null ? _array : new Span<float>(_data, _length);

        public void Dispose()
        {
            if (_array is null)
            {
                munmap(_base, _size);
            }
        }
    }
}
