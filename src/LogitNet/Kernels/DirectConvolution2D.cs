using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// The forward pass of a 2-D convolution with a short window (at most <see cref="MaxPatch"/> input values per output
/// pixel: a network's first layers on grey or RGB images), computed from the images themselves: each tile of output
/// pixels reads its windows through a table of offsets instead of through rows of an im2col matrix.
/// </summary>
/// <remarks>
/// <para>
/// With a short window, writing the im2col matrix and reading it back costs as much as the product (a 3 × 3 window on
/// one channel makes 9 floats of matrix per pixel, against 9 FMAs per pixel per vector of filters), so inference skips
/// it. Windows that cross the image's edge read a copy of the image with its padding written out, made a row at a
/// time as the windows reach it, so every tile reads its windows through one table of offsets. Training keeps
/// <see cref="Convolution2D"/>'s im2col path: its backward pass reads the matrix anyway.
/// </para>
/// <para>
/// Bits: every output is the GEMM's chain for the same row of the im2col matrix: the window in im2col order (kernel
/// row, kernel column, channel) in <see cref="Gemm"/>'s K blocks (<see cref="Gemm.KcStep"/>: one block up to 256 values),
/// each an FMA chain from zero, the blocks' sums added in order, then + bias, then ReLU (x &lt; 0 ? 0 : x), on the same
/// vector arithmetic (<see cref="IGemmVector{TVec}"/>, one rounding per element on every width). So a pixel gives
/// the same bits here as through im2col and the GEMM, on every instruction set and in any cut of the rows.
/// </para>
/// </remarks>
internal static unsafe class DirectConvolution2D
{
    /// <summary>
    /// The longest patch (KH·KW·C) computed directly: 3 × 3 windows on up to 8 channels, 5 × 5 on up to 2. Measured
    /// against im2col and the GEMM on one thread, 28 × 28 images, 3 × 3 windows (bench/results/inference.md, session 18): the direct
    /// pass was 1.03–2.9× as fast up to 72 values on AVX-512 and AVX2 alike, within <see cref="MaxColumnGroups"/>; at
    /// 144 AVX2 fell to 0.86–0.95×. At 288 (the MNIST convnet's second convolution, 13 × 13 × 32 → 64) the whole model on
    /// AVX-512 was level with im2col and the GEMM at batches of 1 to 1000 (session 19). Settable for benchmarks only (at most
    /// <see cref="PatchCeiling"/>); the bits never depend on it, since both paths compute the same chains.
    /// </summary>
    internal static int MaxPatch = 72;

    /// <summary>
    /// The most column groups (two vectors of filters each: 32 filters on AVX-512, 16 on AVX2) computed directly. Each
    /// group reads the windows again, where the GEMM's packed tiles read each value once per 4 vectors; at 8 groups
    /// (128 filters on AVX2) the direct pass fell to 0.84–0.90×, at 4 it was 1.03× or better.
    /// </summary>
    internal const int MaxColumnGroups = 4;

    /// <summary>The longest patch the kernel can take at all: its two tables of window offsets are on the stack (32 KB at this length).</summary>
    internal const int PatchCeiling = 4096;

    /// <summary>The most output pixels per tile: 6 rows × 2 vectors of filters = 12 accumulators, which fit every path's registers.</summary>
    private const int TileRows = 6;

    /// <summary>Padded rows the band of a padded image holds beyond one row of windows' span (see <c>Run</c>).</summary>
    private const int BandSlack = 32;

    /// <summary>Whether the forward pass of this geometry and number of filters is computed directly (see <see cref="MaxPatch"/>).</summary>
    public static bool Applies(in Window2D g, int filters) =>
        g.PatchLength <= Math.Min(MaxPatch, PatchCeiling) && (filters + 2 * Width - 1) / (2 * Width) <= MaxColumnGroups;

    /// <summary>Floats of <see cref="Pack"/>'s output for this many filters: the kernel and the bias in column groups of two vectors, zero-padded.</summary>
    public static int PackedLength(int patch, int filters)
    {
        int group = 2 * Width;
        int groups = (filters + group - 1) / group;
        return groups * group * (patch + 1);
    }

