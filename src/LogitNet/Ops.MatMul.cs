using LogitNet.Kernels;

namespace LogitNet;

public static partial class Ops
{
    /// <summary>
    /// The matrix product of two rank-2 tensors, each optionally transposed:
    /// effectively computes result[i, j] = Σ_p op(a)[i, p] · op(b)[p, j].
    /// </summary>
    /// <param name="a">The left matrix: shape [m, k], or [k, m] when <paramref name="transposeA"/> is true.</param>
    /// <param name="b">The right matrix: shape [k, n], or [n, k] when <paramref name="transposeB"/> is true.</param>
    /// <param name="transposeA">Whether to use the transpose of <paramref name="a"/>, without copying it.</param>
    /// <param name="transposeB">Whether to use the transpose of <paramref name="b"/>, without copying it.</param>
    /// <returns>A new tensor of shape [m, n]. When k = 0 it is all zeros.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> or <paramref name="b"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="a"/> or <paramref name="b"/> is not rank 2, or the inner dimensions differ.
    /// </exception>
    /// <remarks>
    /// <para>
    /// Runs on LogitNet's own packed, cache-blocked GEMM (AVX-512, AVX2, 128-bit or scalar, chosen
    /// for the CPU at start-up) and uses up to <see cref="Parallelism.MaxThreads"/> threads (by default every core) for
    /// large products. The result is bitwise
    /// identical from run to run and whatever the number of threads.
    /// </para>
    /// <para>
    /// Each element is a sum of k products accumulated in float32 with fused multiply-adds, so its
    /// error is at most about k · 2^-24 · Σ_p |op(a)[i, p]| · |op(b)[p, j]|. NaN and infinity
    /// propagate as in IEEE arithmetic: a NaN anywhere in row i of op(a) makes row i of the result
    /// NaN, and ∞ · 0 gives NaN.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);     // [[1, 2, 3], [4, 5, 6]]
    /// Tensor w = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], 3, 2);     // [[1, 0], [0, 1], [1, 1]]
    /// Tensor y = Ops.MatMul(x, w);                                      // [[4, 5], [10, 11]]
    /// Tensor g = Ops.MatMul(x, x, transposeB: true);                    // x·xᵀ = [[14, 32], [32, 77]]
    /// </code>
    /// </example>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireMatrix(a, nameof(a));
        RequireMatrix(b, nameof(b));

        ReadOnlySpan<int> shapeA = a.ShapeSpan;
        ReadOnlySpan<int> shapeB = b.ShapeSpan;
        int m = transposeA ? shapeA[1] : shapeA[0];
        int k = transposeA ? shapeA[0] : shapeA[1];
        int kB = transposeB ? shapeB[1] : shapeB[0];
        int n = transposeB ? shapeB[0] : shapeB[1];
        if (k != kB)
        {
            throw new ArgumentException(InnerMismatchMessage(shapeA, shapeB, transposeA, transposeB, k, kB), nameof(b));
        }

        Tensor result = Tensor.Uninitialized([m, n]);
        // Strides of at least 1 keep the kernel's checks happy for empty matrices ([2, 0] and the like).
        Gemm.Multiply(transposeA, transposeB, m, n, k,
            a.AsSpan(), Math.Max(1, shapeA[1]), b.AsSpan(), Math.Max(1, shapeB[1]), result.AsSpan(), Math.Max(1, n),
            GemmEpilogue.None);
        return result;
    }

    private static void RequireMatrix(Tensor t, string name)
    {
        if (t.Rank != 2)
        {
            throw new ArgumentException(
                $"MatMul multiplies matrices: expected {name} to have rank 2; received shape {ShapeText.Format(t.ShapeSpan)} (rank {t.Rank}). Reshape it to [rows, columns] first, e.g. {name}.Reshape(1, -1) for a single row.",
                name);
        }
    }

    private static string InnerMismatchMessage(ReadOnlySpan<int> shapeA, ReadOnlySpan<int> shapeB, bool transposeA, bool transposeB, int k, int kB)
    {
        string aText = $"a{ShapeText.Format(shapeA)}{(transposeA ? " with transposeA: true" : "")}";
        string bText = $"b{ShapeText.Format(shapeB)}{(transposeB ? " with transposeB: true" : "")}";
        string message =
            $"MatMul's inner dimensions do not match: {aText} has {k} columns (axis {(transposeA ? 0 : 1)} of a), " +
            $"but {bText} has {kB} rows (axis {(transposeB ? 1 : 0)} of b); they must be equal.";

        // Suggest the transpose flags that would make the product well defined.
        var hints = new List<string>();
        foreach ((bool ta, bool tb) in new[] { (transposeA, !transposeB), (!transposeA, transposeB), (!transposeA, !transposeB) })
        {
            int k1 = ta ? shapeA[0] : shapeA[1];
            int k2 = tb ? shapeB[1] : shapeB[0];
            if (k1 == k2)
            {
                hints.Add($"transposeA: {(ta ? "true" : "false")}, transposeB: {(tb ? "true" : "false")}");
            }
        }

        return hints.Count > 0
            ? $"{message} Did you mean {string.Join(" or ", hints)}?"
            : $"{message} Check that a is [m, k] and b is [k, n] (or pass transposeA/transposeB for stored transposes).";
    }
}
