using System.Diagnostics;
using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet.Benchmarks;

/// <summary>
/// Where the convnet's time goes: process CPU time of each kernel of its two convolutions and first pooling
/// (batch 128, one thread), the mean of 20 calls after 3 warm-up calls. <c>--convprof</c>; CPU time rather
/// than wall time because the shared machine's load swings wall time by several times.
/// </summary>
internal static class ConvProfile
{
    public static void Run()
    {
        Parallelism.MaxThreads = 1;
        int n = 128;
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalMilliseconds; }
        void Time(string label, Action action)
        {
            for (int i = 0; i < 3; i++) action();
            double t = Cpu();
            for (int i = 0; i < 20; i++) action();
            Console.WriteLine($"{label,-28} {(Cpu() - t) / 20,8:F2} ms cpu");
        }

        foreach (var (h, c, f) in new[] { (28, 1, 32), (13, 32, 64) })
        {
            Window2D g = Window2D.Create(h, h, c, 3, 3, 1, 1, 1, 1, false)!.Value;
            int rows = n * g.OutputPixels, patch = g.PatchLength;
            Tensor x = Tensor.RandomUniform([n, h, h, c], 0, 1, 1);
            Tensor col = Tensor.Zeros(rows, patch), dcol = Tensor.Zeros(rows, patch);
            Tensor w = Tensor.RandomUniform([patch, f], -0.1f, 0.1f, 2), bias = Tensor.Zeros(f);
            Tensor y = Tensor.Zeros(rows, f), dy = Tensor.RandomUniform([rows, f], -1, 1, 3), dw = Tensor.Zeros(patch, f), dz = Tensor.Zeros(rows, f), dx = Tensor.Zeros(x.Shape);
            float[] db = new float[f];
            Console.WriteLine($"conv {h}x{h}x{c} -> {f}: rows {rows}, patch {patch}");
            Time("im2col", () => Convolution2D.Im2ColRows(g, x.AsSpan(), 0, rows, col.AsSpan()));
            Time("forward gemm", () => Convolution2D.Forward(rows, patch, f, col.AsSpan(), w.AsSpan(), bias.AsSpan(), true, y.AsSpan()));
            Time("relu backward (old)", () => ActivationFunction.Backward(Activation.Relu, y.AsSpan(), y.AsSpan(), dy.AsSpan(), dz.AsSpan(), f));
            Time("relu backward + db", () => BiasGradient.ReluBackward(y.AsSpan(), dy.AsSpan(), dz.AsSpan(), rows, f, db));
            Time("dW gemm", () => Gemm.Multiply(true, false, patch, f, rows, col.AsSpan(), patch, dy.AsSpan(), f, dw.AsSpan(), f, GemmEpilogue.None));
            Time("db sums", () => BiasGradient.ColumnSums(dy.AsSpan(), rows, f, db));
            Time("dcol gemm", () => Convolution2D.BackwardPatches(rows, patch, f, dy.AsSpan(), w.AsSpan(), dcol.AsSpan()));
            Time("col2im", () => Convolution2D.Col2Im(g, dcol.AsSpan(), n, dx.AsSpan()));
        }

        Window2D p = Window2D.Create(26, 26, 32, 2, 2, 2, 2, 1, 1, false)!.Value;
        Tensor px = Tensor.RandomUniform([n, 26, 26, 32], 0, 1, 1), py = Tensor.Zeros(n, 13, 13, 32), pdx = Tensor.Zeros(px.Shape);
        Time("maxpool fwd", () => Pooling2D.MaxForward(p, px.AsSpan(), n, py.AsSpan()));
        Time("maxpool bwd", () => Pooling2D.MaxBackward(p, px.AsSpan(), py.AsSpan(), py.AsSpan(), n, pdx.AsSpan()));
    }
}
