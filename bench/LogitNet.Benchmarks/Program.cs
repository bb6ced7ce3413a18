using BenchmarkDotNet.Running;
using LogitNet.Benchmarks;

// Runs the benchmarks chosen on the command line, e.g. `dotnet run -c Release -- --filter '*Gemm*'`.
// Six Stopwatch harnesses serve the side-by-side peer scripts instead:
//   `-- --quick [case filter]`                  the GEMM against OpenBLAS, trials interleaved;
//   `-- --quick-losses THREADS [case ...]`      the fused losses (bench/peers/torch_losses.py);
//   `-- --log-kernels [TRIALS]`                 the kernels that take a double logarithm, thread CPU time (bench/results/vlog.md);
//   `-- --train DATA_DIR THREADS [S M L]`       the MLP training throughput (bench/peers/train_mlp.sh);
//   `-- --cold-train OPTIMIZER`                the M model's first 1,500 steps in a fresh process (bench/results/training.md);
//   `-- --write-mnist DATA_DIR`                 the embedded MNIST digits as that benchmark's data files (DATA=mnist);
//   `-- --convnet THREADS EPOCHS [SEED]`       Keras's MNIST convnet (bench/peers/train_convnet.sh);
//   `-- --convprof`                             CPU time of each of the convnet's kernels;
//   `-- --textcnn THREADS EPOCHS [SEED]`       the corpus's Embedding/Conv1D text model (bench/peers/train_textcnn.sh);
//   `-- --depthwise [THREADS]`                  DepthwiseConv2D on one thread (bench/peers/depthwise.py) or THREADS;
//   `-- --dwblock THREADS`                      a MobileNet-like depthwise block, layer and model, on THREADS threads;
//   `-- --load-files DIR`, `-- --load-cold KIND DIR`  one load in a fresh process (bench/peers/loaders_cold.sh);
//   `-- --inference-setup DIR`, `-- --inference ENGINE DIR MODEL`  inference beside ONNX Runtime (bench/peers/inference_ort.sh);
//   `-- --predict-cpu DIR MODEL ROWS`          one thread's CPU time per Predict (finding where a row chunk's time goes).
//   `-- --predict-ab DIR MODEL ROWS A B`       Predict with row chunks of A and of B rows alternating in one process;
//   `-- --direct-ab DIR MODEL ROWS A B`        the same with convolutions of patches up to A and up to B computed directly;
//   `-- --handoff`                              how long a cache line takes between the two cores (the host's phase).
if (args.Length > 0 && args[0] == "--quick")
{
    GemmQuick.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--log-kernels")
{
    LogKernelsQuick.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--quick-losses")
{
    LossBenchmarks.RunQuick(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..]);
    return;
}

if (args.Length > 0 && args[0] == "--write-mnist")
{
    if (args.Length != 2)
    {
        Console.Error.WriteLine("usage: --write-mnist DATA_DIR (the folder to write x.f32 and y.f32 into)");
        Environment.Exit(2);
    }

    TrainingThroughput.WriteMnist(args[1]);
    return;
}

if (args.Length > 0 && args[0] == "--cold-train")
{
    TrainingColdStart.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--train")
{
    TrainingThroughput.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--convprof")
{
    ConvProfile.Run();
    return;
}

if (args.Length > 0 && args[0] == "--depthwise")
{
    DepthwiseSideBySide.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
    return;
}

if (args.Length > 0 && args[0] == "--dwblock")
{
    DepthwiseBlock.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--convnet")
{
    ConvnetTraining.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--textcnn")
{
    TextCnnTraining.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] is "--load-files" or "--load-cold")
{
    LoaderColdStart.Run(args);
    return;
}

if (args.Length > 0 && args[0] == "--inference-setup")
{
    InferenceSideBySide.Setup(args[1]);
    return;
}

if (args.Length > 0 && args[0] == "--direct-ab")
{
    PredictAb.RunDirect(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--predict-ab")
{
    PredictAb.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--handoff")
{
    HandoffProbe.Run();
    return;
}

if (args.Length > 0 && args[0] == "--predict-cpu")
{
    PredictCpu.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "--inference")
{
    InferenceSideBySide.Run(args[1], args[2], args[3]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
