using BenchmarkDotNet.Running;
using LogitNet.Benchmarks;

// Runs the benchmarks chosen on the command line, e.g. `dotnet run -c Release -- --filter '*Gemm*'`.
if (args.Length > 0 && args[0] == "--quick-losses")
{
    // The loss side-by-side harness (bench/peers/torch_losses.py): --quick-losses <threads> [case ...].
    LossBenchmarks.RunQuick(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
