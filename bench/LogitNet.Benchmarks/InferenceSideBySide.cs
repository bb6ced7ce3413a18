using System.Diagnostics;
using System.Globalization;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using Microsoft.ML.OnnxRuntime;

namespace LogitNet.Benchmarks;

/// <summary>
/// Inference time of LogitNet against ONNX Runtime (the .NET package) on the issue's three MLPs, one
/// engine per process (bench/peers/inference_ort.sh starts them), so neither's threads disturb the other.
/// </summary>
/// <remarks>
/// <c>--inference-setup DIR</c> writes each model once (seeded weights) as <c>NAME.logitnet</c>, its
/// <c>ExportOnnx</c> as <c>NAME.onnx</c> (logits), the same weights with a softmax output as
/// <c>NAME.proba.onnx</c> (ONNX Runtime's counterpart of <c>PredictProba</c>), and 1000 input rows as
/// <c>x.f32</c>. <c>--inference ENGINE DIR NAME</c> (ENGINE <c>logitnet</c> or <c>ort</c>) then times
/// batches of 1 and 1000 rows and prints one JSON line per case: the fastest of ten rounds of the
/// mean time per call, each round at least 0.2 s, after 1.5 s of warm-up (the JIT's optimized tier and
/// ONNX Runtime's thread pool). ONNX Runtime runs with 2 intra-op threads (this machine's cores) and
/// binds its input and output once (IOBinding over pinned arrays), so a call does no allocation;
/// LogitNet is called as a user calls it, <c>model.Predict(x)</c>, which returns a new tensor.
/// </remarks>
internal static class InferenceSideBySide
{
    public const int Rows = 1000;
    private const int Features = 784;

    private static readonly Dictionary<string, int[]> s_models = new()
    {
        ["S"] = [25, 15, 10],
        ["M"] = [128, 64, 10],
        ["L"] = [1024, 1024, 10],
    };

    public static void Setup(string directory)
    {
        Directory.CreateDirectory(directory);
        Tensor x = Tensor.RandomUniform([Rows, Features], 0f, 1f, seed: 7);
        File.WriteAllBytes(Path.Combine(directory, "x.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        foreach ((string name, int[] units) in s_models)
        {
            Sequential logits = Create(units, Activation.Linear);
            logits.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
            logits.Save(Path.Combine(directory, name + ".logitnet"));
            logits.ExportOnnx(Path.Combine(directory, name + ".onnx"));

            Sequential probabilities = Create(units, Activation.Softmax);
            for (int i = 0; i < logits.Parameters.Count; i++)
            {
                logits.Parameters[i].Value.AsSpan().CopyTo(probabilities.Parameters[i].Value.AsSpan());
            }

            probabilities.ExportOnnx(Path.Combine(directory, name + ".proba.onnx"));
        }
    }

    public static void Run(string engine, string directory, string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, "x.f32"));
        float[] x = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, x, 0, bytes.Length);
        switch (engine)
        {
            case "logitnet":
                RunLogitNet(directory, name, x);
                break;
            case "ort":
                RunOrt(directory, name, x);
                break;
            default:
                throw new ArgumentException($"engine '{engine}': expected logitnet or ort", nameof(engine));
        }
    }

    private static Sequential Create(int[] units, Activation output)
    {
        var layers = new List<Layer> { new Input(Features) };
        for (int i = 0; i < units.Length; i++)
        {
            layers.Add(new Dense(units[i], i == units.Length - 1 ? output : Activation.Relu));
        }

        var model = new Sequential([.. layers]) { Seed = 11, Log = TextWriter.Null };
        model.Build(Features);
        return model;
    }

    private static void RunLogitNet(string directory, string name, float[] x)
    {
        Sequential model = Sequential.Load(Path.Combine(directory, name + ".logitnet"));
        foreach (int batch in (int[])[1, Rows])
        {
            Tensor input = Tensor.FromArray(x.AsSpan(0, batch * Features).ToArray(), batch, Features);
            Report("LogitNet", name, batch, "predict", Time(() => model.Predict(input)));
            Report("LogitNet", name, batch, "proba", Time(() => model.PredictProba(input)));
        }
    }

    private static void RunOrt(string directory, string name, float[] x)
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
            foreach (int batch in (int[])[1, Rows])
            {
                float[] inputData = x.AsSpan(0, batch * Features).ToArray();
                float[] outputData = new float[batch * 10];
                using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputData, [batch, Features]);
                using OrtValue output = OrtValue.CreateTensorValueFromMemory(outputData, [batch, 10]);
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
