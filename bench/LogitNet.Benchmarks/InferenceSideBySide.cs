using System.Diagnostics;
using System.Globalization;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Benchmarks;

/// <summary>
/// Inference time of LogitNet against ONNX Runtime (the .NET package) on the issue's three MLPs (S, M, L),
/// Keras's simple MNIST convnet (C) and the corpus's text CNN (T), one engine per process
/// (bench/peers/inference_ort.sh starts them), so neither's threads disturb the other.
/// </summary>
/// <remarks>
/// <c>--inference-setup DIR</c> writes each model once (seeded weights) as <c>NAME.logitnet</c>, its
/// <c>ExportOnnx</c> as <c>NAME.onnx</c> (logits), the same weights with a softmax output as
/// <c>NAME.proba.onnx</c> (ONNX Runtime's counterpart of <c>PredictProba</c>), and 1000 input rows as
/// <c>NAME.x.f32</c> (pixels in [0, 1]; the text CNN's rows are ids). <c>--inference ENGINE DIR NAME</c> (ENGINE <c>logitnet</c> or <c>ort</c>) then times
/// batches of 1, 32 and 1000 rows and prints one JSON line per case: the fastest of ten rounds of the
/// mean time per call, each round at least 0.2 s, after 1.5 s of warm-up (the JIT's optimized tier and
/// ONNX Runtime's thread pool). ONNX Runtime runs with 2 intra-op threads (this machine's cores) and
/// binds its input and output once (IOBinding over pinned arrays), so a call does no allocation;
/// LogitNet is called as a user calls it, <c>model.Predict(x)</c>, which returns a new tensor.
/// </remarks>
internal static class InferenceSideBySide
{
    public const int Rows = 1000;

