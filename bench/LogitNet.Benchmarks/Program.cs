using BenchmarkDotNet.Running;
using LogitNet.Benchmarks;

// Runs the benchmarks chosen on the command line, e.g. `dotnet run -c Release -- --filter '*Gemm*'`.
// `-- --quick [case filter]` runs the Stopwatch GEMM harness instead (development only).
if (args.Length > 0 && args[0] == "--quick")
{
    GemmQuick.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
