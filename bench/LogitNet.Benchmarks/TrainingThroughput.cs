using System.Diagnostics;
using System.Globalization;
using LogitNet.Data;
using LogitNet.Kernels;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Benchmarks;

/// <summary>
/// Training throughput of the issue's three MLPs on MNIST-shaped data, for the side-by-side run
/// with PyTorch in bench/peers/train_mlp.sh. Prints one JSON object per measurement.
/// </summary>
/// <remarks>
/// Usage: <c>--train DATA_DIR THREADS [S|M|L ...]</c>, where DATA_DIR holds <c>x.f32</c> (60,000 × 784
/// float32, little-endian) and <c>y.f32</c> (60,000 labels as float32), written by the peer script so
/// both libraries train on the same bytes. A Stopwatch harness rather than BenchmarkDotNet: an
/// epoch is long enough (0.1 to 5 s) that timer resolution and JIT warm-up are negligible after one
/// warm-up epoch, and the peer is timed the same way. With GATHER_AB=1 it compares the batch copy's two ways
/// instead (<see cref="CompareGathers"/>).
/// </remarks>
internal static class TrainingThroughput
{
    private static readonly Dictionary<string, (int[] Units, int BatchSize)> s_models = new()
    {
        ["S"] = ([25, 15, 10], 32),
        ["M"] = ([128, 64, 10], 64),
        ["L"] = ([1024, 1024, 10], 256),
    };

