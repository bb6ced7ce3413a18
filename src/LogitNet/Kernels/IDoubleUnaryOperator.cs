using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// An elementwise function evaluated in double precision, on scalars and on 256- and 512-bit
/// vectors: the operator half of a kernel whose loop is <see cref="ElementwiseDouble.Apply{TOperator}"/>.
/// </summary>
internal interface IDoubleUnaryOperator
{
    /// <summary>The function on one value (the short-input and fallback path).</summary>
    static abstract double Invoke(double x);

    /// <summary>The function on four values.</summary>
    static abstract Vector256<double> Invoke(Vector256<double> x);

    /// <summary>The function on eight values.</summary>
    static abstract Vector512<double> Invoke(Vector512<double> x);
}
