using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// The one loop of the elementwise kernels that compute in double: on float32 (widen, apply the
/// operator, round once to float32) and on doubles in place.
/// </summary>
internal static class ElementwiseDouble
{
    /// <summary>
    /// Writes <c>(float)TOperator.Invoke(x_i)</c> to y_i. In place allowed; no other overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Apply<TOperator>(ReadOnlySpan<float> x, Span<float> y)
        where TOperator : struct, IDoubleUnaryOperator
    {
        RowChecks.RequireSameLength(x, y.Length);
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        const int Step = SoftmaxRow.Step;
        int n = x.Length;
        if (!Vector256.IsHardwareAccelerated || n < Step)
        {
            // One lane of the vector code, not a scalar twin (see IDoubleUnaryOperator): the same bits as a long row.
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref destination, j) = (float)TOperator.Invoke(Vector256.Create((double)Unsafe.Add(ref source, j))).ToScalar();
            }

            return;
        }

        // The tail is an overlapping last vector: computed before the loop can overwrite its
        // inputs (in place) and stored after it.
        Vector256<float> last = Compute<TOperator>(Vector256.LoadUnsafe(ref source, (nuint)(n - Step)));
        for (int i = 0; i <= n - Step; i += Step)
        {
            Compute<TOperator>(Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        }

        last.StoreUnsafe(ref destination, (nuint)(n - Step));
    }

    /// <summary>
    /// values_i = TOperator.Invoke(values_i) on doubles, in place: the widest hardware vectors first, then one lane of
    /// the 256-bit code (software vectors where there is no hardware), so each value gets the same bits wherever it
    /// stands and on every instruction set.
    /// </summary>
    public static void ApplyInPlace<TOperator>(Span<double> values)
        where TOperator : struct, IDoubleUnaryOperator
    {
        ref double v = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref v, (nuint)i)).StoreUnsafe(ref v, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref v, i) = TOperator.Invoke(Vector256.Create(Unsafe.Add(ref v, i))).ToScalar();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Compute<TOperator>(Vector256<float> v)
        where TOperator : struct, IDoubleUnaryOperator =>
        Widening.Use512
            ? Widening.ToSingle(TOperator.Invoke(Widening.ToDouble(v)))
            : Vector256.Narrow(TOperator.Invoke(Vector256.WidenLower(v)), TOperator.Invoke(Vector256.WidenUpper(v)));
}