    public static void Run(string[] args)
    {
        string directory = args[0];
        int threads = int.Parse(args[1], CultureInfo.InvariantCulture);
        string[] names = args.Length > 2 ? args[2..] : ["S", "M", "L"];
        Parallelism.MaxThreads = threads;
        Loss.MaxDegreeOfParallelism = threads;
        // GEMM_PACK_ROWS=0: pack an untransposed B panel by panel (the way before session 7), for A/B runs.
        if (Environment.GetEnvironmentVariable("GEMM_PACK_ROWS") == "0")
        {
            Kernels.Gemm.PackBAlongRows = false;
        }

        float[] xData = Read(Path.Combine(directory, "x.f32"));
        float[] yData = Read(Path.Combine(directory, "y.f32"));
        int samples = yData.Length;
        Tensor x = Tensor.FromArray(xData, samples, xData.Length / samples);
        Tensor y = Tensor.FromArray(yData, samples);

        foreach (string name in names)
        {
            (int[] units, int batchSize) = s_models[name];
            Sequential model = Create(units);
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
            // Warm up for a second and a half, not a fixed number of batches: the JIT promotes the
            // training loop to its optimized tier some 100 ms after the first calls, and 50 batches
            // of the S model take 5 ms.
            Tensor xWarm = x.Slice(0, Math.Min(samples, batchSize * 50)), yWarm = y.Slice(0, Math.Min(samples, batchSize * 50));
            var warm = Stopwatch.StartNew();
            do
            {
                model.Fit(xWarm, yWarm, epochs: 1, batchSize: batchSize, verbose: 0);
            }
            while (warm.Elapsed.TotalSeconds < 1.5);

            // One untimed pass over all the data, as the peer does: on the Zen 5 VM of session 10 the first pass
            // over the 188 MB of x ran 4-6x slower than the next (S: 300-440 ms against 65-75 ms per epoch) with
            // no page fault in the process (the first user access to each page costs the hypervisor something).
            model.Fit(x, y, epochs: 1, batchSize: batchSize, verbose: 0);

            if (Environment.GetEnvironmentVariable("GATHER_AB") == "1")
            {
                CompareGathers(model, x, y, batchSize);
                continue;
            }

            // Long enough to be stable on a shared machine; the same epochs for the peer. The median
            // of three runs, since a shared 2-core machine disturbs single runs.
            int epochs = name == "L" ? 1 : 2;
            var rates = new double[3];
            History history = null!;
            for (int run = 0; run < rates.Length; run++)
            {
                var clock = Stopwatch.StartNew();
                history = model.Fit(x, y, epochs: epochs, batchSize: batchSize, verbose: 0);
                rates[run] = samples * (double)epochs / clock.Elapsed.TotalSeconds;
            }

            string runs = string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));
            Array.Sort(rates);
            double rate = rates[1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"library\": \"LogitNet\", \"model\": \"{name}\", \"threads\": {threads}, \"samples_per_s\": {rate:F0}, \"final_loss\": {history["loss"][^1]:F4}, \"runs\": [{runs}]}}"));

            if (name == "S")
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"library\": \"LogitNet\", \"model\": \"S-predict-1\", \"threads\": {threads}, \"microseconds\": {SingleSampleLatency(model, x):F3}}}"));
            }
        }
    }

    /// <summary>
    /// GATHER_AB=1: epochs with the batch rows copied one at a time and eight at a time, alternating in this
    /// process (ten rounds), and the median of each round's ratio: the host's phases move whole processes by
    /// 10-40%, an alternation within one process by much less.
    /// </summary>
    private static void CompareGathers(Sequential model, Tensor x, Tensor y, int batchSize)
    {
        const int Rounds = 10;
        var milliseconds = new double[2, Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            for (int variant = 0; variant < 2; variant++)
            {
                RowGather.InterleaveRows = variant == 1;
                var clock = Stopwatch.StartNew();
                model.Fit(x, y, epochs: 1, batchSize: batchSize, verbose: 0);
                milliseconds[variant, round] = clock.Elapsed.TotalMilliseconds;
            }
        }

        RowGather.InterleaveRows = true;
        double[] ratios = Enumerable.Range(0, Rounds).Select(r => milliseconds[0, r] / milliseconds[1, r]).Order().ToArray();
        double[] oneAtATime = Enumerable.Range(0, Rounds).Select(r => milliseconds[0, r]).Order().ToArray();
        double[] eight = Enumerable.Range(0, Rounds).Select(r => milliseconds[1, r]).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch ms, rows one at a time: median {oneAtATime[Rounds / 2]:F1}; eight at a time: median {eight[Rounds / 2]:F1}; " +
            $"ratio (one / eight) median {ratios[Rounds / 2]:F3}, range {ratios[0]:F3}-{ratios[^1]:F3}"));
    }

    /// <summary>
    /// Writes the embedded 10,000 MNIST digits (train then test), repeated six times, as DIR/x.f32
    /// (60,000 × 784 floats in [0, 1]) and DIR/y.f32 (the labels as floats): learnable data of the same
    /// size as the noise the benchmark uses by default (DATA=mnist in train_mlp.sh). On noise with random
    /// labels every model collapses to the prior and most ReLU units die; on digits they learn.
    /// </summary>
    public static void WriteMnist(string directory)
    {
        var (train, test) = Data.Datasets.Mnist();
        Directory.CreateDirectory(directory);
        using var x = File.Create(Path.Combine(directory, "x.f32"));
        using var y = File.Create(Path.Combine(directory, "y.f32"));
        for (int copy = 0; copy < 6; copy++)
        {
            foreach (Data.Dataset part in new[] { train, test })
            {
                x.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part.Features.AsSpan()));
                y.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part.Labels.AsSpan()));
            }
        }
    }

    private static Sequential Create(int[] units)
    {
        var model = new Sequential { Seed = 1, Log = TextWriter.Null };
        for (int i = 0; i < units.Length; i++)
        {
            model.Add(new Dense(units[i], i == units.Length - 1 ? Activation.Linear : Activation.Relu));
        }

        return model;
    }

    /// <summary>The median over 21 rounds of the mean time of one single-sample Predict.</summary>
    private static double SingleSampleLatency(Sequential model, Tensor x)
    {
        Tensor one = x.Slice(0, 1);
        const int Calls = 2000;
        var rounds = new double[21];
        for (int i = 0; i < 2000; i++)
        {
            model.Predict(one);
        }

        for (int round = 0; round < rounds.Length; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Calls; i++)
            {
                model.Predict(one);
            }

            rounds[round] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
        }

        Array.Sort(rounds);
        return rounds[rounds.Length / 2];
    }

    /// <summary>
    /// Reads a raw float32 file as the loaders do (LargeArrays: huge pages advised, as numpy does for
    /// the peer's <c>np.fromfile</c>). The tensor <c>Tensor.FromArray</c> then makes is a copy on huge pages
    /// too (the factories advise them from 4 MiB), so both libraries gather batches from alike memory; before
    /// session 23 that copy was on 4 KiB pages.
    /// </summary>
    private static float[] Read(string path)
    {
        using var file = File.OpenHandle(path);
        long bytes = RandomAccess.GetLength(file);
        float[] values = LargeArrays.AllocateUninitialized((int)(bytes / sizeof(float)));
        Span<byte> target = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        long offset = 0;
        while (offset < target.Length)
        {
            int read = RandomAccess.Read(file, target[(int)offset..], offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"{path} ended at byte {offset} of {target.Length}.");
            }

            offset += read;
        }

        return values;
    }
}
