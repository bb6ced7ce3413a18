using System.Diagnostics;
using System.Globalization;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Benchmarks;

/// <summary>
/// <c>-- --dwblock THREADS</c>: a MobileNet-like block (32×32×32 input, DepthwiseConv2D 3×3 "same" + ReLU, Conv2D 1×1
/// to 64 + ReLU, global average, Dense 10), batch 64, on THREADS threads: the depthwise layer alone (forward, and
/// forward + backward with the input gradient), the model's Predict and one training step. Wall-clock medians of
/// several rounds; on the shared 2-core machine compare builds by alternating runs, not single figures.
/// </summary>
internal static class DepthwiseBlock
{
    private const int Batch = 64;

    public static void Run(string[] args)
    {
        int threads = int.Parse(args[0], CultureInfo.InvariantCulture);
        Parallelism.MaxThreads = threads;
        var layer = new DepthwiseConv2D(3, padding: Padding.Same, activation: Activation.Relu) { Seed = 1 };
        layer.Build(32, 32, 32);
        Tensor x = Tensor.RandomNormal([Batch, 32, 32, 32], 0f, 1f, seed: 2);
        Tensor dy = Tensor.RandomNormal([Batch, .. layer.OutputShape], 0f, 1f, seed: 3);
        double forward = Median(() => layer.Forward(x));
        double both = Median(() =>
        {
            layer.Forward(x, training: true);
            layer.Backward(dy);
        });

        var model = new Sequential(
            new Input(32, 32, 32),
            new DepthwiseConv2D(3, padding: Padding.Same, activation: Activation.Relu),
            new Conv2D(64, 1, activation: Activation.Relu),
            new GlobalAveragePooling2D(),
            new Dense(10)) { Seed = 4, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        const int Steps = 4;
        Tensor xs = Tensor.RandomNormal([Batch * Steps, 32, 32, 32], 0f, 1f, seed: 5);
        Tensor ys = Tensor.FromArray(Enumerable.Range(0, Batch * Steps).Select(i => (float)(i % 10)).ToArray(), Batch * Steps);
        double predict = Median(() => model.Predict(x));
        double step = Median(() => model.Fit(xs, ys, epochs: 1, batchSize: Batch, verbose: 0)) / Steps;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads {threads}: depthwise forward {forward * 1e3:0.00} ms, forward+backward {both * 1e3:0.00} ms; block predict {predict * 1e3:0.00} ms, training step {step * 1e3:0.00} ms"));
    }

    private static double Median(Action action) => DepthwiseSideBySide.Median(action, rounds: 9);
}
