using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace LogitNet.Kernels;

/// <summary>
/// 2-D convolution of channels-last (NHWC) images, lowered onto <see cref="Gemm"/> through im2col:
/// each output pixel's window becomes a row of a [pixels, KH·KW·C] matrix, and the kernel, stored as
/// Keras stores it ([KH, KW, C, F] = [KH·KW·C, F] row-major), is the right-hand operand.
/// </summary>
/// <remarks>
/// <para>
/// Forward: Y[pixels, F] = relu?(col·W + b), bias and ReLU fused into the product's store. Channels
/// last makes Y the NHWC output as it stands, and makes every window row a run of contiguous copies.
/// At inference a short window (a first layer on grey or RGB images) skips the matrix:
/// <see cref="DirectConvolution2D"/> reads the windows in place and computes the same chains.
/// Backward: dW = colᵀ·dY, db = Σ dY, dcol = dY·Wᵀ and dX = col2im(dcol).
/// </para>
/// <para>
/// Determinism: each output value is one GEMM row, whose summation order depends on the patch length
/// alone, so a sample's output is bitwise the same in any batch and on any thread count. col2im adds
/// the window contributions to each input value in a fixed order (pixel by pixel, then kernel
/// position), so dX is bitwise the same too; dW sums over the batch in row order, db in fixed blocks of rows
/// (<see cref="BiasGradient"/>).
/// </para>
/// </remarks>
internal static class Convolution2D
{
    /// <summary>
    /// Whether the window is one pixel with stride 1 and no padding, so the input is its own im2col
    /// matrix ([pixels, C]) and no copy is needed.
    /// </summary>
    public static bool InputIsPatchMatrix(in Window2D g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.PadTop == 0 && g.PadLeft == 0 && g.OutputHeight == g.InputHeight && g.OutputWidth == g.InputWidth;

    /// <summary>
    /// Writes rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/> - 1 of the
    /// im2col matrix of the images in <paramref name="input"/> into the first rows of <paramref name="col"/>. Row
    /// (b, oy, ox) of the matrix ([batch·OH·OW, KH·KW·C]) holds the window at that output pixel of image b, kernel row by
    /// kernel row, each position's C channels together; padding reads as 0. A range may start and end inside an image,
    /// so a convolution can be cut by rows.
    /// </summary>
    /// <param name="g">The geometry.</param>
    /// <param name="input">The images, [batch, H, W, C].</param>
    /// <param name="firstRow">The first row to write.</param>
    /// <param name="rowCount">How many rows to write.</param>
    /// <param name="col">Receives the rows; every value of them is written.</param>
    public static void Im2ColRows(in Window2D g, ReadOnlySpan<float> input, int firstRow, int rowCount, Span<float> col)
    {
        int pixels = g.OutputPixels;
        int row = 0;
        for (int r = firstRow, end = firstRow + rowCount; r < end;)
        {
            int b = r / pixels, p0 = r % pixels, p1 = Math.Min(pixels, p0 + (end - r));
            ReadOnlySpan<float> image = input.Slice(b * g.InputLength, g.InputLength);
            row = g.Channels == 1 && g.DilationWidth == 1 && g.DilationHeight == 1
                ? Im2ColSingleChannel(g, image, p0, p1, col, row)
                : Im2ColImage(g, image, p0, p1, col, row);
            r += p1 - p0;
        }
    }

    /// <summary>Im2col rows of output pixels [<paramref name="p0"/>, <paramref name="p1"/>) of one image, from row <paramref name="row"/> of <paramref name="col"/>; returns the next row.</summary>
    // Fully optimized from the first call, as the other per-pixel loops are: a fresh process's first few hundred convnet
    // predictions ran this and CopyRuns as tier-0 code, ShortCopy's vector copy not inlined (session 19).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Im2ColImage(in Window2D g, ReadOnlySpan<float> image, int p0, int p1, Span<float> col, int row)
    {
        int c = g.Channels;
        int kw = g.KernelWidth;
        int rowLength = g.PatchLength;
        int rowSpan = kw * c;
        for (int p = p0; p < p1; p++, row++)
        {
            int oy = p / g.OutputWidth, ox = p % g.OutputWidth;
            int y0 = oy * g.StrideHeight - g.PadTop;
            Span<float> dest = col.Slice(row * rowLength, rowLength);
            int x0 = ox * g.StrideWidth - g.PadLeft;
            if (g.DilationWidth == 1 && g.DilationHeight == 1 && x0 >= 0 && x0 + kw <= g.InputWidth
                && y0 >= 0 && y0 + g.KernelHeight <= g.InputHeight)
            {
                // A window inside the image (most of them): KH runs of KW·C floats, copied inline; a call to
                // copy each run cost about as much as the copy.
                CopyRuns(image.Slice((y0 * g.InputWidth + x0) * c, ((g.KernelHeight - 1) * g.InputWidth + kw) * c), g.InputWidth * c, dest, rowSpan, g.KernelHeight);
                continue;
            }

            // The kernel columns whose input column lies inside the image: [kx0, kx1).
            (int kx0, int kx1) = InsideRange(x0, g.DilationWidth, kw, g.InputWidth);
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                Span<float> destRow = dest.Slice(ky * rowSpan, rowSpan);
                int iy = y0 + ky * g.DilationHeight;
                if ((uint)iy >= (uint)g.InputHeight || kx0 >= kx1)
                {
                    destRow.Clear();
                    continue;
                }

                destRow[..(kx0 * c)].Clear();
                destRow[(kx1 * c)..].Clear();
                int source = (iy * g.InputWidth + x0) * c;
                if (g.DilationWidth == 1)
                {
                    // Undilated: the inside columns are one contiguous run of the image row.
                    image.Slice(source + kx0 * c, (kx1 - kx0) * c).CopyTo(destRow[(kx0 * c)..]);
                }
                else
                {
                    for (int kx = kx0; kx < kx1; kx++)
                    {
                        image.Slice(source + kx * g.DilationWidth * c, c).CopyTo(destRow.Slice(kx * c, c));
                    }
                }
            }
        }

        return row;
    }

