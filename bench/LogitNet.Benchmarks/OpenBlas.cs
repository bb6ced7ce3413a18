using System.Runtime.InteropServices;

namespace LogitNet.Benchmarks;

/// <summary>
/// The peer: OpenBLAS's cblas_sgemm from Debian's libopenblas0 (install with bench/setup.sh).
/// Only the benchmarks use it; the library never does. OpenBLAS picks its kernel when it loads,
/// from the CPU or from the OPENBLAS_CORETYPE environment variable, so the two kernels we compare
/// against need two processes.
/// </summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    /// <summary>C = op(A)·op(B), row-major, with OpenBLAS's leading-dimension conventions (the same as ours).</summary>
    public static void Sgemm(bool transposeA, bool transposeB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc) =>
        cblas_sgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);

    public static void SetThreads(int threads) => openblas_set_num_threads(threads);

    /// <summary>The kernel OpenBLAS chose at load time, e.g. "Haswell" or "SkylakeX".</summary>
    public static string CoreName => Marshal.PtrToStringAnsi(openblas_get_corename()) ?? "?";

    public static string Config => Marshal.PtrToStringAnsi(openblas_get_config()) ?? "?";

    [LibraryImport(Library)]
    private static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library)]
    private static partial void openblas_set_num_threads(int threads);

    [LibraryImport(Library)]
    private static partial nint openblas_get_corename();

    [LibraryImport(Library)]
    private static partial nint openblas_get_config();
}
