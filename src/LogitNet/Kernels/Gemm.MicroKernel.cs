using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>
/// The arithmetic of one vector width, so that the micro-kernels (and the optimizers' elementwise
/// updates) are written once and the JIT specialises them per width (the type arguments are
/// structs, so every call inlines). Each operation is correctly rounded per element, so every
/// width gives the scalar bits.
/// </summary>
internal unsafe interface IGemmVector<TVec>
    where TVec : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Width { get; }

    /// <summary>Rows of the micro-tile (MR); the tile is MR × 2·Width.</summary>
    static abstract int Rows { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(float* source);

    static abstract void Store(float* destination, TVec value);

    /// <summary>
    /// Whether <see cref="LoadMasked"/> and <see cref="StoreMasked"/> are single instructions
    /// (AVX-512), so the kernels can read B rows in place and store edge tiles from registers.
    /// </summary>
    static abstract bool MaskedLoads { get; }

    /// <summary>A mask of the first <paramref name="count"/> lanes (fewer than 0 is none, more than Width all).</summary>
    static abstract TVec MaskFor(int count);

    /// <summary>Loads the lanes <paramref name="mask"/> selects, zeros elsewhere, touching no memory of the others.</summary>
    static abstract TVec LoadMasked(float* source, TVec mask);

    /// <summary>Stores the lanes <paramref name="mask"/> selects, touching no memory of the others.</summary>
    static abstract void StoreMasked(float* destination, TVec value, TVec mask);

    static abstract TVec Broadcast(float* source);

    /// <summary>a·b + c with a single rounding (a hardware FMA on every path we select).</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Add(TVec a, TVec b);

    static abstract TVec Subtract(TVec a, TVec b);

    static abstract TVec Multiply(TVec a, TVec b);

    static abstract TVec Divide(TVec a, TVec b);

    static abstract TVec Sqrt(TVec value);

    /// <summary>x &lt; 0 ? 0 : x per element, the same as <see cref="Gemm.Relu(float)"/>, so NaN stays NaN.</summary>
    static abstract TVec Relu(TVec value);

    /// <summary>
    /// The ReLU's backward pass per element, the same as <see cref="Gemm.ReluBackward(float, float)"/>: the gradient
    /// <paramref name="outputGradient"/> where the output is above 0, NaN where it is NaN, else 0.
    /// </summary>
    static abstract TVec ReluBackward(TVec output, TVec outputGradient);

    /// <summary>
    /// An element smaller in magnitude than <paramref name="floor"/>'s (a broadcast of <see cref="Gemm.StateFloor"/>)
    /// becomes a zero of its sign, the same as <see cref="Gemm.FlushBelow(float, float)"/>; every other element (zero,
    /// larger finite, infinite, NaN) is returned unchanged.
    /// </summary>
    static abstract TVec FlushBelow(TVec value, TVec floor);
}

/// <summary>AVX-512: a 12×32 tile, 24 zmm accumulators + 2 for B + 1 broadcast out of 32 registers.</summary>
internal readonly unsafe struct GemmVector512 : IGemmVector<Vector512<float>>
{
    public static int Width => 16;

    public static int Rows => 12;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector512<float> value) => value.Store(destination);

    public static bool MaskedLoads => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaskFor(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    // Masked loads and stores suppress faults on the lanes they skip, so a row's end is safe.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMasked(float* source, Vector512<float> mask) =>
        Avx512F.MaskLoad(source, mask, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* destination, Vector512<float> value, Vector512<float> mask) =>
        Avx512F.MaskStore(destination, mask, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float* source) => Vector512.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> value) => Vector512.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.LessThan(value, Vector512<float>.Zero), Vector512<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReluBackward(Vector512<float> output, Vector512<float> outputGradient) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<float>.Zero), outputGradient,
            Vector512.ConditionalSelect(Vector512.Equals(output, output), Vector512<float>.Zero, Vector512.Create(float.NaN)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FlushBelow(Vector512<float> value, Vector512<float> floor) =>
        Vector512.ConditionalSelect(
            Vector512.LessThan(Vector512.Abs(value), floor),
            value & Vector512.Create(-0f),
            value);
}

/// <summary>
/// Masked loads and stores lane by lane, for vectors whose instruction set has none (no AVX): a
/// lane is selected when its mask bits are not all zero, and only selected lanes touch memory.
/// </summary>
internal static unsafe class MaskedLanes
{
    public static TVec Load<TVec>(float* source, TVec mask)
        where TVec : unmanaged
    {
        TVec value = default;
        int* selected = (int*)&mask;
        float* lanes = (float*)&value;
        for (int i = 0; i < sizeof(TVec) / sizeof(float); i++)
        {
            if (selected[i] != 0)
            {
                lanes[i] = source[i];
            }
        }

        return value;
    }

    public static void Store<TVec>(float* destination, TVec value, TVec mask)
        where TVec : unmanaged
    {
        int* selected = (int*)&mask;
        float* lanes = (float*)&value;
        for (int i = 0; i < sizeof(TVec) / sizeof(float); i++)
        {
            if (selected[i] != 0)
            {
                destination[i] = lanes[i];
            }
        }
    }
}

