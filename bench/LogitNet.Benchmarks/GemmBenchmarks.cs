using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LogitNet.Kernels;

namespace LogitNet.Benchmarks;

/// <summary>
/// One product C[m×n] = op(A)[m×k]·op(B)[k×n]: NN is a Dense forward pass (X·W), TN the weight
/// gradient (Xᵀ·dY, A stored k×m), NT the input gradient (dY·Wᵀ, B stored n×k).
/// </summary>
public sealed unsafe class GemmCase : IDisposable
{
    private GemmCase(int m, int k, int n, bool transposeA, bool transposeB)
    {
        M = m;
        K = k;
        N = n;
        TransposeA = transposeA;
        TransposeB = transposeB;
        A = Allocate(m * k, seed: 1);
        B = Allocate(k * n, seed: 2);
        C = Allocate(m * n, seed: 3);
    }

    public int M { get; }

    public int K { get; }

    public int N { get; }

    public bool TransposeA { get; }

    public bool TransposeB { get; }

    public float* A { get; }

    public float* B { get; }

    public float* C { get; }

    public double Flops => 2.0 * M * N * K;

    public string Transpose => (TransposeA ? "T" : "N") + (TransposeB ? "T" : "N");

    /// <summary>The name BenchmarkDotNet shows and parses back, e.g. "256x784x1024 NT" (M×K×N).</summary>
    public string Name => $"{M}x{K}x{N} {Transpose}";

    /// <summary>
    /// The shapes of the issue: square NN products, and the training shapes in each Dense
    /// transpose; GEMM_CASES="256x784x1024,NT" keeps only the names containing one of its parts.
    /// </summary>
    public static IEnumerable<string> Names()
    {
        string[] keep = (Environment.GetEnvironmentVariable("GEMM_CASES") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return AllNames().Where(name => keep.Length == 0 || keep.Any(part => name.Contains(part, StringComparison.Ordinal)));
    }

    private static IEnumerable<string> AllNames()
    {
        foreach (int size in new[] { 256, 512, 1024, 2048 })
        {
            yield return $"{size}x{size}x{size} NN";
        }

        foreach ((int m, int k, int n) in new[] { (32, 784, 25), (64, 784, 128), (256, 784, 1024), (256, 1024, 1024), (256, 1024, 10) })
        {
            foreach (string transpose in new[] { "NN", "TN", "NT" })
            {
                yield return $"{m}x{k}x{n} {transpose}";
            }
        }
    }

    public static GemmCase Parse(string name)
    {
        string[] parts = name.Split(' ');
        int[] dims = parts[0].Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new GemmCase(dims[0], dims[1], dims[2], parts[1][0] == 'T', parts[1][1] == 'T');
    }

    public void RunLogitNet() =>
        Gemm.Multiply(TransposeA, TransposeB, M, N, K,
            new ReadOnlySpan<float>(A, M * K), TransposeA ? M : K,
            new ReadOnlySpan<float>(B, K * N), TransposeB ? K : N,
            new Span<float>(C, M * N), N, GemmEpilogue.None);

    public void RunOpenBlas() =>
        OpenBlas.Sgemm(TransposeA, TransposeB, M, N, K, A, TransposeA ? M : K, B, TransposeB ? K : N, C, N);

    public void Dispose()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
        NativeMemory.AlignedFree(C);
    }

