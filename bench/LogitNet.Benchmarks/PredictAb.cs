using System.Diagnostics;
using System.Globalization;

namespace LogitNet.Benchmarks;

/// <summary>
/// <c>-- --predict-ab DIR MODEL ROWS CHUNK_A CHUNK_B</c>: wall-clock time of one <c>Predict</c> of ROWS rows on every
/// thread, with the row-chunk size A and B alternating in one process (25 rounds, the order swapped each round);
/// prints the median of the per-round ratios time(A) / time(B), which cancels the machine's slow phases.
/// <c>-- --direct-ab DIR MODEL ROWS PATCH_A PATCH_B</c> does the same with the longest patch that convolutions compute
/// directly (<see cref="Kernels.DirectConvolution2D.MaxPatch"/>; 0: every convolution through im2col and the GEMM).
/// </summary>
public static class PredictAb
{
    public static void Run(string[] args) => Run(args, "chunk", chunk => Sequential.ChunkRows = chunk);

    public static void RunDirect(string[] args) => Run(args, "direct patch", patch => Kernels.DirectConvolution2D.MaxPatch = patch);

    private static void Run(string[] args, string knob, Action<int> set)
    {
        string directory = args[0], name = args[1];
        int rows = int.Parse(args[2], CultureInfo.InvariantCulture);
        int chunkA = int.Parse(args[3], CultureInfo.InvariantCulture), chunkB = int.Parse(args[4], CultureInfo.InvariantCulture);
        Sequential model = Sequential.Load(Path.Combine(directory, name + ".logitnet"));
        Tensor x = InferenceSideBySide.Input(directory, name, rows, model.Layers[0].InputShape);
        var result = Tensor.Zeros(rows, model.Layers[^1].OutputShape[^1]);
        for (int i = 0; i < 200; i++)
        {
            set(i % 2 == 0 ? chunkA : chunkB);
            model.Predict(x, result);
        }

        var ratios = new List<double>();
        double bestA = double.MaxValue, bestB = double.MaxValue;
        for (int round = 0; round < 25; round++)
        {
            double first = Time(round % 2 == 0 ? chunkA : chunkB);
            double second = Time(round % 2 == 0 ? chunkB : chunkA);
            double a = round % 2 == 0 ? first : second, b = round % 2 == 0 ? second : first;
            bestA = Math.Min(bestA, a);
            bestB = Math.Min(bestB, b);
            ratios.Add(a / b);
        }

        ratios.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} {rows} rows: {knob} {chunkA} best {bestA:F1} µs, {knob} {chunkB} best {bestB:F1} µs; median time ratio A/B {ratios[12]:F3} (q1 {ratios[6]:F3}, q3 {ratios[18]:F3})"));

        double Time(int chunk)
        {
            set(chunk);
            const int Calls = 100;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Calls; i++)
            {
                model.Predict(x, result);
            }

            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
        }
    }
}
