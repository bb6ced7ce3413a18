namespace LogitNet.Kernels;

/// <summary>
/// A small count as a type: a kernel generic over it is compiled once per count, with only that count's
/// accumulators and its loops over them unrolled. The few-rows GEMM takes 2–4 rows of A, the direct convolution
/// tiles of 1–6 output pixels, the transposed GEMM tiles of 1–6 units (17–25 in its fused form).
/// </summary>
internal interface IConstantCount
{
    /// <summary>The count, a constant of each implementation.</summary>
    static abstract int Value { get; }
}

/// <summary>One.</summary>
internal readonly struct Count1 : IConstantCount
{
    public static int Value => 1;
}

/// <summary>Two.</summary>
internal readonly struct Count2 : IConstantCount
{
    public static int Value => 2;
}

/// <summary>Three.</summary>
internal readonly struct Count3 : IConstantCount
{
    public static int Value => 3;
}

/// <summary>Four.</summary>
internal readonly struct Count4 : IConstantCount
{
    public static int Value => 4;
}

/// <summary>Five.</summary>
internal readonly struct Count5 : IConstantCount
{
    public static int Value => 5;
}

/// <summary>Six.</summary>
internal readonly struct Count6 : IConstantCount
{
    public static int Value => 6;
}