    /// <summary>
    /// Writes the kernel ([patch, filters] row-major) and the bias (empty for none: zeros, never added) as column
    /// groups of two vectors, [group][p][2·width] followed by [group][2·width], zero-padded past the last filter, so
    /// every tile loads whole vectors on every path.
    /// </summary>
    public static void Pack(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int patch, int filters, Span<float> packed)
    {
        int group = 2 * Width;
        int groups = (filters + group - 1) / group;
        packed[..PackedLength(patch, filters)].Clear();
        for (int j = 0; j < groups; j++)
        {
            int first = j * group, count = Math.Min(group, filters - first);
            for (int p = 0; p < patch; p++)
            {
                kernel.Slice(p * filters + first, count).CopyTo(packed.Slice((j * patch + p) * group, count));
            }

            if (!bias.IsEmpty)
            {
                bias.Slice(first, count).CopyTo(packed.Slice((groups * patch + j) * group, count));
            }
        }
    }

    /// <summary>
    /// Rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/> - 1 (output pixels of
    /// the batch, in im2col order) of Y = relu?(conv(X, W) + b), written to the same rows of <paramref name="output"/>
    /// ([batch·OH·OW, filters]).
    /// </summary>
    /// <param name="g">The geometry; its patch is at most <see cref="PatchCeiling"/>.</param>
    /// <param name="input">The images, [batch, H, W, C].</param>
    /// <param name="firstRow">The first output pixel.</param>
    /// <param name="rowCount">How many output pixels.</param>
    /// <param name="packed">The kernel and bias from <see cref="Pack"/>.</param>
    /// <param name="filters">The number of filters.</param>
    /// <param name="hasBias">Whether to add the packed bias.</param>
    /// <param name="relu">Whether to store max(0, x) (NaN kept).</param>
    /// <param name="output">Y, [batch·OH·OW, filters]; only the given rows are written.</param>
    public static void Forward(in Window2D g, ReadOnlySpan<float> input, int firstRow, int rowCount, ReadOnlySpan<float> packed,
        int filters, bool hasBias, bool relu, Span<float> output)
    {
        int patch = g.PatchLength;
        if (patch > PatchCeiling || patch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(g), patch, $"A direct convolution takes patches of 1 to {PatchCeiling} values.");
        }

        int images = (firstRow + rowCount + g.OutputPixels - 1) / g.OutputPixels;
        if (firstRow < 0 || rowCount < 0 || input.Length < images * g.InputLength || output.Length < (firstRow + rowCount) * filters
            || packed.Length < PackedLength(patch, filters))
        {
            throw new ArgumentException("The rows, the images, the packed kernel or the output are shorter than the geometry says.");
        }