    /// <summary>
    /// The batch sizes timed: one request, a server's small batch, and a bulk batch; or the comma-separated sizes in
    /// INFERENCE_BATCHES (each 1 to <see cref="Rows"/>), e.g. "2,4" for a server's micro-batches.
    /// </summary>
    private static readonly int[] Batches = Environment.GetEnvironmentVariable("INFERENCE_BATCHES") is { Length: > 0 } list
        ? list.Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture) is var n and >= 1 and <= Rows ? n
            : throw new ArgumentException($"INFERENCE_BATCHES: each batch size must be 1 to {Rows}; got '{b}'.")).ToArray()
        : [1, 32, Rows];

    /// <summary>A benchmark model: its per-sample input shape, its layers before the output, its output width and the input maker.</summary>
    private sealed record Spec(int[] InputShape, Func<Layer[]> Hidden, int Outputs, Func<int, float> Value);

    private static readonly Dictionary<string, Spec> s_models = new()
    {
        ["S"] = Mlp(25, 15),
        ["M"] = Mlp(128, 64),
        ["L"] = Mlp(1024, 1024),
        // Keras's "simple MNIST convnet" (samples/MnistConvnet, bench/peers/train_convnet.sh): 28 x 28 x 1 pixels.
        ["C"] = new([28, 28, 1], ConvnetTraining.Hidden, 10, Pixel),
        // The corpus's text model (bench/peers/train_textcnn.sh): 200 ids below 5,000, one logit.
        ["T"] = new([TextCnnTraining.Steps], TextCnnTraining.Hidden, 1, i => (float)((ulong)i * 2654435761 % TextCnnTraining.Vocabulary)),
    };

    public static void Setup(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach ((string name, Spec spec) in s_models)
        {
            int features = Features(spec);
            var x = new float[Rows * features];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = spec.Value(i);
            }

            File.WriteAllBytes(Path.Combine(directory, name + ".x.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
            Sequential logits = Create(spec, Activation.Linear);
            logits.Compile(spec.Outputs == 1 ? new BinaryCrossentropy(fromLogits: true) : new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
            logits.Save(Path.Combine(directory, name + ".logitnet"));
            logits.ExportOnnx(Path.Combine(directory, name + ".onnx"));

            Sequential probabilities = Create(spec, spec.Outputs == 1 ? Activation.Sigmoid : Activation.Softmax);
            for (int i = 0; i < logits.Parameters.Count; i++)
            {
                logits.Parameters[i].Value.AsSpan().CopyTo(probabilities.Parameters[i].Value.AsSpan());
            }

            probabilities.ExportOnnx(Path.Combine(directory, name + ".proba.onnx"));
        }
    }

    public static void Run(string engine, string directory, string name)
    {
        if (!s_models.TryGetValue(name, out Spec? spec))
        {
            throw new ArgumentException($"model '{name}': expected one of {string.Join(", ", s_models.Keys)}", nameof(name));
        }

        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, name + ".x.f32"));
        float[] x = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, x, 0, bytes.Length);
        switch (engine)
        {
            case "logitnet":
                RunLogitNet(directory, name, spec, x);
                break;
            case "ort":
                RunOrt(directory, name, spec, x);
                break;
            default:
                throw new ArgumentException($"engine '{engine}': expected logitnet or ort", nameof(engine));
        }
    }

    /// <summary>The first <paramref name="rows"/> of the input rows <c>--inference-setup</c> wrote for model <paramref name="name"/>.</summary>
    public static Tensor Input(string directory, string name, int rows, int[] sampleShape)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, name + ".x.f32"));
        int length = rows * sampleShape.Aggregate(1, (a, b) => a * b);
        if (length * sizeof(float) > bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"{name}.x.f32 holds {Rows} rows");
        }

        float[] x = new float[length];
        Buffer.BlockCopy(bytes, 0, x, 0, length * sizeof(float));
        return Tensor.FromArray(x, [rows, .. sampleShape]);
    }

    private static Spec Mlp(params int[] hidden) =>
        new([784], () => [.. hidden.Select(units => (Layer)new Dense(units, Activation.Relu))], 10, Pixel);

    /// <summary>The same seeded pixels in [0, 1] for every image model.</summary>
    private static float Pixel(int i) => (float)((ulong)i * 2654435761 % 1_000_003) / 1_000_003f;

    private static int Features(Spec spec) => spec.InputShape.Aggregate(1, (a, b) => a * b);

    private static Sequential Create(Spec spec, Activation output)
    {
        var model = new Sequential([new Input(spec.InputShape), .. spec.Hidden(), new Dense(spec.Outputs, output)]) { Seed = 11, Log = TextWriter.Null };
        model.Build(spec.InputShape);
        return model;
    }

    private static void RunLogitNet(string directory, string name, Spec spec, float[] x)
    {
        Sequential model = Sequential.Load(Path.Combine(directory, name + ".logitnet"));
        foreach (int batch in Batches)
        {
            Tensor input = Tensor.FromArray(x.AsSpan(0, batch * Features(spec)).ToArray(), [batch, .. spec.InputShape]);
            Report("LogitNet", name, batch, "predict", Time(() => model.Predict(input)));
            Report("LogitNet", name, batch, "proba", Time(() => model.PredictProba(input)));
        }
    }

    private static void RunOrt(string directory, string name, Spec spec, float[] x)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 2,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        foreach ((string file, string kind) in (ReadOnlySpan<(string, string)>)[(name + ".onnx", "predict"), (name + ".proba.onnx", "proba")])
        {
            using var session = new InferenceSession(Path.Combine(directory, file), options);
            using var run = new RunOptions();
            foreach (int batch in Batches)
            {
                float[] inputData = x.AsSpan(0, batch * Features(spec)).ToArray();
                float[] outputData = new float[batch * spec.Outputs];
                using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputData, [batch, .. spec.InputShape.Select(d => (long)d)]);
                using OrtValue output = OrtValue.CreateTensorValueFromMemory(outputData, [batch, spec.Outputs]);
                using OrtIoBinding binding = session.CreateIoBinding();
                binding.BindInput("input", input);
                binding.BindOutput("output", output);
                Report("ORT", name, batch, kind, Time(() => session.RunWithBinding(run, binding)));
            }
        }
    }

    /// <summary>
    /// The fastest of ten rounds, each at least 0.2 s of calls, as mean microseconds per call. The machine
    /// is shared (other builds and tests run beside the benchmark), so the least disturbed round is the
    /// best estimate of the engine's own speed; both engines are measured the same way.
    /// </summary>
    private static double Time(Action call)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 1.5)
        {
            call();
        }

        double fastest = double.MaxValue;
        for (int r = 0; r < 10; r++)
        {
            long calls = 0;
            clock.Restart();
            do
            {
                call();
                calls++;
            }
            while (clock.Elapsed.TotalSeconds < 0.2);
            fastest = Math.Min(fastest, clock.Elapsed.TotalMicroseconds / calls);
        }

        return fastest;
    }

    private static void Report(string engine, string model, int batch, string kind, double microseconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"engine\": \"{engine}\", \"model\": \"{model}\", \"batch\": {batch}, \"kind\": \"{kind}\", \"us\": {microseconds:F2}}}"));
}