    /// <summary>Copies <paramref name="runs"/> runs of <paramref name="runLength"/> floats, <paramref name="sourceStride"/> apart in <paramref name="source"/>, one after another into <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRuns(ReadOnlySpan<float> source, int sourceStride, Span<float> destination, int runLength, int runs)
    {
        for (int r = 0; r < runs; r++)
        {
            ShortCopy.Copy(source.Slice(r * sourceStride, runLength), destination.Slice(r * runLength, runLength));
        }
    }

    /// <summary>
    /// Im2col of one single-channel image, undilated (a network's first layer on grey-scale images): a
    /// window row is KW values, copied as such rather than as KW runs of one channel; windows inside the
    /// image take a bounds-free path (it took twice the first layer's product before).
    /// </summary>
    private static unsafe int Im2ColSingleChannel(in Window2D g, ReadOnlySpan<float> image, int p0, int p1, Span<float> col, int row)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, rowLength = g.PatchLength, width = g.InputWidth, height = g.InputHeight;
        if (col.Length < (row + p1 - p0) * rowLength || image.Length < height * width || p0 < 0 || p1 > g.OutputPixels)
        {
            throw new ArgumentException("The im2col matrix or the image is shorter than the geometry says.");
        }

        fixed (float* source = image, matrix = col)
        {
            for (int p = p0; p < p1; p++, row++)
            {
                int oy = p / g.OutputWidth, ox = p % g.OutputWidth;
                int y0 = oy * g.StrideHeight - g.PadTop;
                bool rowsInside = y0 >= 0 && y0 + kh <= height;
                float* dest = matrix + (nint)row * rowLength;
                int x0 = ox * g.StrideWidth - g.PadLeft;
                if (rowsInside && x0 >= 0 && x0 + kw <= width)
                {
                    float* from = source + (nint)y0 * width + x0;
                    for (int ky = 0; ky < kh; ky++, from += width, dest += kw)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            dest[kx] = from[kx];
                        }
                    }

                    continue;
                }