    private static float* Allocate(int length, int seed)
    {
        // Both libraries get the same 64-byte aligned buffers, so neither gains from alignment luck.
        float* p = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
        var random = new Random(seed);
        for (int i = 0; i < length; i++)
        {
            p[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return p;
    }
}

/// <summary>
/// LogitNet's GEMM and OpenBLAS side by side. Run with
/// <c>dotnet run -c Release --project bench/LogitNet.Benchmarks -- --filter '*GemmBenchmarks*'</c>.
/// Three jobs: LogitNet, OpenBLAS with the kernel it picks itself, and OpenBLAS with
/// OPENBLAS_CORETYPE=SKYLAKEX (AVX-512), each benchmark in its own process.
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private GemmCase? _case;

    public static IEnumerable<string> Cases => GemmCase.Names();

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _case = GemmCase.Parse(Case);
        Parallelism.MaxThreads = Threads;
        OpenBlas.SetThreads(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _case?.Dispose();

    [Benchmark]
    public void LogitNet() => _case!.RunLogitNet();

    [Benchmark]
    public void OpenBLAS() => _case!.RunOpenBlas();

    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig()
        {
            // Short runs: the suite has 114 benchmarks on a shared 2-core machine; the noise this
            // leaves is why the table compares ratios measured in the same run.
            Job quick = Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150));
            AddJob(quick.WithId("OwnKernel"));
            AddJob(quick.WithEnvironmentVariables(new EnvironmentVariable("OPENBLAS_CORETYPE", "SKYLAKEX")).WithId("SkylakeX"));
            AddFilter(new SimpleFilter(b => !(b.Job.Id == "SkylakeX" && b.Descriptor.WorkloadMethod.Name == nameof(LogitNet))));
            AddColumn(new GflopsColumn());
        }
    }

    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Billions of floating-point operations (2·m·n·k) per second, from the mean time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            BenchmarkReport? report = summary[benchmarkCase];
            if (report?.ResultStatistics is null)
            {
                return "-";
            }

            string name = (string)benchmarkCase.Parameters["Case"];
            using GemmCase shape = GemmCase.Parse(name);
            return (shape.Flops / report.ResultStatistics.Mean).ToString("F1", CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}

