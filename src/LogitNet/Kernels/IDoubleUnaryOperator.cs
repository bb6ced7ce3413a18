using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// An elementwise function evaluated in double precision on 256- and 512-bit vectors: the operator
/// half of a kernel whose loop is <see cref="ElementwiseDouble.Apply{TOperator}"/>. There is no scalar
/// form: a short input runs the 256-bit code on one lane, so every value gets the same bits wherever it
/// stands and on every instruction set (software vectors do the same IEEE operations).
/// </summary>
internal interface IDoubleUnaryOperator
{
    /// <summary>The function on four values.</summary>
    static abstract Vector256<double> Invoke(Vector256<double> x);

    /// <summary>The function on eight values.</summary>
    static abstract Vector512<double> Invoke(Vector512<double> x);
}
