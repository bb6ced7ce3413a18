using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LogitNet.Kernels;

namespace LogitNet.Benchmarks;

/// <summary>
/// Throughput of the softmax family over [rows, columns] float32 tensors, beside a plain copy of
/// the same bytes in the same run: the copy is the memory-bandwidth ceiling for a 2-pass-free
/// kernel, so "ratio to copy" says how close to bandwidth-bound each kernel is.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/LogitNet.Benchmarks -- --filter '*Softmax*'</c>.
/// Short runs (3 warm-ups, 5 iterations, in process) because the machine is shared; compare the
/// ratios within one run rather than absolute numbers across runs.
/// </remarks>
[Config(typeof(Config))]
public class SoftmaxBenchmarks
{
    private float[] _x = [];
    private float[] _y = [];
    private float[] _rowResults = [];

    [Params("8192x1000", "65536x10", "1024x32768")]
    public string Shape { get; set; } = "8192x1000";

    public int Rows => int.Parse(Shape.Split('x')[0]);

    public int Columns => int.Parse(Shape.Split('x')[1]);

    [GlobalSetup]
    public void Setup()
    {
        // Seeded logits ~ N(0, 3²): a typical classifier's spread, no NaN or inf.
        _x = Tensor.RandomNormal([Rows, Columns], 0f, 3f, seed: 2026).AsSpan().ToArray();
        _y = new float[_x.Length];
        _rowResults = new float[Rows];
    }

    [Benchmark(Baseline = true, Description = "Copy")]
    public void Copy() => _x.AsSpan().CopyTo(_y);

    [Benchmark(Description = "Softmax")]
    public void Softmax() => SoftmaxKernel.Rows(_x, _y, Columns);

    [Benchmark(Description = "LogSoftmax")]
    public void LogSoftmax() => LogSoftmaxKernel.Rows(_x, _y, Columns);

    [Benchmark(Description = "LogSumExp")]
    public void LogSumExp() => LogSumExpKernel.Rows(_x, _rowResults, Columns);

    /// <summary>Bytes read plus bytes written by one call of the named benchmark.</summary>
    public static long BytesMoved(string method, int rows, int columns) => method switch
    {
        "LogSumExp" => 4L * rows * columns + 4L * rows,
        _ => 8L * rows * columns,
    };

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(5));
            AddColumn(new ThroughputColumn());
            HideColumns(Column.Error, Column.StdDev, Column.RatioSD);
        }
    }

    /// <summary>GB/s = (bytes read + written) / mean time, from the benchmark's name and Shape parameter.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes read plus bytes written per call, divided by the mean time (10^9 bytes per second).";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (meanNanoseconds is null)
            {
                return "-";
            }

            string[] shape = ((string)benchmarkCase.Parameters["Shape"]).Split('x');
            long bytes = BytesMoved(benchmarkCase.Descriptor.WorkloadMethod.Name, int.Parse(shape[0]), int.Parse(shape[1]));
            return (bytes / meanNanoseconds.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
