using System.Diagnostics;
using System.Globalization;
using LogitNet.Layers;

namespace LogitNet.Benchmarks;

/// <summary>
/// DepthwiseConv2D forward and forward + backward per batch, one thread (or the threads given), the median of several timed
/// rounds; bench/peers/depthwise.py runs the same shapes in PyTorch (Conv2d with groups = channels).
/// </summary>
internal static class DepthwiseSideBySide
{
    /// <summary>(batch, height, width, channels, kernel, multiplier, stride): MobileNet-like blocks.</summary>
    public static readonly (int N, int H, int W, int C, int K, int M, int S)[] Cases =
    [
        (32, 28, 28, 64, 3, 1, 1),
        (32, 14, 14, 128, 3, 2, 1),
        (32, 56, 56, 32, 3, 1, 2),
    ];

    public static void Run(int threads = 1)
    {
        Parallelism.MaxThreads = threads;
        Console.WriteLine("case, forward ms, forward+backward ms, forward GFLOP/s");
        foreach ((int n, int h, int w, int c, int k, int m, int s) in Cases)
        {
            var layer = new DepthwiseConv2D(k, strides: s, padding: Padding.Same, depthMultiplier: m) { Seed = 1 };
            layer.Build(h, w, c);
            Tensor x = Tensor.RandomNormal([n, h, w, c], 0f, 1f, seed: 2);
            Tensor dy = Tensor.RandomNormal([n, .. layer.OutputShape], 0f, 1f, seed: 3);
            double forward = Median(() => layer.Forward(x));
            double both = Median(() =>
            {
                layer.Forward(x, training: true);
                layer.Backward(dy);
            });
            long outputs = (long)n * layer.OutputShape[0] * layer.OutputShape[1] * layer.OutputShape[2];
            double flops = 2.0 * outputs * k * k;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"n{n} {h}x{w}x{c} k{k} m{m} s{s}, {forward * 1e3:0.00}, {both * 1e3:0.00}, {flops / forward / 1e9:0.0}"));
        }
    }

    /// <summary>Seconds per call: the median of <paramref name="rounds"/> rounds of enough calls to take about 0.2 s, after a warm-up.</summary>
    internal static double Median(Action action, int rounds = 7)
    {
        for (int i = 0; i < 3; i++)
        {
            action();
        }

        var clock = Stopwatch.StartNew();
        action();
        int calls = Math.Max(1, (int)(0.2 / clock.Elapsed.TotalSeconds));
        var times = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            clock.Restart();
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            times.Add(clock.Elapsed.TotalSeconds / calls);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
