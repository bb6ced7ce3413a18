using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogitNet.Kernels;

/// <summary>
/// The float32 ↔ double conversions of the kernels' 8-float step, and the choice of vector width.
/// </summary>
/// <remarks>
/// Every kernel works on 8 floats a step, widened to double. On AVX-512 hardware those 8 doubles
/// are one 512-bit vector (one <c>vcvtps2pd</c> in, one <c>vcvtpd2ps</c> out); elsewhere two 256-bit
/// halves. The 512-bit path measured twice as fast for the exponential on the benchmark machine.
/// Widening is exact; narrowing rounds to nearest, the one rounding of each result.
/// </remarks>
internal static class Widening
{
    /// <summary>True where the 512-bit path runs: AVX-512F present and the runtime accelerates Vector512.</summary>
    public static bool Use512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
    }

    /// <summary>Eight floats to eight doubles (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ToDouble(Vector256<float> v) => Avx512F.ConvertToVector512Double(v);

    /// <summary>Eight doubles to eight floats, each rounded to nearest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector512<double> v) => Avx512F.ConvertToVector256Single(v);
}
