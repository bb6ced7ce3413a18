using System.Globalization;
using System.Runtime.Intrinsics;
using LogitNet.Kernels;
using LogitNet.Losses;

namespace LogitNet.Benchmarks;

/// <summary>
/// The kernels that take a double logarithm (the softmax family's log1p, softplus, binary cross-entropy from
/// logits), each timed by the calling thread's CPU time on one thread, so time spent descheduled on a shared
/// machine does not count. Run the same harness on two builds and alternate them to compare (bench/results/vlog.md).
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/LogitNet.Benchmarks -- --log-kernels [TRIALS]</c> prints one line per
/// case: <c>case median_us=.. best_us=..</c>, the median and best of TRIALS trials (default 15), each the mean of
/// enough calls to take about 40 ms.
/// </remarks>
internal static class LogKernelsQuick
{
    public static void Run(IReadOnlyList<string> args)
    {
        int trials = args.Count > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
        Loss.MaxDegreeOfParallelism = 1;
        float[] narrow = Tensor.RandomNormal([65536, 10], 0f, 3f, seed: 2026).AsSpan().ToArray();
        float[] wide = Tensor.RandomNormal([1024, 1000], 0f, 3f, seed: 2027).AsSpan().ToArray();
        float[] outNarrow = new float[narrow.Length];
        float[] outWide = new float[wide.Length];
        float[] rowsNarrow = new float[65536];
        float[] rowsWide = new float[1024];
        float[] softplusIn = Tensor.RandomNormal([1 << 20], 0f, 4f, seed: 2028).AsSpan().ToArray();
        float[] softplusOut = new float[softplusIn.Length];
        Tensor logits = Tensor.RandomNormal([1 << 20, 1], 0f, 4f, seed: 2);
        Tensor labels = Tensor.RandomUniform([1 << 20, 1], 0f, 1f, seed: 3);
        Span<float> y = labels.AsSpan();
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = y[i] < 0.5f ? 0f : 1f;
        }

        var bce = new BinaryCrossentropy(fromLogits: true);
        double[] logIn = new double[1 << 16];
        double[] logOut = new double[logIn.Length];
        var draw = new Random(5);
        for (int i = 0; i < logIn.Length; i++)
        {
            // u = 1 + e^-|z|, the logarithm's argument in softplus and binary cross-entropy.
            logIn[i] = 1 + Math.Exp(-Math.Abs(draw.NextDouble() * 16 - 8));
        }
        float[] gradient = new float[logits.Length];

        var cases = new (string Name, Action Body)[]
        {
            ("softmax-65536x10", () => SoftmaxKernel.Rows(narrow, outNarrow, 10)),
            ("logsoftmax-65536x10", () => LogSoftmaxKernel.Rows(narrow, outNarrow, 10)),
            ("logsumexp-65536x10", () => LogSumExpKernel.Rows(narrow, rowsNarrow, 10)),
            ("softmax-1024x1000", () => SoftmaxKernel.Rows(wide, outWide, 1000)),
            ("logsoftmax-1024x1000", () => LogSoftmaxKernel.Rows(wide, outWide, 1000)),
            ("logsumexp-1024x1000", () => LogSumExpKernel.Rows(wide, rowsWide, 1000)),
            ("softplus-1M", () => SoftplusKernel.Apply(softplusIn, softplusOut)),
            ("bce-logits-1M", () => bce.Compute(labels, logits, gradient)),
            ("log-platform-256 (64K doubles)", () => LogLoop(logIn, logOut, platform: true)),
            ("log-vectorlog-256 (64K doubles)", () => LogLoop(logIn, logOut, platform: false)),
        };

        foreach ((string name, Action body) in cases)
        {
            body();
            double start = ThreadCpuSeconds();
            int calls = 0;
            while (ThreadCpuSeconds() - start < 0.04 || calls < 2)
            {
                body();
                calls++;
            }

            var times = new double[trials];
            for (int t = 0; t < trials; t++)
            {
                double begin = ThreadCpuSeconds();
                for (int c = 0; c < calls; c++)
                {
                    body();
                }

                times[t] = (ThreadCpuSeconds() - begin) / calls * 1e6;
            }

            Array.Sort(times);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} median_us={times[trials / 2]:F1} best_us={times[0]:F1}"));
        }
    }

    // The logarithm alone, 4 lanes a step: the platform's Vector256.Log beside VectorLog.
    private static void LogLoop(double[] x, double[] y, bool platform)
    {
        for (int i = 0; i <= x.Length - 4; i += 4)
        {
            Vector256<double> v = Vector256.Create(x.AsSpan(i, 4));
            (platform ? Vector256.Log(v) : VectorLog.Log(v)).CopyTo(y.AsSpan(i, 4));
        }
    }

    private static double ThreadCpuSeconds() => GemmQuick.ThreadCpuSeconds();
}