                for (int ky = 0; ky < kh; ky++)
                {
                    int iy = y0 + ky;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        int ix = x0 + kx;
                        *dest++ = (uint)iy < (uint)height && (uint)ix < (uint)width ? source[(nint)iy * width + ix] : 0f;
                    }
                }
            }
        }

        return row;
    }

    /// <summary>
    /// The adjoint of <see cref="Im2ColRows"/> over the whole batch: dX = Σ over windows of their rows of <paramref name="colGradient"/>,
    /// padding dropped. Each input value receives its contributions in a fixed order.
    /// </summary>
    /// <param name="g">The geometry.</param>
    /// <param name="colGradient">dL/d(col), [batch·OH·OW, KH·KW·C].</param>
    /// <param name="batch">The number of images.</param>
    /// <param name="inputGradient">dL/d(input), [batch, H, W, C]; overwritten.</param>
    public static void Col2Im(in Window2D g, ReadOnlySpan<float> colGradient, int batch, Span<float> inputGradient)
    {
        inputGradient[..(batch * g.InputLength)].Clear();
        int c = g.Channels;
        int kw = g.KernelWidth;
        int rowLength = g.PatchLength;
        int rowSpan = kw * c;
        int row = 0;
        for (int b = 0; b < batch; b++)
        {
            Span<float> image = inputGradient.Slice(b * g.InputLength, g.InputLength);
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                int y0 = oy * g.StrideHeight - g.PadTop;
                for (int ox = 0; ox < g.OutputWidth; ox++, row++)
                {
                    ReadOnlySpan<float> source = colGradient.Slice(row * rowLength, rowLength);
                    int x0 = ox * g.StrideWidth - g.PadLeft;
                    (int kx0, int kx1) = InsideRange(x0, g.DilationWidth, kw, g.InputWidth);
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = y0 + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InputHeight || kx0 >= kx1)
                        {
                            continue;
                        }

                        ReadOnlySpan<float> sourceRow = source.Slice(ky * rowSpan, rowSpan);
                        int target = (iy * g.InputWidth + x0) * c;
                        if (g.DilationWidth == 1)
                        {
                            Span<float> run = image.Slice(target + kx0 * c, (kx1 - kx0) * c);
                            TensorPrimitives.Add(run, sourceRow.Slice(kx0 * c, run.Length), run);
                        }
                        else
                        {
                            for (int kx = kx0; kx < kx1; kx++)
                            {
                                Span<float> run = image.Slice(target + kx * g.DilationWidth * c, c);
                                TensorPrimitives.Add(run, sourceRow.Slice(kx * c, c), run);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Y = relu?(col·W + b): the forward product on the im2col matrix.</summary>
    /// <param name="rows">batch·OH·OW.</param>
    /// <param name="patch">KH·KW·C.</param>
    /// <param name="filters">F.</param>
    /// <param name="col">The im2col matrix (or the input itself when <see cref="InputIsPatchMatrix"/>).</param>
    /// <param name="kernel">W, [patch, filters].</param>
    /// <param name="bias">b, [filters], or empty.</param>
    /// <param name="relu">Whether to store max(0, ·).</param>
    /// <param name="output">Y, [rows, filters].</param>
    public static void Forward(int rows, int patch, int filters, ReadOnlySpan<float> col, ReadOnlySpan<float> kernel,
        ReadOnlySpan<float> bias, bool relu, Span<float> output) =>
        Gemm.Multiply(false, false, rows, filters, patch, col, patch, kernel, filters, output, filters,
            new GemmEpilogue { Bias = bias, Relu = relu });

    /// <summary>dW = colᵀ·dZ only (the bias gradient computed elsewhere).</summary>
    public static void BackwardKernel(int rows, int patch, int filters, ReadOnlySpan<float> col, ReadOnlySpan<float> outputGradient,
        Span<float> kernelGradient) =>
        Gemm.Multiply(true, false, patch, filters, rows, col, patch, outputGradient, filters, kernelGradient, filters, GemmEpilogue.None);

    /// <summary>dcol = dZ·Wᵀ: the gradient of the im2col matrix (col2im then folds it into dX).</summary>
    public static void BackwardPatches(int rows, int patch, int filters, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> kernel,
        Span<float> colGradient) =>
        Gemm.Multiply(false, true, rows, patch, filters, outputGradient, filters, kernel, filters, colGradient, patch, GemmEpilogue.None);

    /// <summary>
    /// The im2col rows of one chunk of a forward pass over <paramref name="rows"/> rows (output pixels of the batch): an
    /// eighth of them, so that even one image's pixels are shared between threads, but at least 64 (a product of fewer
    /// rows repays its call less) and at most 96K floats of im2col (which stays in the core's cache until multiplied).
    /// The cut depends on the shape alone, and each output row is its own GEMM row, so no cut changes a bit.
    /// </summary>
    internal static int ForwardRowsPerChunk(in Window2D g, int rows)
    {
        int most = Math.Max(1, 96 * 1024 / Math.Max(1, g.PatchLength));
        return Math.Clamp((rows + 7) / 8, Math.Min(64, most), most);
    }

    /// <summary>
    /// Whole samples per chunk of the parallel backward passes: enough rows for about 384 KB of im2col matrix, which
    /// the chunk's product reads back from the 1 MB L2 right after writing it. Depends on the geometry alone.
    /// </summary>
    internal static int SamplesPerChunk(in Window2D g) =>
        Math.Max(1, 96 * 1024 / Math.Max(1, g.OutputPixels * g.PatchLength));

    /// <summary>The kernel positions [first, end) whose input coordinate x0 + k·dilation lies in [0, size).</summary>
    internal static (int First, int End) InsideRange(int x0, int dilation, int kernel, int size)
    {
        int first = x0 >= 0 ? 0 : (-x0 + dilation - 1) / dilation;
        int end = size - x0 <= 0 ? 0 : Math.Min(kernel, (size - x0 - 1) / dilation + 1);
        return (Math.Min(first, kernel), end);
    }
}
