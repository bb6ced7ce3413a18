using System.Diagnostics;
using System.Globalization;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Benchmarks;

/// <summary>
/// How fast a fresh process trains: the M model (784-128-64-10, batch 64, one thread) from its first step, in
/// six epochs of 250 steps each on 16,000 rows of noise, each epoch timed. Prints one JSON line.
/// </summary>
/// <remarks>
/// Usage: <c>--cold-train OPTIMIZER</c> (adam, adamw, sgd or rmsprop), once per process: the point is the
/// first second of a process's training, which the throughput benchmark's warm-up leaves out, and in which
/// the runtime still runs code it has not yet recompiled with full optimization (its tiered compilation
/// waits for a method's 30th call and then some 100 ms without new methods; bench/results/training.md,
/// session 13).
/// </remarks>
internal static class TrainingColdStart
{
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        string name = args.Length > 0 ? args[0] : "adam";
        Parallelism.MaxThreads = 1;
        const int Rows = 16_000, BatchSize = 64;
        Tensor x = Tensor.RandomUniform([Rows, 784], 0f, 1f, seed: 7);
        var labels = new float[Rows];
        var random = new Random(1);
        for (int i = 0; i < Rows; i++)
        {
            labels[i] = random.Next(10);
        }

        Tensor y = Tensor.FromArray(labels, Rows);
        var model = new Sequential([new Input(784), new Dense(128, Activation.Relu), new Dense(64, Activation.Relu), new Dense(10, Activation.Linear)])
        {
            Seed = 11,
            Log = TextWriter.Null,
        };
        Optimizer optimizer = name switch
        {
            "sgd" => new SGD(0.01f, momentum: 0.9f),
            "rmsprop" => new RMSprop(0.001f),
            "adamw" => new AdamW(0.001f),
            "adam" => new Adam(0.001f),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; expected adam, adamw, sgd or rmsprop.", nameof(args)),
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), optimizer);
        double setup = clock.Elapsed.TotalMilliseconds;
        var epochs = new double[6];
        for (int e = 0; e < epochs.Length; e++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);
            epochs[e] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        string list = string.Join(", ", epochs.Select(ms => ms.ToString("F1", CultureInfo.InvariantCulture)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"optimizer\": \"{name}\", \"setup_ms\": {setup:F1}, \"epoch_ms\": [{list}], \"total_ms\": {epochs.Sum():F1}}}"));
    }
}
