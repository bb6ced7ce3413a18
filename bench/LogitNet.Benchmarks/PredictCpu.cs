using System.Globalization;

namespace LogitNet.Benchmarks;

/// <summary>
/// <c>-- --predict-cpu DIR MODEL ROWS [REPEATS]</c>: the thread-CPU time of one <c>Predict</c> of ROWS rows on
/// one thread (<see cref="Parallelism.MaxThreads"/> = 1), best of ten rounds, on a model written by
/// <c>--inference-setup DIR</c>. For finding where a row chunk's time goes on a shared machine, where
/// wall-clock times of two threads mean little; it is not a comparison with a peer.
/// </summary>
public static class PredictCpu
{
    public static void Run(string[] args)
    {
        string directory = args[0], name = args[1];
        int rows = int.Parse(args[2], CultureInfo.InvariantCulture);
        int repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
        Parallelism.MaxThreads = 1;
        if (Environment.GetEnvironmentVariable("GEMM_MC") is { } mc)
        {
            Kernels.Gemm.McMax = int.Parse(mc, CultureInfo.InvariantCulture);
        }

        if (Environment.GetEnvironmentVariable("GEMM_ROWS_TILES") is { } tiles)
        {
            Kernels.Gemm.RowsInPlaceMaxTiles = int.Parse(tiles, CultureInfo.InvariantCulture);
        }

        Sequential model = Sequential.Load(Path.Combine(directory, name + ".logitnet"));
        Tensor x = InferenceSideBySide.Input(directory, name, rows, model.Layers[0].InputShape);
        for (int i = 0; i < 50; i++)
        {
            model.Predict(x);
        }

        double best = double.MaxValue;
        for (int round = 0; round < 10; round++)
        {
            double start = GemmQuick.ThreadCpuSeconds();
            for (int i = 0; i < repeats; i++)
            {
                model.Predict(x);
            }

            best = Math.Min(best, (GemmQuick.ThreadCpuSeconds() - start) / repeats);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {rows} rows, one thread: {best * 1e6:F1} µs CPU per Predict"));
    }
}
