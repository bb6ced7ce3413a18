using System.Diagnostics;
using System.Globalization;
using LogitNet.Data;
using LogitNet.Kernels;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Benchmarks;

/// <summary>
/// Keras's "simple MNIST convnet" trained on the embedded MNIST, for the side-by-side run with PyTorch in
/// bench/peers/train_convnet.sh (issue 13). Prints one JSON object: training samples/s and test accuracy.
/// </summary>
/// <remarks>
/// Usage: <c>--convnet THREADS EPOCHS SEED</c>. A warm-up model trains for a second and a half first (the
/// JIT's optimized tier), then a fresh model with the given seed trains EPOCHS epochs, timed as a whole
/// (shuffling and the batch copies included, as in the peer), and is evaluated on the test split. Samples per
/// second of process CPU time are printed too: on a shared machine they move less than wall-clock rates.
/// </remarks>
internal static class ConvnetTraining
{
    public static void Run(string[] args)
    {
        int threads = int.Parse(args[0], CultureInfo.InvariantCulture);
        int epochs = int.Parse(args[1], CultureInfo.InvariantCulture);
        long seed = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 0;
        Parallelism.MaxThreads = threads;
        Loss.MaxDegreeOfParallelism = threads;

        (Dataset train, Dataset test) = Datasets.Mnist();
        Tensor x = train.Features.Reshape(train.Count, 28, 28, 1);
        Tensor xTest = test.Features.Reshape(test.Count, 28, 28, 1);

        Sequential warm = Create(seed + 1000);
        var clock = Stopwatch.StartNew();
        do
        {
            warm.Fit(x.Slice(0, 128 * 8), train.Labels.Slice(0, 128 * 8), epochs: 1, batchSize: 128, verbose: 0);
        }
        while (clock.Elapsed.TotalSeconds < 1.5);

        Sequential model = Create(seed);
        var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        clock.Restart();
        History history = model.Fit(x, train.Labels, epochs: epochs, batchSize: 128, verbose: 0);
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        float accuracy = model.Evaluate(xTest, test.Labels, batchSize: 256)["sparse_categorical_accuracy"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"library\": \"LogitNet\", \"threads\": {threads}, \"epochs\": {epochs}, \"seed\": {seed}, \"samples_per_s\": {train.Count * epochs / seconds:F0}, \"samples_per_cpu_s\": {train.Count * epochs / cpuSeconds:F0}, \"final_loss\": {history["loss"][^1]:F4}, \"test_accuracy\": {accuracy:F4}}}"));
    }

    /// <summary>Keras's example: Input(28, 28, 1), Conv2D(32, 3, relu), MaxPooling2D(2), Conv2D(64, 3, relu), MaxPooling2D(2), Flatten, Dropout(0.5), Dense(10) logits.</summary>
    private static Sequential Create(long seed)
    {
        var model = new Sequential([new Input(28, 28, 1), .. Hidden(), new Dense(10)]) { Seed = seed, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f), [Metrics.Metrics.SparseCategoricalAccuracy]);
        return model;
    }

    /// <summary>The example's layers between its input and its Dense(10) output (also timed by the inference benchmark).</summary>
    internal static Layer[] Hidden() =>
    [
        new Conv2D(32, kernelSize: 3, activation: Activation.Relu),
        new MaxPooling2D(poolSize: 2),
        new Conv2D(64, kernelSize: 3, activation: Activation.Relu),
        new MaxPooling2D(poolSize: 2),
        new Flatten(),
        new Dropout(0.5f),
    ];
}
