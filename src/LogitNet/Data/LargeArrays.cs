using System.Runtime.InteropServices;

namespace LogitNet.Data;

/// <summary>
/// Allocates large arrays on transparent huge pages (Linux): the buffers of the tensors users make (<c>Tensor</c>'s
/// factories) and the loaders' result arrays, so that their first touch is cheap and a training set read row by row in
/// shuffled order does not miss the TLB at every row (an array of 4 MiB or more asks for them), and large parameters and
/// optimizer state, so that reading them does not miss the TLB at every 4 KiB (<see cref="ZerosOnHugePages"/>).
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
/// array, so while the array lives no other object shares them and memory use does not grow. The advice
/// belongs to the address range and outlives the array: objects the runtime later puts there may be
/// given huge pages too (a 2 MiB page where a few 4 KiB ones were touched), numpy's trade as well. It
/// changes no content and is only a hint: where it is unavailable (other systems, huge pages disabled,
/// a libc without the call) the array is the same, only slower to fill the first time.
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

    [ThreadStatic]
    private static (nuint Start, nuint Length) t_lastAdvised;

    /// <summary>The address range this thread last advised and the system accepted (for tests: the advice reached an array).</summary>
    internal static (nuint Start, nuint Length) LastAdvisedOnThisThread => t_lastAdvised;

    /// <summary>A float array of <paramref name="count"/> elements, not cleared: the caller writes every element.</summary>
    public static float[] AllocateUninitialized(int count) => Advised(GC.AllocateUninitializedArray<float>(count));

    /// <summary>A float array of <paramref name="count"/> zeros.</summary>
    public static float[] AllocateZeroed(int count) => Advised(new float[count]);

    /// <summary>A new float array holding a copy of <paramref name="values"/>.</summary>
    public static float[] CopyOf(ReadOnlySpan<float> values)
    {
        float[] copy = AllocateUninitialized(values.Length);
        values.CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// Advises huge pages for an array of <see cref="AdviseFromBytes"/> or more. Fresh memory from the system is not
    /// touched until the caller writes it, so the advice holds from the first write; memory the runtime had used before
    /// (and cleared) is already on small pages, which the kernel's background scan may later merge.
    /// </summary>
    private static float[] Advised(float[] array)
    {
        if ((long)array.Length * sizeof(float) >= AdviseFromBytes && OperatingSystem.IsLinux() && !s_adviceUnavailable)
        {
            AdviseHugePages(array);
        }

        return array;
    }

    /// <summary>
    /// Whether a tensor of <paramref name="count"/> floats read again and again (a parameter, its gradient, an
    /// optimizer's state) goes on huge pages (<see cref="ZerosOnHugePages"/>): from one huge page's worth, 2 MiB.
    /// </summary>
    public static bool HugePagesPay(int count) =>
        TensorsOnHugePages && (long)count * sizeof(float) >= (long)HugePageBytes && OperatingSystem.IsLinux() && !s_adviceUnavailable
        && RoundedToPages(count) + (long)HugePageBytes / sizeof(float) <= Array.MaxLength;

    /// <summary><paramref name="count"/> floats rounded up to whole huge pages.</summary>
    private static long RoundedToPages(int count)
    {
        long pageFloats = (long)HugePageBytes / sizeof(float);
        return (count + pageFloats - 1) / pageFloats * pageFloats;
    }

    /// <summary>Whether <see cref="HugePagesPay"/> may say yes. Settable for benchmarks only (the same model loaded both ways, in one process).</summary>
    internal static bool TensorsOnHugePages = true;

    /// <summary>
    /// A pinned array whose elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) are
    /// zeros starting a 2 MiB page, with the pages that hold them advised as huge pages before they are first written.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A weight matrix read column panel by column panel touches a new 4 KiB page at every row: the GEMM reading L's
    /// 784 × 1024 weights in place for a 32-row batch missed the TLB on each, and took 1.07–1.14× as long as with the same
    /// weights on 2 MiB pages (one thread, alternating processes; bench/results/inference.md, session 19).
    /// </para>
    /// <para>
    /// The array is longer than the tensor: up to 2 MiB before it, to reach the page boundary, and the rest of its last
    /// huge page after it. Those floats are never written, and memory never written is never given pages, except for
    /// the rest of the last huge page (less than 2 MiB per tensor, only for tensors of 2 MiB or more). Where the advice
    /// is refused or huge pages are off, the pages are small and the tensor is the same.
    /// </para>
    /// </remarks>
    public static unsafe float[] ZerosOnHugePages(int count, out int start)
    {
        if (!HugePagesPay(count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Huge pages are for tensors of 2 MiB and more, below the largest array less 2 MiB, on Linux (check HugePagesPay first).");
        }

        int pageFloats = (int)HugePageBytes / sizeof(float);
        long rounded = RoundedToPages(count);

        // Zeroed by the runtime, which takes fresh memory from the system already zero and so leaves it untouched:
        // the advice then holds from the first write.
        float[] array = GC.AllocateArray<float>((int)(rounded + pageFloats), pinned: true);
        fixed (float* first = array)
        {
            nuint aligned = ((nuint)first + HugePageBytes - 1) & ~(HugePageBytes - 1);
            start = (int)((aligned - (nuint)first) / sizeof(float));
            Advise(aligned, (nuint)(rounded * sizeof(float)));
        }

        return array;
    }

    private static void Advise(nuint start, nuint length)
    {
        try
        {
            // A refusal (EINVAL where huge pages are compiled out) only means the pages stay small.
            if (Madvise(start, length, MadviseHugePage) == 0)
            {
                t_lastAdvised = (start, length);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_adviceUnavailable = true;
        }
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

            Advise(start, end - start);
        }
    }

    // "libc" is mapped by the runtime to the C library it runs on (libc.so.6 with glibc).
    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nuint address, nuint length, int advice);
}
