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
}