/// <summary>
/// A Stopwatch harness for development (<c>-- --quick [filter]</c>): best-of-N GFLOP/s for
/// LogitNet and, in the same process, OpenBLAS (whatever OPENBLAS_CORETYPE says), their trials
/// interleaved so that both see the same background load on a shared machine. After each
/// two-thread OpenBLAS trial it sleeps 200 ms, because OpenBLAS's idle threads spin for 2^28 cycles (about 77 ms).
/// </summary>
public static class GemmQuick
{
    public static void Run(string[] args)
    {
        string filter = args.Length > 0 ? args[0] : "";
        // A filter that is itself a case name ("1000x784x25 NN") runs that shape even if it is not in the list.
        List<string> names = System.Text.RegularExpressions.Regex.IsMatch(filter, @"^\d+x\d+x\d+ [NT][NT]$")
            ? [filter]
            : GemmCase.Names().Where(n => n.Contains(filter, StringComparison.Ordinal)).ToList();
        Console.WriteLine($"OpenBLAS core: {OpenBlas.CoreName}; {OpenBlas.Config}");
        Console.WriteLine($"LogitNet: {Gemm.BestKernel} kernels; {CpuCaches.Current}; MC {Gemm.McMax}, NC {Gemm.NcMax}, in place up to {Gemm.InPlaceMaxBytes / 1024} KB");
        Console.WriteLine($"{"case",-20} {"thr",3} {"LogitNet",9} {"OpenBLAS",9} {"ratio",6}");
        // GEMM_ROWS_TILES=N: read an untransposed A in place up to N column tiles (an experiment knob).
        if (Environment.GetEnvironmentVariable("GEMM_ROWS_TILES") is { } rowTiles)
        {
            Gemm.RowsInPlaceMaxTiles = int.Parse(rowTiles, CultureInfo.InvariantCulture);
        }

        if (Environment.GetEnvironmentVariable("GEMM_GROUP") is { } group)
        {
            Gemm.StreamGroupColumns = int.Parse(group, CultureInfo.InvariantCulture);
        }

        // GEMM_TRANSPOSED=0: never compute a narrow product as its transpose (Gemm.Transposed.cs).
        if (Environment.GetEnvironmentVariable("GEMM_TRANSPOSED") == "0")
        {
            Gemm.TransposedTiles = false;
        }

        if (Environment.GetEnvironmentVariable("GEMM_MC") is { } mc)
        {
            Gemm.McMax = int.Parse(mc, CultureInfo.InvariantCulture);
        }

        // GEMM_THREADS="1" runs one thread count only (default: 1 and 2).
        int[] threadCounts = (Environment.GetEnvironmentVariable("GEMM_THREADS") ?? "1,2")
            .Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        foreach (int threads in threadCounts)
        {
            Parallelism.MaxThreads = threads;
            OpenBlas.SetThreads(threads);
            foreach (string name in names)
            {
                using GemmCase c = GemmCase.Parse(name);
                int reps = Math.Max(1, (int)(2e7 / c.Flops * 30));
                c.RunLogitNet();
                c.RunOpenBlas();
                // GEMM_AB=prefetch: LogitNet with and without a setting, alternating in one process (each
                // round's ratio cancels the machine's slow phases); the median round ratio is the figure.
                if (Environment.GetEnvironmentVariable("GEMM_AB") is "prefetch" or "pack-rows" or "columns" or "fused" or "transposed")
                {
                    Action<bool> set = Environment.GetEnvironmentVariable("GEMM_AB") switch
                    {
                        "prefetch" => v => Gemm.PrefetchC = v,
                        "columns" => v => Gemm.TileColumns = v,
                        "fused" => v => Gemm.FusedTransposedTiles = v,
                        "transposed" => v => Gemm.TransposedTiles = v,
                        _ => v => Gemm.PackBAlongRows = v,
                    };
                    var ratios = new List<double>();
                    double bestOn = 0, bestOff = 0;
                    for (int round = 0; round < 25; round++)
                    {
                        set(round % 2 == 0);
                        double first = Trial(c, c.RunLogitNet, reps);
                        set(round % 2 != 0);
                        double second = Trial(c, c.RunLogitNet, reps);
                        double on = round % 2 == 0 ? first : second, off = round % 2 == 0 ? second : first;
                        ratios.Add(on / off);
                        bestOn = Math.Max(bestOn, on);
                        bestOff = Math.Max(bestOff, off);
                    }

                    ratios.Sort();
                    Console.WriteLine($"{name,-20} {threads,3} on {bestOn:F1} off {bestOff:F1} median on/off {ratios[ratios.Count / 2]:F3} (q1 {ratios[ratios.Count / 4]:F3}, q3 {ratios[3 * ratios.Count / 4]:F3})");
                    continue;
                }

                double ours = 0, theirs = 0;
                int trials = int.Parse(Environment.GetEnvironmentVariable("GEMM_TRIALS") ?? "7", CultureInfo.InvariantCulture);
                for (int trial = 0; trial < trials; trial++)
                {
                    // The library that runs first after the pause finds its threads asleep and the cores idle,
                    // and its first milliseconds run slower (measured on the AVX2 EPYC: 1024³ chunks of 7.0 ms
                    // against 6.0 back to back); the second finds them warm. So the two take turns going first.
                    if (trial % 2 == 0)
                    {
                        ours = Math.Max(ours, Trial(c, c.RunLogitNet, reps));
                        theirs = Math.Max(theirs, Trial(c, c.RunOpenBlas, reps));
                    }
                    else
                    {
                        theirs = Math.Max(theirs, Trial(c, c.RunOpenBlas, reps));
                        ours = Math.Max(ours, Trial(c, c.RunLogitNet, reps));
                    }

                    if (threads > 1)
                    {
                        // OpenBLAS's idle threads spin (sched_yield) for about 0.1 s after a call, taking cores
                        // from the next trial; the pause lets them, and LogitNet's worker, go to sleep.
                        Thread.Sleep(200);
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-20} {threads,3} {ours,9:F1} {theirs,9:F1} {ours / theirs,6:F2}"));
            }
        }
    }

    private static double Trial(GemmCase c, Action run, int reps)
    {
        // GEMM_CLOCK=thread times one thread by its own CPU time, so the time it spends descheduled
        // on a shared machine does not count (meaningful with GEMM_THREADS=1 only).
        bool threadClock = Environment.GetEnvironmentVariable("GEMM_CLOCK") == "thread";
        long start = Stopwatch.GetTimestamp();
        double cpuStart = threadClock ? ThreadCpuSeconds() : 0;
        for (int i = 0; i < reps; i++)
        {
            run();
        }

        double seconds = threadClock ? ThreadCpuSeconds() - cpuStart : Stopwatch.GetElapsedTime(start).TotalSeconds;
        return c.Flops * reps / seconds / 1e9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The calling thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID).</summary>
    internal static double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTime = 3;
        ClockGetTime(ClockThreadCpuTime, out TimeSpec time);
        return time.Seconds + time.Nanoseconds * 1e-9;
    }
}
