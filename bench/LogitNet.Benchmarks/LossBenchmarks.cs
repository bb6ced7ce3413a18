using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using LogitNet.Losses;

namespace LogitNet.Benchmarks;

/// <summary>
/// The training step's loss call: fused forward + backward (<see cref="Loss.Compute(Tensor, Tensor, Span{float})"/>)
/// of softmax cross-entropy on [8192, 1000] and [65536, 10] logits with class ids, and binary cross-entropy on
/// 10^7 logits, beside a plain copy of the same bytes (logits read, gradient written), on 1 and 2 threads.
/// </summary>
/// <remarks>
/// Run with <c>dotnet run -c Release -- --filter '*LossBenchmarks*'</c>, or the short side-by-side harness
/// <c>dotnet run -c Release -- --quick-losses 1</c> used by <c>bench/peers/torch_losses.py</c>.
/// </remarks>
[MemoryDiagnoser]
public class LossBenchmarks
{
    private Workload? _workload;

    /// <summary>The workload: <c>softmax-8192x1000</c>, <c>softmax-65536x10</c> or <c>binary-1e7</c>.</summary>
    [Params("softmax-8192x1000", "softmax-65536x10", "binary-1e7")]
    public string Case { get; set; } = "softmax-8192x1000";

    /// <summary>The most threads the loss may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>Builds the seeded inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload.Create(Case);
        Loss.MaxDegreeOfParallelism = Threads;
    }

    /// <summary>Fused forward + backward: the reduced loss and its gradient.</summary>
    /// <returns>The loss value.</returns>
    [Benchmark]
    public float ForwardBackward() => _workload!.Run();

    /// <summary>Copies the logits into the gradient buffer: the memory-traffic floor of the same bytes.</summary>
    [Benchmark(Baseline = true)]
    public void Copy() => _workload!.Copy();

    /// <summary>One benchmark case: seeded inputs and a gradient buffer.</summary>
    internal sealed class Workload
    {
        private readonly Loss _loss;
        private readonly Tensor _labels;
        private readonly Tensor _logits;
        private readonly float[] _gradient;

        private Workload(Loss loss, Tensor labels, Tensor logits)
        {
            _loss = loss;
            _labels = labels;
            _logits = logits;
            _gradient = new float[logits.Length];
        }

        /// <summary>Bytes moved per call: logits read plus gradient written.</summary>
        public long Bytes => 2L * sizeof(float) * _logits.Length;

        public static Workload Create(string name)
        {
            switch (name)
            {
                case "softmax-8192x1000":
                    return Softmax(8192, 1000);
                case "softmax-65536x10":
                    return Softmax(65536, 10);
                case "binary-1e7":
                    const int n = 10_000_000;
                    Tensor logits = Tensor.RandomNormal([n, 1], 0f, 4f, seed: 2);
                    Tensor labels = Tensor.RandomUniform([n, 1], 0f, 1f, seed: 3);
                    Span<float> y = labels.AsSpan();
                    for (int i = 0; i < n; i++)
                    {
                        y[i] = y[i] < 0.5f ? 0f : 1f;
                    }

                    return new Workload(new BinaryCrossentropy(fromLogits: true), labels, logits);
                default:
                    throw new ArgumentException($"Unknown case {name}.", nameof(name));
            }

            static Workload Softmax(int rows, int classes)
            {
                Tensor logits = Tensor.RandomNormal([rows, classes], 0f, 3f, seed: 1);
                var random = new Random(4);
                Tensor labels = Tensor.FromArray(Enumerable.Range(0, rows).Select(_ => (float)random.Next(classes)).ToArray(), rows);
                return new Workload(new SparseCategoricalCrossentropy(fromLogits: true), labels, logits);
            }
        }

        public float Run() => _loss.Compute(_labels, _logits, _gradient);

        public void Copy() => _logits.AsSpan().CopyTo(_gradient);
    }

    /// <summary>
    /// The short harness: for each case, the median wall time of timed runs after a warm-up, and the
    /// process CPU time per run (which a loaded machine inflates far less than wall time), printed as
    /// <c>logitnet case threads=.. median_ms=.. best_ms=.. cpu_ms=.. copy_ms=..</c> lines for the peer script.
    /// </summary>
    /// <param name="threads">The most threads the loss may use.</param>
    /// <param name="cases">The case names, or all when empty.</param>
    public static void RunQuick(int threads, IReadOnlyList<string> cases)
    {
        Loss.MaxDegreeOfParallelism = threads;
        string[] names = cases.Count > 0 ? [.. cases] : ["softmax-8192x1000", "softmax-65536x10", "binary-1e7"];
        foreach (string name in names)
        {
            Workload workload = Workload.Create(name);
            (double median, double best, double cpu) = Time(() => workload.Run());
            (double copy, _, double copyCpu) = Time(workload.Copy);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"logitnet {name} threads={threads} median_ms={median:F3} best_ms={best:F3} cpu_ms={cpu:F3} copy_ms={copy:F3} copy_cpu_ms={copyCpu:F3}"));
        }
    }

    private static (double Median, double Best, double Cpu) Time(Action action)
    {
        for (int i = 0; i < 3; i++)
        {
            action();
        }

        var times = new List<double>();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        TimeSpan cpuStart = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        while (times.Count < 20 || (total.Elapsed.TotalSeconds < 1.5 && times.Count < 400))
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / times.Count;
        times.Sort();
        return (times[times.Count / 2], times[0], cpu);
    }
}
