using System.Runtime.InteropServices;

namespace LogitNet.Data;

/// <summary>
/// Allocates the loaders' result arrays so that their first touch is cheap: on Linux, an array of
/// 4 MiB or more asks the kernel for transparent huge pages before anything is written to it.
/// </summary>
/// <remarks>
/// <para>
/// A freshly allocated array is backed by memory the process has never touched, and every 4 KiB
/// page costs a fault on first write. Measured here (AMD EPYC virtual machine, 2 cores, Linux with
/// transparent huge pages in <c>madvise</c> mode, the Debian default): filling a new 188 MB float
/// array took 490–560 ms in .NET, against 20–26 ms in numpy, which advises huge pages for every
/// array of 4 MiB or more (<c>numpy.core.multiarray._get_madvise_hugepage()</c>); numpy with its
/// advice turned off took 490–550 ms too. With the same advice here the fill takes 33–89 ms (more
/// when the kernel must first compact memory into 2 MiB blocks, as for numpy), so a 60,000 × 784
/// dataset loads in about the time its bytes take to read (bench/results/loaders.md).
/// </para>
/// <para>
/// The advice (<c>madvise(MADV_HUGEPAGE)</c>) covers only the 2 MiB-aligned pages wholly inside the
/// array, so no other object shares them and memory use does not grow. It changes no content and is
/// only a hint: where it is unavailable (other systems, huge pages disabled, a libc without the
/// call) the array is the same, only slower to fill the first time.
/// </para>
/// </remarks>
internal static partial class LargeArrays
{
    /// <summary>numpy's threshold for the advice: smaller arrays gain little from it.</summary>
    private const int AdviseFromBytes = 1 << 22;

    private const nuint HugePageBytes = 1 << 21;

    /// <summary>Linux's MADV_HUGEPAGE (asm-generic/mman-common.h; the same on every architecture .NET runs on).</summary>
    private const int MadviseHugePage = 14;

    private static bool s_adviceUnavailable;

    /// <summary>A float array of <paramref name="count"/> elements, not cleared: the caller writes every element.</summary>
    public static float[] AllocateUninitialized(int count)
    {
        float[] array = GC.AllocateUninitializedArray<float>(count);
        if ((long)count * sizeof(float) >= AdviseFromBytes && OperatingSystem.IsLinux() && !s_adviceUnavailable)
        {
            AdviseHugePages(array);
        }

        return array;
    }

    private static unsafe void AdviseHugePages(float[] array)
    {
        fixed (float* first = array)
        {
            nuint start = ((nuint)first + HugePageBytes - 1) & ~(HugePageBytes - 1);
            nuint end = (nuint)(first + array.Length) & ~(HugePageBytes - 1);
            if (end <= start)
            {
                return;
            }

            try
            {
                // The result is ignored: a refusal (EINVAL where huge pages are compiled out) only
                // means the pages stay small.
                _ = Madvise(start, end - start, MadviseHugePage);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_adviceUnavailable = true;
            }
        }
    }

    // "libc" is mapped by the runtime to the C library it runs on (libc.so.6 with glibc).
    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nuint address, nuint length, int advice);
}