        fixed (float* x = input, w = packed, y = output)
        {
            switch (Gemm.BestKernel)
            {
                case GemmKernel.Vector512:
                    Run<GemmVector512, Vector512<float>>(g, x, firstRow, rowCount, w, filters, hasBias, relu, y);
                    break;
                case GemmKernel.Vector256:
                    Run<GemmVector256, Vector256<float>>(g, x, firstRow, rowCount, w, filters, hasBias, relu, y);
                    break;
                case GemmKernel.Vector128:
                    Run<GemmVector128, Vector128<float>>(g, x, firstRow, rowCount, w, filters, hasBias, relu, y);
                    break;
                default:
                    Run<GemmScalar, float>(g, x, firstRow, rowCount, w, filters, hasBias, relu, y);
                    break;
            }
        }
    }

    /// <summary>The vector width of the kernels the GEMM runs, which the packing follows.</summary>
    private static int Width => Gemm.BestKernel switch
    {
        GemmKernel.Vector512 => GemmVector512.Width,
        GemmKernel.Vector256 => GemmVector256.Width,
        GemmKernel.Vector128 => GemmVector128.Width,
        _ => GemmScalar.Width,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec>(in Window2D g, float* input, int firstRow, int rowCount, float* packed, int filters,
        bool hasBias, bool relu, float* output)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int patch = g.PatchLength, c = g.Channels;
        int spanHeight = (g.KernelHeight - 1) * g.DilationHeight + 1, spanWidth = (g.KernelWidth - 1) * g.DilationWidth + 1;

        // An image whose windows cross its edge (padding) is read from a copy with the padding written out as zeros: a band
        // of padded rows as wide as every window of a row needs, each row copied once as the windows first reach it. The
        // band holds at most BandSlack rows more than one row of windows spans and slides down the image, so a thread's
        // copy stays small for a large image.
        int bandWidth = (g.OutputWidth - 1) * g.StrideWidth + spanWidth;
        int bandRows = Math.Min((g.OutputHeight - 1) * g.StrideHeight + spanHeight, spanHeight + BandSlack);
        int* window = stackalloc int[patch];
        int* bandWindow = stackalloc int[patch];
        for (int ky = 0, p = 0; ky < g.KernelHeight; ky++)
        {
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                for (int ch = 0; ch < c; ch++, p++)
                {
                    window[p] = (ky * g.DilationHeight * g.InputWidth + kx * g.DilationWidth) * c + ch;
                    bandWindow[p] = (ky * g.DilationHeight * bandWidth + kx * g.DilationWidth) * c + ch;
                }
            }
        }

        // An edge group's lanes on paths without masked stores.
        float* lanes = stackalloc float[2 * TOps.Width];
        int pixels = g.OutputPixels;
        nint pixelStride = (nint)g.StrideWidth * c;
        bool rowsInsideColumns = g.PadLeft == 0 && bandWidth <= g.InputWidth;
        bool padded = !rowsInsideColumns || g.PadTop > 0 || g.PadBottom > 0;
        fixed (float* band = padded ? Band(bandRows * bandWidth * c) : default)
        {
            // The band holds padded rows [bandStart, bandFilled) of image bandImage, from its first row.
            int bandImage = -1, bandStart = 0, bandFilled = 0;
            nint rowLength = (nint)bandWidth * c;
            for (int r = firstRow, end = firstRow + rowCount; r < end;)
            {
                int b = r / pixels, pixel = r % pixels, oy = pixel / g.OutputWidth, ox = pixel % g.OutputWidth;
                int run = Math.Min(g.OutputWidth - ox, end - r);
                float* image = input + (nint)b * g.InputLength;
                int y0 = oy * g.StrideHeight - g.PadTop;

                // The windows of this output row, pixel ox: in place, or in the band.
                float* source;
                int* offsets;
                if (rowsInsideColumns && y0 >= 0 && y0 + spanHeight <= g.InputHeight)
                {
                    source = image + ((nint)y0 * g.InputWidth + ox * g.StrideWidth) * c;
                    offsets = window;
                }
                else
                {
                    // Padded rows [top, top + spanHeight) hold this row of windows.
                    int top = oy * g.StrideHeight;
                    if (b != bandImage || bandFilled <= top || top < bandStart)
                    {
                        (bandImage, bandStart, bandFilled) = (b, top, top);
                    }
                    else if (top + spanHeight > bandStart + bandRows)
                    {
                        // Slide: the rows already copied that this row of windows still reads move to the band's top.
                        int kept = (int)((bandFilled - top) * rowLength);
                        new Span<float>(band + (top - bandStart) * rowLength, kept).CopyTo(new Span<float>(band, kept));
                        bandStart = top;
                    }

                    for (; bandFilled < top + spanHeight; bandFilled++)
                    {
                        FillPaddedRow(g, image, bandFilled - g.PadTop, bandWidth, band + (bandFilled - bandStart) * rowLength);
                    }

                    source = band + (top - bandStart) * rowLength + (nint)ox * g.StrideWidth * c;
                    offsets = bandWindow;
                }

                // The run in tiles of as even heights as cover it exactly (26 pixels: 6 + 5 + 5 + 5 + 5), so no pixel is
                // computed twice and no window is read past the run.
                float* y = output + (nint)r * filters;
                int tiles = (run + TileRows - 1) / TileRows, shortest = run / tiles, taller = run % tiles;
                for (int t = 0, start = 0; t < tiles; t++)
                {
                    int height = t < taller ? shortest + 1 : shortest;
                    float* a = source + start * pixelStride;
                    float* yTile = y + (nint)start * filters;
                    switch (height)
                    {
                        case 6:
                            Tile<TOps, TVec, Count6>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                        case 5:
                            Tile<TOps, TVec, Count5>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                        case 4:
                            Tile<TOps, TVec, Count4>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                        case 3:
                            Tile<TOps, TVec, Count3>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                        case 2:
                            Tile<TOps, TVec, Count2>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                        default:
                            Tile<TOps, TVec, Count1>(patch, offsets, a, pixelStride, packed, filters, hasBias, relu, yTile, lanes);
                            break;
                    }

                    start += height;
                }

                r += run;
            }
        }
    }

    /// <summary>Input row <paramref name="iy"/> of the image, columns -PadLeft to -PadLeft + <paramref name="bandWidth"/> - 1, with zeros outside the image.</summary>
    private static void FillPaddedRow(in Window2D g, float* image, int iy, int bandWidth, float* destination)
    {
        int c = g.Channels;
        var row = new Span<float>(destination, bandWidth * c);
        if ((uint)iy >= (uint)g.InputHeight)
        {
            row.Clear();
            return;
        }

        int left = Math.Min(g.PadLeft, bandWidth), inside = Math.Clamp(g.InputWidth, 0, bandWidth - left);
        row[..(left * c)].Clear();
        new ReadOnlySpan<float>(image + (nint)iy * g.InputWidth * c, inside * c).CopyTo(row[(left * c)..]);
        row[((left + inside) * c)..].Clear();
    }

    /// <summary>The calling thread's band of padded rows, grown to <paramref name="length"/> floats (a warm pass allocates nothing).</summary>
    private static Span<float> Band(int length)
    {
        if (t_band is null || t_band.Length < length)
        {
            t_band = new float[length];
        }

        return t_band.AsSpan(0, length);
    }

    [ThreadStatic]
    private static float[]? t_band;

    /// <summary>
    /// <typeparamref name="THeight"/> output pixels whose windows are at a + t·<paramref name="pixelStride"/> + offsets[p],
    /// over every column group of filters, in the GEMM's K blocks.
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized from its first call: the JIT does not inline it into <c>Run</c>, and as a separately tiered
    /// method it ran its first few hundred calls as tier-0 code with the vector calls not inlined (one-image predictions of
    /// the MNIST convnet in a fresh process, best of ten rounds of 200 calls: 99.5 µs of CPU a call, against 37.5 µs in
    /// rounds of 3,000; session 19).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TOps, TVec, THeight>(int patch, int* offsets, float* a, nint pixelStride, float* packed, int filters,
        bool hasBias, bool relu, float* y, float* lanes)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where THeight : IConstantCount
    {
        int w = TOps.Width, group = 2 * w, rows = THeight.Value;
        int groups = (filters + group - 1) / group;
        nint s1 = pixelStride, s2 = 2 * pixelStride, s3 = 3 * pixelStride, s4 = 4 * pixelStride, s5 = 5 * pixelStride;
        float* biases = packed + (nint)groups * patch * group;
        int kcStep = Gemm.KcStep(patch);
        for (int j = 0; j < groups; j++)
        {
            int first = j * group, cols = Math.Min(group, filters - first);
            float* row = y + first;
            float* b = packed + (nint)j * patch * group;
            for (int pc = 0; pc < patch; pc += kcStep)
            {
                // One K block of the GEMM: a chain from zero over its kc values, added to the blocks before it, and
                // the bias and ReLU after the last (Gemm's flags and epilogue).
                int kc = Math.Min(kcStep, patch - pc);
                bool last = pc + kc == patch;
                int flags = (pc > 0 ? Gemm.AddToC : 0) | (last && relu ? Gemm.ApplyRelu : 0);
                float* bias = last && hasBias ? biases + (nint)j * group : null;
                TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
                TVec c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
                for (int p = pc, end = pc + kc; p < end; p++, b += group)
                {
                    float* at = a + offsets[p];
                    TVec b0 = TOps.Load(b), b1 = TOps.Load(b + w);
                    TVec x = TOps.Broadcast(at);
                    c00 = TOps.MultiplyAdd(x, b0, c00);
                    c01 = TOps.MultiplyAdd(x, b1, c01);
                    if (rows > 1)
                    {
                        x = TOps.Broadcast(at + s1);
                        c10 = TOps.MultiplyAdd(x, b0, c10);
                        c11 = TOps.MultiplyAdd(x, b1, c11);
                    }

                    if (rows > 2)
                    {
                        x = TOps.Broadcast(at + s2);
                        c20 = TOps.MultiplyAdd(x, b0, c20);
                        c21 = TOps.MultiplyAdd(x, b1, c21);
                    }

                    if (rows > 3)
                    {
                        x = TOps.Broadcast(at + s3);
                        c30 = TOps.MultiplyAdd(x, b0, c30);
                        c31 = TOps.MultiplyAdd(x, b1, c31);
                    }

                    if (rows > 4)
                    {
                        x = TOps.Broadcast(at + s4);
                        c40 = TOps.MultiplyAdd(x, b0, c40);
                        c41 = TOps.MultiplyAdd(x, b1, c41);
                    }

                    if (rows > 5)
                    {
                        x = TOps.Broadcast(at + s5);
                        c50 = TOps.MultiplyAdd(x, b0, c50);
                        c51 = TOps.MultiplyAdd(x, b1, c51);
                    }
                }

                Store<TOps, TVec>(row, c00, c01, bias, flags, cols, lanes);
                if (rows > 1)
                {
                    Store<TOps, TVec>(row + filters, c10, c11, bias, flags, cols, lanes);
                }

                if (rows > 2)
                {
                    Store<TOps, TVec>(row + 2 * filters, c20, c21, bias, flags, cols, lanes);
                }

                if (rows > 3)
                {
                    Store<TOps, TVec>(row + 3 * filters, c30, c31, bias, flags, cols, lanes);
                }

                if (rows > 4)
                {
                    Store<TOps, TVec>(row + 4 * filters, c40, c41, bias, flags, cols, lanes);
                }

                if (rows > 5)
                {
                    Store<TOps, TVec>(row + 5 * filters, c50, c51, bias, flags, cols, lanes);
                }
            }
        }
    }

    /// <summary>
    /// The GEMM's own epilogue for one row of a tile (<see cref="Gemm.StoreRow"/>: + bias, then ReLU), storing its first
    /// <paramref name="cols"/> lanes. An edge group goes through masked stores
    /// where the vectors have them, else through <paramref name="lanes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TOps, TVec>(float* y, TVec v0, TVec v1, float* bias, int flags, int cols, float* lanes)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int w = TOps.Width;
        if (cols == 2 * w)
        {
            Gemm.StoreRow<TOps, TVec>(y, v0, v1, bias, flags);
        }
        else if (TOps.MaskedLoads)
        {
            Gemm.StoreRowMasked<TOps, TVec>(true, y, v0, v1, bias, flags, TOps.MaskFor(cols), TOps.MaskFor(cols - w));
        }
        else
        {
            // The lanes past the filters are never read back: only the first cols lanes go to or come from y.
            if ((flags & Gemm.AddToC) != 0)
            {
                new ReadOnlySpan<float>(y, cols).CopyTo(new Span<float>(lanes, cols));
            }

            Gemm.StoreRow<TOps, TVec>(lanes, v0, v1, bias, flags);
            new ReadOnlySpan<float>(lanes, cols).CopyTo(new Span<float>(y, cols));
        }
    }
}
