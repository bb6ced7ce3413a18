using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// The float32 ⇄ double moves of the loss kernels: widen logits to double, and round scaled double
/// results to float32 once. Vector512 where the hardware has it; the scalar loop computes the same values.
/// </summary>
internal static class LossVectorMath
{
    /// <summary>destination[i] = (double)source[i] - shift (exact for float inputs and a float shift).</summary>
    public static void WidenSubtract(ReadOnlySpan<float> source, double shift, Span<double> destination)
    {
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(source);
            ref double d = ref MemoryMarshal.GetReference(destination);
            Vector512<double> m = Vector512.Create(shift);
            for (; i <= n - 16; i += 16)
            {
                (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref s, (nuint)i));
                (lower - m).StoreUnsafe(ref d, (nuint)i);
                (upper - m).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }

        for (; i < n; i++)
        {
            destination[i] = source[i] - shift;
        }
    }

    /// <summary>destination[i] = (float)(source[i] · scale): one double product, one rounding to float32.</summary>
    public static void ScaleNarrow(ReadOnlySpan<double> source, double scale, Span<float> destination)
    {
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref double s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(destination);
            Vector512<double> f = Vector512.Create(scale);
            for (; i <= n - 16; i += 16)
            {
                Vector512<double> lower = Vector512.LoadUnsafe(ref s, (nuint)i) * f;
                Vector512<double> upper = Vector512.LoadUnsafe(ref s, (nuint)(i + 8)) * f;
                Vector512.Narrow(lower, upper).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            destination[i] = (float)(source[i] * scale);
        }
    }

    /// <summary>Σ_{j ≠ skip} values[j], without forming the full sum first (no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumExcept(ReadOnlySpan<double> values, int skip) =>
        Sum(values[..skip]) + Sum(values[(skip + 1)..]);

    /// <summary>Σ values[j] in double, vectorised for long rows and a plain loop for short ones.</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        if (values.Length >= 32)
        {
            return System.Numerics.Tensors.TensorPrimitives.Sum(values);
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>The largest value (NaN if any value is NaN), vectorised for long rows.</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        if (values.Length >= 32)
        {
            return System.Numerics.Tensors.TensorPrimitives.Max(values);
        }

        float max = values[0];
        for (int j = 1; j < values.Length; j++)
        {
            // Math.Max returns NaN when either argument is NaN.
            max = Math.Max(max, values[j]);
        }

        return max;
    }
}
