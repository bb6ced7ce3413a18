namespace LogitNet.Kernels;

/// <summary>
/// What <see cref="Gemm"/> does with each product element as it stores it:
/// C = relu?((Accumulate ? C : 0) + A·B + Bias), the bias broadcast over rows.
/// </summary>
/// <remarks>
/// Fusing these into the store saves the Dense layer a full pass over C (forward: bias and ReLU;
/// backward: gradient accumulation across batches) while the tile is still in registers.
/// The additions happen in a fixed order, the same on every path and every partition:
/// first C_old + (A·B) (K block by K block), then + bias, then ReLU, where ReLU(x) is
/// <c>x &lt; 0 ? 0 : x</c> so that a NaN stays NaN.
/// </remarks>
internal readonly ref struct GemmEpilogue
{
    /// <summary>No bias, no ReLU, overwrite C: plain C = A·B.</summary>
    public static GemmEpilogue None => default;

    /// <summary>A bias of length n added to every row of the product, or empty for none.</summary>
    public ReadOnlySpan<float> Bias { get; init; }

    /// <summary>Whether to store max(0, x) (NaN kept) instead of x.</summary>
    public bool Relu { get; init; }

    /// <summary>Whether to add the product to C's current values (C += A·B) instead of overwriting C.</summary>
    public bool Accumulate { get; init; }

    /// <summary>
    /// Whether a short product may be cut between threads by its K blocks (<c>Gemm.KCut</c>) rather than by C: for a
    /// training step's forward product, whose optimizer step then updates each core's rows of B on that core. Anywhere
    /// else the cut only adds traffic between the cores (the partial sums, A's columns): a prediction of 16 to 64 rows
    /// of 784 features through a 128-unit layer took 1.02–1.50 times one thread's time on two threads cut by K, and
    /// 0.70–0.85 cut by C (session 18). Changes no bit: the blocks are added in order either way.
    /// </summary>
    public bool CutByK { get; init; }
}
