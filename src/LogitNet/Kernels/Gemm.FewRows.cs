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
    /// Each output element is one FMA chain per K block, so a single chain runs at the FMA's
    /// latency, not its throughput: four column vectors are carried together to keep four chains in
    /// flight (a 25-unit layer needs two; vectors past n compute on zeros and store nothing).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows<TOps, TVec>(in Problem problem)
        where TOps : IGemmVector<TVec>
        where TVec : unmanaged
    {
        int k = problem.K, n = problem.N, w = TOps.Width;
        int kcStep = CeilDiv(k, CeilDiv(k, KcMax));
        nint ldb = problem.Ldb;
        for (int i = 0; i < problem.M; i++)
        {
            float* aRow = problem.A + i * problem.Lda;
            float* cRow = problem.C + i * problem.Ldc;
            for (int j = 0; j < n; j += 4 * w)
            {
                int w0 = Math.Clamp(n - j, 0, w), w1 = Math.Clamp(n - j - w, 0, w);
                int w2 = Math.Clamp(n - j - 2 * w, 0, w), w3 = Math.Clamp(n - j - 3 * w, 0, w);
                TVec m0 = TOps.MaskFor(w0), m1 = TOps.MaskFor(w1), m2 = TOps.MaskFor(w2), m3 = TOps.MaskFor(w3);
                float* c0 = cRow + j;
                TVec r0 = TOps.Zero, r1 = TOps.Zero, r2 = TOps.Zero, r3 = TOps.Zero;
                if (problem.Accumulate)
                {
                    r0 = TOps.LoadMasked(c0, m0);
                    r1 = TOps.LoadMasked(c0 + w, m1);
                    r2 = TOps.LoadMasked(c0 + 2 * w, m2);
                    r3 = TOps.LoadMasked(c0 + 3 * w, m3);
                }

                for (int pc = 0; pc < k; pc += kcStep)
                {
                    int kc = Math.Min(kcStep, k - pc);
                    TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                    float* b = problem.B + pc * ldb + j;
                    for (int p = 0; p < kc; p++, b += ldb)
                    {
                        TVec x = TOps.Broadcast(aRow + pc + p);
                        a0 = TOps.MultiplyAdd(x, TOps.LoadMasked(b, m0), a0);
                        a1 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + w, m1), a1);
                        a2 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + 2 * w, m2), a2);
                        a3 = TOps.MultiplyAdd(x, TOps.LoadMasked(b + 3 * w, m3), a3);
                    }

                    bool add = pc > 0 || problem.Accumulate;
                    r0 = add ? TOps.Add(r0, a0) : a0;
                    r1 = add ? TOps.Add(r1, a1) : a1;
                    r2 = add ? TOps.Add(r2, a2) : a2;
                    r3 = add ? TOps.Add(r3, a3) : a3;
                }

                Finish<TOps, TVec>(problem, c0, j, r0, w0, m0);
                Finish<TOps, TVec>(problem, c0 + w, j + w, r1, w1, m1);
                Finish<TOps, TVec>(problem, c0 + 2 * w, j + 2 * w, r2, w2, m2);
                Finish<TOps, TVec>(problem, c0 + 3 * w, j + 3 * w, r3, w3, m3);
            }
        }
    }

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