/// <summary>AVX2/FMA (16 ymm registers): a 6×16 tile, 12 accumulators + 2 for B + 1 broadcast.</summary>
internal readonly unsafe struct GemmVector256 : IGemmVector<Vector256<float>>
{
    public static int Width => 8;

    public static int Rows => 6;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector256<float> value) => value.Store(destination);

    public static bool MaskedLoads => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaskFor(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadMasked(float* source, Vector256<float> mask)
    {
        if (Avx.IsSupported)
        {
            return Avx.MaskLoad(source, mask);
        }

        return MaskedLanes.Load(source, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* destination, Vector256<float> value, Vector256<float> mask)
    {
        if (Avx.IsSupported)
        {
            Avx.MaskStore(destination, mask, value);
            return;
        }

        MaskedLanes.Store(destination, value, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float* source) => Vector256.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> value) => Vector256.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.LessThan(value, Vector256<float>.Zero), Vector256<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReluBackward(Vector256<float> output, Vector256<float> outputGradient) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<float>.Zero), outputGradient,
            Vector256.ConditionalSelect(Vector256.Equals(output, output), Vector256<float>.Zero, Vector256.Create(float.NaN)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FlushBelow(Vector256<float> value, Vector256<float> floor) =>
        Vector256.ConditionalSelect(
            Vector256.LessThan(Vector256.Abs(value), floor),
            value & Vector256.Create(-0f),
            value);
}

/// <summary>SSE+FMA or Arm AdvSimd: a 6×8 tile of 128-bit vectors.</summary>
internal readonly unsafe struct GemmVector128 : IGemmVector<Vector128<float>>
{
    public static int Width => 4;

    public static int Rows => 6;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector128<float> value) => value.Store(destination);

    public static bool MaskedLoads => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaskFor(int count) =>
        Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadMasked(float* source, Vector128<float> mask)
    {
        if (Avx.IsSupported)
        {
            return Avx.MaskLoad(source, mask);
        }

        return MaskedLanes.Load(source, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* destination, Vector128<float> value, Vector128<float> mask)
    {
        if (Avx.IsSupported)
        {
            Avx.MaskStore(destination, mask, value);
            return;
        }

        MaskedLanes.Store(destination, value, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float* source) => Vector128.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> value) => Vector128.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.LessThan(value, Vector128<float>.Zero), Vector128<float>.Zero, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReluBackward(Vector128<float> output, Vector128<float> outputGradient) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(output, Vector128<float>.Zero), outputGradient,
            Vector128.ConditionalSelect(Vector128.Equals(output, output), Vector128<float>.Zero, Vector128.Create(float.NaN)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushBelow(Vector128<float> value, Vector128<float> floor) =>
        Vector128.ConditionalSelect(
            Vector128.LessThan(Vector128.Abs(value), floor),
            value & Vector128.Create(-0f),
            value);
}

/// <summary>No usable SIMD: a 6×2 tile of scalars, still one rounding per multiply-add.</summary>
internal readonly unsafe struct GemmScalar : IGemmVector<float>
{
    public static int Width => 1;

    public static int Rows => 6;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, float value) => *destination = value;

    public static bool MaskedLoads => false;

    /// <remarks>A one-lane mask: all bits set when the lane is selected.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaskFor(int count) => count > 0 ? BitConverter.Int32BitsToSingle(-1) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadMasked(float* source, float mask) => BitConverter.SingleToInt32Bits(mask) != 0 ? *source : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* destination, float value, float mask)
    {
        if (BitConverter.SingleToInt32Bits(mask) != 0)
        {
            *destination = value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float a, float b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float value) => MathF.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float value) => Gemm.Relu(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReluBackward(float output, float outputGradient) => Gemm.ReluBackward(output, outputGradient);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlushBelow(float value, float floor) => Gemm.FlushBelow(value, floor);
}

internal static unsafe partial class Gemm
{
    /// <summary>Kernel flag: add the tile to C instead of overwriting it (a later K block, or C += A·B).</summary>
    internal const int AddToC = 1;

    /// <summary>Kernel flag: apply ReLU after the bias (set only on the last K block).</summary>
    internal const int ApplyRelu = 2;

    /// <summary>
    /// Kernel flag (8-row tiles): prefetch the tile of C before the K loop. Set when the block of C one call
    /// computes is larger than half the L2, so that its tiles are not in the cache when a K block reaches them.
    /// Measured on a Zen 5 (session 14, the two ways alternating in one process, one thread): 1024³ 1.036–1.038×
    /// with it in a slow phase of the host and 1.00–1.015× in a fast one, 512³ 1.009×; where C stays in the caches
    /// it costs its instructions (64 × 784 × 128: 0.982×).
    /// </summary>
    private const int PrefetchCTile = 4;

    /// <summary>The scalar ReLU every path agrees with: NaN compares false, so it is returned unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Relu(float x) => x < 0f ? 0f : x;

    /// <summary>The scalar ReLU backward pass every path agrees with: dy where y &gt; 0, NaN where y is NaN, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ReluBackward(float y, float dy) => y > 0 ? dy : float.IsNaN(y) ? float.NaN : 0f;

    /// <summary>
    /// 2^-100: optimizer state smaller than this in magnitude is stored as zero (see <see cref="Optimizers.Optimizer"/>).
    /// From here down to float's smallest normal, 2^-126, lie the 26 binades in which a decaying moment's
    /// products with the optimizer's factors (1 − β, a step size, a momentum, each 2^-26 or more) would
    /// come out subnormal, which x86 CPUs compute slowly.
    /// </summary>
    internal const float NegligibleState = 7.88860905E-31f;

    /// <summary>The smallest positive normal float, 2^-126.</summary>
    internal const float SmallestNormal = 1.17549435E-38f;

    /// <summary>
    /// Below what an optimizer with this epsilon stores its state as zero: <see cref="NegligibleState"/> when epsilon is
    /// at least <see cref="LargeEpsilon"/> (every default: Keras's 1e-7), else only below the smallest normal
    /// (<see cref="SmallestNormal"/>). With a large epsilon a second moment below 2^-100 vanishes beside it in the
    /// step's denominator (Adam's √v &lt; 2^-50 is under half an ulp of ε + √v), so zeroing it changes no step. With a
    /// small epsilon, or 0, it does not: Adam(epsilon: 1e-20) with a steady gradient of 1e-16 would divide by 1e-20
    /// instead of about 1e-16, and with 0 by zero.
    /// </summary>
    /// <param name="epsilon">The optimizer's epsilon (SGD's momentum, which divides by nothing, takes <see cref="NegligibleState"/> directly).</param>
    internal static float StateFloor(float epsilon) => epsilon >= LargeEpsilon ? NegligibleState : SmallestNormal;

    /// <summary>2^-24 ≈ 6e-8: from here up, epsilon hides a flushed second moment (see <see cref="StateFloor"/>).</summary>
    internal const float LargeEpsilon = 5.96046448E-08f;

    /// <summary>
    /// The scalar flush every path agrees with: a value smaller in magnitude than <paramref name="floor"/> (every
    /// subnormal among them, for either <see cref="StateFloor"/>) becomes a zero of its sign; zero, larger finite,
    /// infinite and NaN values are returned unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float FlushBelow(float x, float floor) => MathF.Abs(x) < floor ? MathF.CopySign(0f, x) : x;

    /// <summary>
    /// C[0..12, 0..2W] (op)= A panel · B panel for one full 12-row tile: 24 accumulators that stay
    /// in registers for the whole K loop. Each C element is the FMA chain
    /// acc = fma(a[i,p], b[p,j], acc) for p = 0..kc-1 in order, whatever the partition.
    /// </summary>
    /// <typeparam name="TOps">The vector family.</typeparam>
    /// <typeparam name="TVec">Its vector type.</typeparam>
    /// <typeparam name="TRows">Where the 12 rows' values for one p are: a packed panel, or A's own rows (see <see cref="Kernel6"/>).</typeparam>
    /// <param name="kc">The depth of this K block.</param>
    /// <param name="a">
    /// A panel: for each p, the 12 values a[0..12, p], contiguous (packed and zero padded, or a transposed A read in place);
    /// with <see cref="StridedRows"/>, A's own row 0 of the tile at p, its other rows <paramref name="aRowStride"/> apart.
    /// </param>
    /// <param name="aStride">Floats from one p to the next in <paramref name="a"/>: 12 packed, lda for a transposed A in place, 1 along A's rows.</param>
    /// <param name="aRowStride">With <see cref="StridedRows"/>, floats from one row of A to the next (lda); unused otherwise.</param>
    /// <param name="b">B panel: for each p, the 2W values b[p, 0..2W] (packed and zero padded, or B's row read in place).</param>
    /// <param name="bStride">Floats from one p to the next in <paramref name="b"/>: 2W packed, ldb in place.</param>
    /// <param name="c">The tile's top-left element.</param>
    /// <param name="ldc">C's row stride.</param>
    /// <param name="bias">The bias at the tile's first column, or null.</param>
    /// <param name="flags"><see cref="AddToC"/> and <see cref="ApplyRelu"/>.</param>
    /// <param name="rows">The tile rows that exist in C (1 to 12); the others are computed from zero padding and not stored.</param>
    /// <param name="cols">
    /// The tile columns that exist in C (1 to 2W). With masked loads (AVX-512) only these columns of B
    /// are read, which is what lets B be read in place, and an edge tile is stored from the registers.
    /// </param>
    /// <param name="scratch">Without masked loads, where an edge tile (rows &lt; 12 or cols &lt; 2W) leaves its raw sums, row stride 2W.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel12<TOps, TVec, TRows>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
    {
        // A tile is at most as wide as its vectors (Drive's width = min(nr, nc − jr)): whole, or C's last, partial one.
        Debug.Assert(cols <= 2 * TOps.Width, "a tile no wider than its vectors");
        if (TOps.MaskedLoads && cols < 2 * TOps.Width)
        {
            Kernel12<TOps, TVec, TRows, PartialPanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
        else
        {
            Kernel12<TOps, TVec, TRows, WholePanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
    }

    /// <summary>The <see cref="Kernel12{TOps, TVec, TRows}"/> tile, its K loop's loads of B chosen by <typeparamref name="TWidth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12<TOps, TVec, TRows, TWidth>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
        where TWidth : IPanelWidth
    {
        // Rows 0-5 at a + r·r1, rows 6 on at a6 + (r − 6)·r1: in A's own rows five offsets and two bases
        // fit the general registers, where eleven offsets and a base would not.
        Debug.Assert(!TRows.InPlace || rows == 12, "a tile read along A's rows is full; a partial one is packed");
        nint r1 = TRows.InPlace ? aRowStride : 1;
        nint r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        float* a6 = TRows.InPlace ? a + 6 * r1 : null;
        nint w = TOps.Width;
        TVec m0 = TOps.MaskFor(cols), m1 = TOps.MaskFor(cols - (int)w);
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        TVec c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        TVec c80 = TOps.Zero, c81 = TOps.Zero, c90 = TOps.Zero, c91 = TOps.Zero;
        TVec ca0 = TOps.Zero, ca1 = TOps.Zero, cb0 = TOps.Zero, cb1 = TOps.Zero;
        // The tile of C is read (later K blocks) or written (the first) after the K loop; asking for its
        // 24 lines now hides the misses and the write-allocate reads behind kc·12 cycles of FMAs.
        PrefetchTile(c, ldc, rows, cols);

        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.MaskedLoads && TWidth.Partial ? TOps.LoadMasked(b, m0) : TOps.Load(b);
            TVec b1 = TOps.MaskedLoads && TWidth.Partial ? TOps.LoadMasked(b + w, m1) : TOps.Load(b + w);
            TVec x = TOps.Broadcast(a);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(TRows.InPlace ? a + r1 : a + 1);
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(TRows.InPlace ? a + r2 : a + 2);
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(TRows.InPlace ? a + r3 : a + 3);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(TRows.InPlace ? a + r4 : a + 4);
            c40 = TOps.MultiplyAdd(x, b0, c40);
            c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(TRows.InPlace ? a + r5 : a + 5);
            c50 = TOps.MultiplyAdd(x, b0, c50);
            c51 = TOps.MultiplyAdd(x, b1, c51);
            x = TOps.Broadcast(TRows.InPlace ? a6 : a + 6);
            c60 = TOps.MultiplyAdd(x, b0, c60);
            c61 = TOps.MultiplyAdd(x, b1, c61);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r1 : a + 7);
            c70 = TOps.MultiplyAdd(x, b0, c70);
            c71 = TOps.MultiplyAdd(x, b1, c71);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r2 : a + 8);
            c80 = TOps.MultiplyAdd(x, b0, c80);
            c81 = TOps.MultiplyAdd(x, b1, c81);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r3 : a + 9);
            c90 = TOps.MultiplyAdd(x, b0, c90);
            c91 = TOps.MultiplyAdd(x, b1, c91);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r4 : a + 10);
            ca0 = TOps.MultiplyAdd(x, b0, ca0);
            ca1 = TOps.MultiplyAdd(x, b1, ca1);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r5 : a + 11);
            cb0 = TOps.MultiplyAdd(x, b0, cb0);
            cb1 = TOps.MultiplyAdd(x, b1, cb1);
            a += aStride;
            if (TRows.InPlace)
            {
                a6 += aStride;
            }

            b += bStride;
        }

        if (rows == 12 && cols == 2 * w)
        {
            StoreRow<TOps, TVec>(c, c00, c01, bias, flags);
            StoreRow<TOps, TVec>(c + ldc, c10, c11, bias, flags);
            StoreRow<TOps, TVec>(c + 2 * ldc, c20, c21, bias, flags);
            StoreRow<TOps, TVec>(c + 3 * ldc, c30, c31, bias, flags);
            StoreRow<TOps, TVec>(c + 4 * ldc, c40, c41, bias, flags);
            StoreRow<TOps, TVec>(c + 5 * ldc, c50, c51, bias, flags);
            StoreRow<TOps, TVec>(c + 6 * ldc, c60, c61, bias, flags);
            StoreRow<TOps, TVec>(c + 7 * ldc, c70, c71, bias, flags);
            StoreRow<TOps, TVec>(c + 8 * ldc, c80, c81, bias, flags);
            StoreRow<TOps, TVec>(c + 9 * ldc, c90, c91, bias, flags);
            StoreRow<TOps, TVec>(c + 10 * ldc, ca0, ca1, bias, flags);
            StoreRow<TOps, TVec>(c + 11 * ldc, cb0, cb1, bias, flags);
        }
        else if (TOps.MaskedLoads)
        {
            // AVX-512: masked stores straight from the registers, no round trip through scratch.
            StoreRowMasked<TOps, TVec>(true, c, c00, c01, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 1, c + ldc, c10, c11, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 2, c + 2 * ldc, c20, c21, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 3, c + 3 * ldc, c30, c31, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 4, c + 4 * ldc, c40, c41, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 5, c + 5 * ldc, c50, c51, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 6, c + 6 * ldc, c60, c61, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 7, c + 7 * ldc, c70, c71, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 8, c + 8 * ldc, c80, c81, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 9, c + 9 * ldc, c90, c91, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 10, c + 10 * ldc, ca0, ca1, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 11, c + 11 * ldc, cb0, cb1, bias, flags, m0, m1);
        }
        else
        {
            // An edge tile: hand the raw sums to the masked epilogue (<see cref="StoreEdgeTile"/>).
            // Calling it from here would make the JIT spill the accumulators inside the loop.
            TOps.Store(scratch, c00);
            TOps.Store(scratch + w, c01);
            TOps.Store(scratch + 2 * w, c10);
            TOps.Store(scratch + 3 * w, c11);
            TOps.Store(scratch + 4 * w, c20);
            TOps.Store(scratch + 5 * w, c21);
            TOps.Store(scratch + 6 * w, c30);
            TOps.Store(scratch + 7 * w, c31);
            TOps.Store(scratch + 8 * w, c40);
            TOps.Store(scratch + 9 * w, c41);
            TOps.Store(scratch + 10 * w, c50);
            TOps.Store(scratch + 11 * w, c51);
            TOps.Store(scratch + 12 * w, c60);
            TOps.Store(scratch + 13 * w, c61);
            TOps.Store(scratch + 14 * w, c70);
            TOps.Store(scratch + 15 * w, c71);
            TOps.Store(scratch + 16 * w, c80);
            TOps.Store(scratch + 17 * w, c81);
            TOps.Store(scratch + 18 * w, c90);
            TOps.Store(scratch + 19 * w, c91);
            TOps.Store(scratch + 20 * w, ca0);
            TOps.Store(scratch + 21 * w, ca1);
            TOps.Store(scratch + 22 * w, cb0);
            TOps.Store(scratch + 23 * w, cb1);
        }
    }

    /// <summary>
    /// A 12 × W tile (one vector per row) for products with n ≤ W, such as a 10-class output
    /// layer, where the 12 × 2W tile would compute mostly padding. Each element is the same FMA
    /// chain as in <see cref="Kernel12{TOps, TVec, TRows}"/>, so the choice of kernel never changes a result; A is
    /// read as there (<typeparamref name="TRows"/>, <paramref name="aRowStride"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel12Narrow<TOps, TVec, TRows>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
    {
        // A tile is at most as wide as its vectors (Drive's width = min(nr, nc − jr)): whole, or C's last, partial one.
        Debug.Assert(cols <= TOps.Width, "a tile no wider than its vectors");
        if (TOps.MaskedLoads && cols < TOps.Width)
        {
            Kernel12Narrow<TOps, TVec, TRows, PartialPanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
        else
        {
            Kernel12Narrow<TOps, TVec, TRows, WholePanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
    }

    /// <summary>The <see cref="Kernel12Narrow{TOps, TVec, TRows}"/> tile, its K loop's loads of B chosen by <typeparamref name="TWidth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12Narrow<TOps, TVec, TRows, TWidth>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
        where TWidth : IPanelWidth
    {
        // As in Kernel12: rows 0-5 at a + r·r1, rows 6 on at a6 + (r − 6)·r1.
        Debug.Assert(!TRows.InPlace || rows == 12, "a tile read along A's rows is full; a partial one is packed");
        nint r1 = TRows.InPlace ? aRowStride : 1;
        nint r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        float* a6 = TRows.InPlace ? a + 6 * r1 : null;
        nint w = TOps.Width;
        TVec m0 = TOps.MaskFor(cols);
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero, c4 = TOps.Zero, c5 = TOps.Zero;
        TVec c6 = TOps.Zero, c7 = TOps.Zero, c8 = TOps.Zero, c9 = TOps.Zero, ca = TOps.Zero, cb = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.MaskedLoads && TWidth.Partial ? TOps.LoadMasked(b, m0) : TOps.Load(b);
            c0 = TOps.MultiplyAdd(TOps.Broadcast(a), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a + r1 : a + 1), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a + r2 : a + 2), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a + r3 : a + 3), b0, c3);
            c4 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a + r4 : a + 4), b0, c4);
            c5 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a + r5 : a + 5), b0, c5);
            c6 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 : a + 6), b0, c6);
            c7 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 + r1 : a + 7), b0, c7);
            c8 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 + r2 : a + 8), b0, c8);
            c9 = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 + r3 : a + 9), b0, c9);
            ca = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 + r4 : a + 10), b0, ca);
            cb = TOps.MultiplyAdd(TOps.Broadcast(TRows.InPlace ? a6 + r5 : a + 11), b0, cb);
            a += aStride;
            if (TRows.InPlace)
            {
                a6 += aStride;
            }

            b += bStride;
        }

        if (rows == 12 && cols == w)
        {
            StoreRow1<TOps, TVec>(c, c0, bias, flags);
            StoreRow1<TOps, TVec>(c + ldc, c1, bias, flags);
            StoreRow1<TOps, TVec>(c + 2 * ldc, c2, bias, flags);
            StoreRow1<TOps, TVec>(c + 3 * ldc, c3, bias, flags);
            StoreRow1<TOps, TVec>(c + 4 * ldc, c4, bias, flags);
            StoreRow1<TOps, TVec>(c + 5 * ldc, c5, bias, flags);
            StoreRow1<TOps, TVec>(c + 6 * ldc, c6, bias, flags);
            StoreRow1<TOps, TVec>(c + 7 * ldc, c7, bias, flags);
            StoreRow1<TOps, TVec>(c + 8 * ldc, c8, bias, flags);
            StoreRow1<TOps, TVec>(c + 9 * ldc, c9, bias, flags);
            StoreRow1<TOps, TVec>(c + 10 * ldc, ca, bias, flags);
            StoreRow1<TOps, TVec>(c + 11 * ldc, cb, bias, flags);
        }
        else if (TOps.MaskedLoads)
        {
            // AVX-512: masked stores straight from the registers, no round trip through scratch.
            StoreRow1Masked<TOps, TVec>(true, c, c0, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 1, c + ldc, c1, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 2, c + 2 * ldc, c2, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 3, c + 3 * ldc, c3, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 4, c + 4 * ldc, c4, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 5, c + 5 * ldc, c5, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 6, c + 6 * ldc, c6, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 7, c + 7 * ldc, c7, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 8, c + 8 * ldc, c8, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 9, c + 9 * ldc, c9, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 10, c + 10 * ldc, ca, bias, flags, m0);
            StoreRow1Masked<TOps, TVec>(rows > 11, c + 11 * ldc, cb, bias, flags, m0);
        }
        else
        {
            TOps.Store(scratch, c0);
            TOps.Store(scratch + w, c1);
            TOps.Store(scratch + 2 * w, c2);
            TOps.Store(scratch + 3 * w, c3);
            TOps.Store(scratch + 4 * w, c4);
            TOps.Store(scratch + 5 * w, c5);
            TOps.Store(scratch + 6 * w, c6);
            TOps.Store(scratch + 7 * w, c7);
            TOps.Store(scratch + 8 * w, c8);
            TOps.Store(scratch + 9 * w, c9);
            TOps.Store(scratch + 10 * w, ca);
            TOps.Store(scratch + 11 * w, cb);
        }
    }

    /// <summary>
    /// An 8-row tile for products whose rows 8-row tiles cover with less padding than 12-row ones (a batch of
    /// 32 or 64, but also 61 or 100 rows): 12-row tiles would compute 4 rows of padding in every column panel. 16
    /// accumulators still cover the FMA latency (4 cycles × 2 pipes); each element is the same FMA
    /// chain as in <see cref="Kernel12{TOps, TVec, TRows}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel8<TOps, TVec, TRows>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
    {
        // A tile is at most as wide as its vectors (Drive's width = min(nr, nc − jr)): whole, or C's last, partial one.
        Debug.Assert(cols <= 2 * TOps.Width, "a tile no wider than its vectors");
        if (TOps.MaskedLoads && cols < 2 * TOps.Width)
        {
            Kernel8<TOps, TVec, TRows, PartialPanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
        else
        {
            Kernel8<TOps, TVec, TRows, WholePanel>(kc, a, aStride, aRowStride, b, bStride, c, ldc, bias, flags, rows, cols, scratch);
        }
    }

    /// <summary>The <see cref="Kernel8{TOps, TVec, TRows}"/> tile, its K loop's loads of B chosen by <typeparamref name="TWidth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8<TOps, TVec, TRows, TWidth>(int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
        where TWidth : IPanelWidth
    {
        // Kernel12's layout: rows 0-5 at a + r·r1, rows 6 and 7 at a6 and a6 + r1.
        Debug.Assert(!TRows.InPlace || rows == 8, "a tile read along A's rows is full; a partial one is packed");
        nint r1 = TRows.InPlace ? aRowStride : 1;
        nint r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        float* a6 = TRows.InPlace ? a + 6 * r1 : null;
        nint w = TOps.Width;
        TVec m0 = TOps.MaskFor(cols), m1 = TOps.MaskFor(cols - (int)w);
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero, c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        if ((flags & PrefetchCTile) != 0)
        {
            // As in Kernel12, for a C too large to stay in the L2 between K blocks (see Drive).
            PrefetchTile(c, ldc, rows, cols);
        }

        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.MaskedLoads && TWidth.Partial ? TOps.LoadMasked(b, m0) : TOps.Load(b);
            TVec b1 = TOps.MaskedLoads && TWidth.Partial ? TOps.LoadMasked(b + w, m1) : TOps.Load(b + w);
            TVec x = TOps.Broadcast(a);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(TRows.InPlace ? a + r1 : a + 1);
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(TRows.InPlace ? a + r2 : a + 2);
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(TRows.InPlace ? a + r3 : a + 3);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(TRows.InPlace ? a + r4 : a + 4);
            c40 = TOps.MultiplyAdd(x, b0, c40);
            c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(TRows.InPlace ? a + r5 : a + 5);
            c50 = TOps.MultiplyAdd(x, b0, c50);
            c51 = TOps.MultiplyAdd(x, b1, c51);
            x = TOps.Broadcast(TRows.InPlace ? a6 : a + 6);
            c60 = TOps.MultiplyAdd(x, b0, c60);
            c61 = TOps.MultiplyAdd(x, b1, c61);
            x = TOps.Broadcast(TRows.InPlace ? a6 + r1 : a + 7);
            c70 = TOps.MultiplyAdd(x, b0, c70);
            c71 = TOps.MultiplyAdd(x, b1, c71);
            a += aStride;
            if (TRows.InPlace)
            {
                a6 += aStride;
            }

            b += bStride;
        }

        if (rows == 8 && cols == 2 * w)
        {
            StoreRow<TOps, TVec>(c, c00, c01, bias, flags);
            StoreRow<TOps, TVec>(c + ldc, c10, c11, bias, flags);
            StoreRow<TOps, TVec>(c + 2 * ldc, c20, c21, bias, flags);
            StoreRow<TOps, TVec>(c + 3 * ldc, c30, c31, bias, flags);
            StoreRow<TOps, TVec>(c + 4 * ldc, c40, c41, bias, flags);
            StoreRow<TOps, TVec>(c + 5 * ldc, c50, c51, bias, flags);
            StoreRow<TOps, TVec>(c + 6 * ldc, c60, c61, bias, flags);
            StoreRow<TOps, TVec>(c + 7 * ldc, c70, c71, bias, flags);
        }
        else if (TOps.MaskedLoads)
        {
            // AVX-512: masked stores straight from the registers, no round trip through scratch.
            StoreRowMasked<TOps, TVec>(true, c, c00, c01, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 1, c + ldc, c10, c11, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 2, c + 2 * ldc, c20, c21, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 3, c + 3 * ldc, c30, c31, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 4, c + 4 * ldc, c40, c41, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 5, c + 5 * ldc, c50, c51, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 6, c + 6 * ldc, c60, c61, bias, flags, m0, m1);
            StoreRowMasked<TOps, TVec>(rows > 7, c + 7 * ldc, c70, c71, bias, flags, m0, m1);
        }
        else
        {
            TOps.Store(scratch, c00);
            TOps.Store(scratch + w, c01);
            TOps.Store(scratch + 2 * w, c10);
            TOps.Store(scratch + 3 * w, c11);
            TOps.Store(scratch + 4 * w, c20);
            TOps.Store(scratch + 5 * w, c21);
            TOps.Store(scratch + 6 * w, c30);
            TOps.Store(scratch + 7 * w, c31);
            TOps.Store(scratch + 8 * w, c40);
            TOps.Store(scratch + 9 * w, c41);
            TOps.Store(scratch + 10 * w, c50);
            TOps.Store(scratch + 11 * w, c51);
            TOps.Store(scratch + 12 * w, c60);
            TOps.Store(scratch + 13 * w, c61);
            TOps.Store(scratch + 14 * w, c70);
            TOps.Store(scratch + 15 * w, c71);
        }
    }

    /// <summary>The 6-row tile of the narrower paths; the same FMA chain per element as <see cref="Kernel12{TOps, TVec, TRows}"/>.</summary>
    /// <remarks>
    /// <typeparamref name="TRows"/> says where the six rows' values for one p are: side by side in a
    /// packed panel (<see cref="PackedRows"/>: a[r], then a += aStride), or in A's own rows
    /// (<see cref="StridedRows"/>: a[r·aRowStride], a += 1), read in place when packing A would cost
    /// as much as the few tiles that use it. The JIT compiles one loop per layout; the FMA chain is the same.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6<TOps, TVec, TRows>(int tiles, nint aTileStep, int kc, float* a, nint aStride, nint aRowStride, float* b, nint bStride, float* c, nint ldc, float* bias, int flags, int rows, int cols, float* scratch)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
        where TRows : IRowLayout
    {
        nint r1 = TRows.InPlace ? aRowStride : 1;
        nint r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1;
        nint w = TOps.Width;
        TVec m0 = TOps.MaskFor(cols), m1 = TOps.MaskFor(cols - (int)w);
        bool prefetch = PrefetchC && (flags & AddToC) != 0;
        for (int tile = 0; tile < tiles; tile++, a += aTileStep, c += 6 * ldc)
        {
            TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
            TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
            TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
            if (prefetch)
            {
                PrefetchTile(c, ldc, rows, cols);
            }

            float* pa = a, pb = b;
            for (int p = 0; p < kc; p++)
            {
                TVec b0 = TOps.MaskedLoads ? TOps.LoadMasked(pb, m0) : TOps.Load(pb);
                TVec b1 = TOps.MaskedLoads ? TOps.LoadMasked(pb + w, m1) : TOps.Load(pb + w);
                TVec x = TOps.Broadcast(pa);
                c00 = TOps.MultiplyAdd(x, b0, c00);
                c01 = TOps.MultiplyAdd(x, b1, c01);
                x = TOps.Broadcast(pa + r1);
                c10 = TOps.MultiplyAdd(x, b0, c10);
                c11 = TOps.MultiplyAdd(x, b1, c11);
                x = TOps.Broadcast(pa + r2);
                c20 = TOps.MultiplyAdd(x, b0, c20);
                c21 = TOps.MultiplyAdd(x, b1, c21);
                x = TOps.Broadcast(pa + r3);
                c30 = TOps.MultiplyAdd(x, b0, c30);
                c31 = TOps.MultiplyAdd(x, b1, c31);
                x = TOps.Broadcast(pa + r4);
                c40 = TOps.MultiplyAdd(x, b0, c40);
                c41 = TOps.MultiplyAdd(x, b1, c41);
                x = TOps.Broadcast(pa + r5);
                c50 = TOps.MultiplyAdd(x, b0, c50);
                c51 = TOps.MultiplyAdd(x, b1, c51);
                pa += aStride;
                pb += bStride;
            }

            if (rows == 6 && cols == 2 * w)
            {
                StoreRow<TOps, TVec>(c, c00, c01, bias, flags);
                StoreRow<TOps, TVec>(c + ldc, c10, c11, bias, flags);
                StoreRow<TOps, TVec>(c + 2 * ldc, c20, c21, bias, flags);
                StoreRow<TOps, TVec>(c + 3 * ldc, c30, c31, bias, flags);
                StoreRow<TOps, TVec>(c + 4 * ldc, c40, c41, bias, flags);
                StoreRow<TOps, TVec>(c + 5 * ldc, c50, c51, bias, flags);
            }
            else if (TOps.MaskedLoads)
            {
                // AVX-512: masked stores straight from the registers, no round trip through scratch.
                StoreRowMasked<TOps, TVec>(true, c, c00, c01, bias, flags, m0, m1);
                StoreRowMasked<TOps, TVec>(rows > 1, c + ldc, c10, c11, bias, flags, m0, m1);
                StoreRowMasked<TOps, TVec>(rows > 2, c + 2 * ldc, c20, c21, bias, flags, m0, m1);
                StoreRowMasked<TOps, TVec>(rows > 3, c + 3 * ldc, c30, c31, bias, flags, m0, m1);
                StoreRowMasked<TOps, TVec>(rows > 4, c + 4 * ldc, c40, c41, bias, flags, m0, m1);
                StoreRowMasked<TOps, TVec>(rows > 5, c + 5 * ldc, c50, c51, bias, flags, m0, m1);
            }
            else
            {
                // An edge tile: hand the raw sums to the masked epilogue (<see cref="StoreEdgeTile"/>).
                // Calling it from here would make the JIT spill the accumulators inside the loop.
                TOps.Store(scratch, c00);
                TOps.Store(scratch + w, c01);
                TOps.Store(scratch + 2 * w, c10);
                TOps.Store(scratch + 3 * w, c11);
                TOps.Store(scratch + 4 * w, c20);
                TOps.Store(scratch + 5 * w, c21);
                TOps.Store(scratch + 6 * w, c30);
                TOps.Store(scratch + 7 * w, c31);
                TOps.Store(scratch + 8 * w, c40);
                TOps.Store(scratch + 9 * w, c41);
                TOps.Store(scratch + 10 * w, c50);
                TOps.Store(scratch + 11 * w, c51);
            }
        }
    }

    /// <summary>
    /// Whether Drive hands a column of full 6-row tiles to one <see cref="Kernel6"/> call. Settable for
    /// benchmarks only (the A/B harness: <c>GEMM_AB=columns</c>); the bits are the same either way.
    /// </summary>
    internal static bool TileColumns = true;

    /// <summary>
    /// Whether the 6-row kernels prefetch the C tile they add to (see <see cref="PrefetchTile"/>), and the 8-row ones a
    /// large C's tiles (see <see cref="PrefetchCTile"/>). Settable for
    /// benchmarks only (the A/B harness: <c>GEMM_AB=prefetch</c>); a prefetch never changes a value.
    /// </summary>
    internal static bool PrefetchC = true;

    /// <summary>
    /// Asks for the lines of a C tile the kernel will add to before its K loop, so that they arrive while
    /// the loop runs: C is revisited once per K block, and a large C (256 × 1024 floats, 1 MB) has left the
    /// L2 by then, so the tile's loads at the end of the loop waited on the L3. Measured on an AVX2 EPYC,
    /// one thread, thread clock, prefetching and not alternating in one process (bench/results/gemm.md,
    /// session 7): median speed ratio 1.06–1.07 on 1024³, 1.02–1.04 on 256×1024×1024, 1.00 on 512³ and on
    /// products whose C stays in the L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows, int cols)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * ldc;
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + cols - 1);
        }
    }

    /// <summary>
    /// The epilogue on one full tile row: C_old + acc, then + bias, then ReLU, the order
    /// <see cref="StoreEdgeTile"/> repeats with masks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow<TOps, TVec>(float* c, TVec v0, TVec v1, float* bias, int flags)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int w = TOps.Width;
        if ((flags & AddToC) != 0)
        {
            v0 = TOps.Add(TOps.Load(c), v0);
            v1 = TOps.Add(TOps.Load(c + w), v1);
        }

        if (bias != null)
        {
            v0 = TOps.Add(v0, TOps.Load(bias));
            v1 = TOps.Add(v1, TOps.Load(bias + w));
        }

        if ((flags & ApplyRelu) != 0)
        {
            v0 = TOps.Relu(v0);
            v1 = TOps.Relu(v1);
        }

        TOps.Store(c, v0);
        TOps.Store(c + w, v1);
    }

    /// <summary>The epilogue on one full row of a narrow tile, as <see cref="StoreRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow1<TOps, TVec>(float* c, TVec v0, float* bias, int flags)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if ((flags & AddToC) != 0)
        {
            v0 = TOps.Add(TOps.Load(c), v0);
        }

        if (bias != null)
        {
            v0 = TOps.Add(v0, TOps.Load(bias));
        }

        if ((flags & ApplyRelu) != 0)
        {
            v0 = TOps.Relu(v0);
        }

        TOps.Store(c, v0);
    }

    /// <summary>
    /// <see cref="StoreRow"/> on the columns <paramref name="m0"/> and <paramref name="m1"/> select,
    /// if <paramref name="store"/> (the row exists): the same arithmetic on the lanes that exist, and
    /// no memory touched past them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRowMasked<TOps, TVec>(bool store, float* c, TVec v0, TVec v1, float* bias, int flags, TVec m0, TVec m1)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (!store)
        {
            return;
        }

        int w = TOps.Width;
        if ((flags & AddToC) != 0)
        {
            v0 = TOps.Add(TOps.LoadMasked(c, m0), v0);
            v1 = TOps.Add(TOps.LoadMasked(c + w, m1), v1);
        }

        if (bias != null)
        {
            v0 = TOps.Add(v0, TOps.LoadMasked(bias, m0));
            v1 = TOps.Add(v1, TOps.LoadMasked(bias + w, m1));
        }

        if ((flags & ApplyRelu) != 0)
        {
            v0 = TOps.Relu(v0);
            v1 = TOps.Relu(v1);
        }

        TOps.StoreMasked(c, v0, m0);
        TOps.StoreMasked(c + w, v1, m1);
    }

    /// <summary><see cref="StoreRow1"/> on the columns <paramref name="m0"/> selects.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow1Masked<TOps, TVec>(bool store, float* c, TVec v0, float* bias, int flags, TVec m0)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (!store)
        {
            return;
        }

        if ((flags & AddToC) != 0)
        {
            v0 = TOps.Add(TOps.LoadMasked(c, m0), v0);
        }

        if (bias != null)
        {
            v0 = TOps.Add(v0, TOps.LoadMasked(bias, m0));
        }

        if ((flags & ApplyRelu) != 0)
        {
            v0 = TOps.Relu(v0);
        }

        TOps.StoreMasked(c, v0, m0);
    }

    /// <summary>
    /// The epilogue of an edge tile from the raw sums the kernel left in <paramref name="scratch"/>
    /// (<paramref name="vectors"/> vectors per row): the same vector arithmetic as
    /// <see cref="StoreRow"/>, with masked loads and stores that touch only the rows × cols
    /// elements of C that exist, so edge and interior elements are computed identically.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdgeTile<TOps, TVec>(float* scratch, int vectors, float* c, nint ldc, float* bias, int flags, int rows, int cols)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int w = TOps.Width;
        for (int i = 0; i < rows; i++)
        {
            float* row = c + i * ldc;
            for (int v = 0; v < vectors; v++)
            {
                TVec mask = TOps.MaskFor(cols - v * w);
                TVec x = TOps.Load(scratch + (i * vectors + v) * w);
                if ((flags & AddToC) != 0)
                {
                    x = TOps.Add(TOps.LoadMasked(row + v * w, mask), x);
                }

                if (bias != null)
                {
                    x = TOps.Add(x, TOps.LoadMasked(bias + v * w, mask));
                }

                if ((flags & ApplyRelu) != 0)
                {
                    x = TOps.Relu(x);
                }

                TOps.StoreMasked(row + v * w, x, mask);
            }
        }
    }
}
