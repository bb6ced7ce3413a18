using System.Diagnostics;
using System.Globalization;
using LogitNet.Kernels;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Benchmarks;

/// <summary>
/// The corpus's Keras text model (Embedding, two Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dense) trained on
/// hashed ids, for the side-by-side run with PyTorch in bench/peers/train_textcnn.sh. Prints one JSON object.
/// </summary>
/// <remarks>
/// Usage: <c>--textcnn THREADS EPOCHS SEED</c>. Data, model and timing as bench/peers/train_textcnn.py: 8,000
/// training and 2,000 test sequences of 200 ids in [0, 5000) from the same integer hash, labelled 1 when an id
/// below 20 occurs; a warm-up model trains for 1.5 s, then a fresh one EPOCHS epochs, timed as a whole.
/// </remarks>
internal static class TextCnnTraining
{
    internal const int Vocabulary = 5000, Steps = 200;
    private const int Train = 8000, Test = 2000;

    public static void Run(string[] args)
    {
        int threads = int.Parse(args[0], CultureInfo.InvariantCulture);
        int epochs = int.Parse(args[1], CultureInfo.InvariantCulture);
        long seed = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 0;
        Parallelism.MaxThreads = threads;
        Loss.MaxDegreeOfParallelism = threads;
        (Tensor x, Tensor y) = Data(0, Train);
        (Tensor xTest, Tensor yTest) = Data(Train, Test);

        Sequential warm = Create(seed + 1000);
        var clock = Stopwatch.StartNew();
        do
        {
            warm.Fit(x.Slice(0, 32 * 8), y.Slice(0, 32 * 8), epochs: 1, batchSize: 32, verbose: 0);
        }
        while (clock.Elapsed.TotalSeconds < 1.5);

        Sequential model = Create(seed);
        var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        clock.Restart();
        History history = model.Fit(x, y, epochs: epochs, batchSize: 32, verbose: 0);
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        float accuracy = model.Evaluate(xTest, yTest, batchSize: 256)["binary_accuracy"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"library\": \"LogitNet\", \"threads\": {threads}, \"epochs\": {epochs}, \"seed\": {seed}, \"samples_per_s\": {Train * epochs / seconds:F0}, \"samples_per_cpu_s\": {Train * epochs / cpuSeconds:F0}, \"final_loss\": {history["loss"][^1]:F4}, \"test_accuracy\": {accuracy:F4}}}"));
    }

    /// <summary>Ids from the integer hash the Python side uses; label 1 when an id below 20 occurs.</summary>
    private static (Tensor X, Tensor Y) Data(int first, int count)
    {
        var ids = new float[count * Steps];
        var labels = new float[count];
        for (int i = 0; i < count; i++)
        {
            for (int t = 0; t < Steps; t++)
            {
                ulong h = ((ulong)(first + i) * 7919 + (ulong)t * 104729 + 12345) * 2654435761 % (1UL << 32);
                int id = (int)(h % Vocabulary);
                ids[i * Steps + t] = id;
                labels[i] = id < 20 ? 1 : labels[i];
            }
        }

        return (Tensor.FromArray(ids, count, Steps), Tensor.FromArray(labels, count));
    }

    private static Sequential Create(long seed)
    {
        var model = new Sequential([new Input(Steps), .. Hidden(), new Dense(1)]) { Seed = seed, Log = TextWriter.Null };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.001f), [Metrics.Metrics.BinaryAccuracy]);
        return model;
    }

    /// <summary>The model's layers between its input and its one-logit output (also timed by the inference benchmark).</summary>
    internal static Layer[] Hidden() =>
    [
        new Embedding(Vocabulary, 40),
        new Conv1D(20, 6, activation: Activation.Relu),
        new MaxPooling1D(5),
        new Conv1D(20, 6, activation: Activation.Relu),
        new GlobalMaxPooling1D(),
    ];
}
