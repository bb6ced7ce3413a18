using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Products with at most this many rows of C (and no transposes) skip packing.</summary>
    internal const int FewRowsMax = 4;

    /// <summary>
    /// C = epilogue(A·B) for a handful of rows, read straight from A and B: the shape of a
    /// single-sample prediction, where packing the weights (k × n) would cost more than the product.
    /// </summary>
    /// <remarks>
    /// The result is bitwise the packed path's: the same K blocks (they depend on k alone), each an
    /// FMA chain over p from zero, added to C block by block in order, then the bias, then ReLU, the
    /// order <see cref="StoreRow"/> uses. Only the memory traffic differs.
    /// </remarks>
    private static void RunFewRows(in Problem problem, GemmKernel kernel)
    {
        switch (kernel)
        {
            case GemmKernel.Vector512:
                FewRows<GemmVector512, Vector512<float>>(problem);
                break;
            case GemmKernel.Vector256:
                FewRows<GemmVector256, Vector256<float>>(problem);
                break;
            case GemmKernel.Vector128:
                FewRows<GemmVector128, Vector128<float>>(problem);
                break;
            default:
                FewRows<GemmScalar, float>(problem);
                break;
        }
    }

    /// <remarks>
    /// Each output element is one FMA chain per K block, and a single chain runs at the FMA's
    /// latency, not its throughput. The K blocks are independent chains (each starts from zero and
    /// is added to the row in order afterwards), so up to four of them run side by side: a
    /// 784-input layer's four blocks of 196 take the time of one. Two column vectors are carried
    /// together (a 25-unit layer needs both; lanes past n compute on zeros and store nothing).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows<TOps, TVec>(in Problem problem)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int k = problem.K, n = problem.N, w = TOps.Width;
        int kcStep = KcStep(k);
        int fullBlocks = k / kcStep;
        nint ldb = problem.Ldb;
        for (int i = 0; i < problem.M; i++)
        {
            float* aRow = problem.A + i * problem.Lda;
            float* cRow = problem.C + i * problem.Ldc;
            for (int j = 0; j < n; j += 2 * w)
            {
                int w0 = Math.Clamp(n - j, 0, w), w1 = Math.Clamp(n - j - w, 0, w);
                TVec m0 = TOps.MaskFor(w0), m1 = TOps.MaskFor(w1);
                float* c0 = cRow + j;
                bool add = problem.Accumulate;
                TVec r0 = add ? TOps.LoadMasked(c0, m0) : TOps.Zero;
                TVec r1 = add ? TOps.LoadMasked(c0 + w, m1) : TOps.Zero;

                for (int q = 0; q < fullBlocks; q += 4)
                {
                    // Four full blocks at once; in a group of fewer, the missing chains repeat the
                    // group's last block (memory that exists) and are not added.
                    int group = Math.Min(4, fullBlocks - q);
                    float* a = aRow + q * kcStep;
                    float* b = problem.B + q * kcStep * ldb + j;
                    nint a1 = Math.Min(1, group - 1) * (nint)kcStep, a2 = Math.Min(2, group - 1) * (nint)kcStep, a3 = (group - 1) * (nint)kcStep;
                    nint b1 = a1 * ldb, b2 = a2 * ldb, b3 = a3 * ldb;
                    TVec s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
                    TVec s20 = TOps.Zero, s21 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero;
                    for (int p = 0; p < kcStep; p++, a++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(a);
                        s00 = TOps.MultiplyAdd(x, TOps.LoadMasked(b, m0), s00);
                        s01 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + w, m1), s01);
                        x = TOps.Broadcast(a + a1);
                        s10 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b1, m0), s10);
                        s11 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b1 + w, m1), s11);
                        x = TOps.Broadcast(a + a2);
                        s20 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b2, m0), s20);
                        s21 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b2 + w, m1), s21);
                        x = TOps.Broadcast(a + a3);
                        s30 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b3, m0), s30);
                        s31 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + b3 + w, m1), s31);
                    }

                    (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s00, s01, add);
                    add = true;
                    if (group > 1)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s10, s11, true);
                    }

                    if (group > 2)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s20, s21, true);
                    }

                    if (group > 3)
                    {
                        (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s30, s31, true);
                    }
                }

                if (fullBlocks * kcStep < k)
                {
                    // The last, shorter block.
                    float* a = aRow + fullBlocks * kcStep;
                    float* b = problem.B + fullBlocks * kcStep * ldb + j;
                    TVec s0 = TOps.Zero, s1 = TOps.Zero;
                    for (int p = fullBlocks * kcStep; p < k; p++, a++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(a);
                        s0 = TOps.MultiplyAdd(x, TOps.LoadMasked(b, m0), s0);
                        s1 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + w, m1), s1);
                    }

                    (r0, r1) = AddBlock<TOps, TVec>(r0, r1, s0, s1, add);
                }

                Finish<TOps, TVec>(problem, c0, j, r0, w0, m0);
                Finish<TOps, TVec>(problem, c0 + w, j + w, r1, w1, m1);
            }
        }
    }

    /// <summary>Adds one K block's sums to the row (or starts the row with them), as the packed path does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec, TVec) AddBlock<TOps, TVec>(TVec r0, TVec r1, TVec s0, TVec s1, bool add)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged =>
        add ? (TOps.Add(r0, s0), TOps.Add(r1, s1)) : (s0, s1);

    /// <summary>Adds the bias, applies ReLU and stores one vector of a row, in <see cref="StoreRow"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TOps, TVec>(in Problem problem, float* c, int column, TVec value, int count, TVec mask)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        if (count == 0)
        {
            return;
        }

        if (problem.Bias != null)
        {
            value = TOps.Add(value, TOps.LoadMasked(problem.Bias + column, mask));
        }

        if (problem.Relu)
        {
            value = TOps.Relu(value);
        }

        TOps.StoreMasked(c, value, mask);
    }
}
