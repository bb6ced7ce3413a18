using BenchmarkDotNet.Running;
using LogitNet.Benchmarks;

// Runs the benchmarks chosen on the command line, e.g. `dotnet run -c Release -- --filter '*Gemm*'`.
// `-- --quick [case filter]` runs the Stopwatch GEMM harness instead (development only);
// `-- --train DATA_DIR THREADS [S M L]` the MLP training throughput (bench/peers/train_mlp.sh).
if (args.Length > 0 && args[0] == "--quick")
{
    GemmQuick.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--train")
{
    TrainingThroughput.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
