using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using LogitNet.Data;

namespace LogitNet.Benchmarks;

/// <summary>
/// The loaders as a user's program meets them: one load in a fresh process, for the side-by-side
/// run with numpy in bench/peers/loaders_cold.sh. Prints one JSON line.
/// </summary>
/// <remarks>
/// <para>
/// Usage: <c>--load-files DIR</c> writes the files of <see cref="LoaderBenchmarks"/> into DIR;
/// <c>--load-cold KIND DIR</c> then times a single call, KIND one of <c>npy-f32</c>, <c>npy-u8</c>,
/// <c>idx</c>, <c>idx-gz</c>. The time covers the call only (not the runtime's start-up), so it
/// includes what a first call pays: compiling the loader, first use of the file and gzip stacks,
/// and first touch of the new 188 MB array; the JIT's share (<see cref="JitInfo"/>, this thread) is printed beside it. The peer (bench/peers/load_numpy.py) is timed the same
/// way around <c>np.load</c> or its IDX equivalent.
/// </para>
/// <para>
/// The warm, in-process figures are <see cref="LoaderBenchmarks"/>'s (BenchmarkDotNet); they hide
/// the first-touch cost because the runtime reuses the memory of the previous iteration's array.
/// </para>
/// </remarks>
internal static class LoaderColdStart
{
    public static void Run(string[] args)
    {
        if (args[0] == "--load-files")
        {
            LoaderBenchmarks.WriteFiles(args[1]);
            return;
        }

        string kind = args[1];
        string folder = args[2];
        string path = Path.Combine(folder, kind switch
        {
            "npy-f32" => "x_f32.npy",
            "npy-u8" => "x_u8.npy",
            "idx" => "x.idx",
            "idx-gz" => "x.idx.gz",
            _ => throw new ArgumentException($"Unknown load '{kind}'; expected npy-f32, npy-u8, idx or idx-gz.", nameof(args)),
        });

        TimeSpan jitBefore = JitInfo.GetCompilationTime(currentThread: true);
        long methodsBefore = JitInfo.GetCompiledMethodCount(currentThread: true);
        long start = Stopwatch.GetTimestamp();
        Tensor result = kind.StartsWith("npy", StringComparison.Ordinal) ? Npy.Read(path) : Idx.Read(path);
        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double jitMilliseconds = (JitInfo.GetCompilationTime(currentThread: true) - jitBefore).TotalMilliseconds;
        long methods = JitInfo.GetCompiledMethodCount(currentThread: true) - methodsBefore;

        // A checksum after the clock stops, so the peer's result can be compared with ours.
        double sum = Checksum(result.AsSpan());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"library\": \"LogitNet\", \"load\": \"{kind}\", \"ms\": {milliseconds:F1}, \"jit_ms\": {jitMilliseconds:F1}, \"jit_methods\": {methods}, \"shape\": \"{string.Join("x", result.Shape)}\", \"sum\": {sum:F0}}}"));
    }

    // Optimised from the start: in the first tier this loop over 47 million values took longer than
    // the load and would have inflated the process time compared with numpy's sum in C.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Checksum(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += value;
        }

        return sum;
    }
}
