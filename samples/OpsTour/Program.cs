// A tour of LogitNet's Ops: why the softmax family must subtract the maximum and keep its
// digits, shown with numbers, and a matrix product on our own GEMM.
using System.Globalization;
using LogitNet;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine("LogitNet Ops tour");
Console.WriteLine();

// 1. Large logits: the textbook softmax exp(z) / sum exp(z) overflows.
float[] logits = [1000f, 999f, 0f];
float[] platform = new float[3];
System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, platform);
Tensor stable = Ops.Softmax(Tensor.FromArray(logits, 3));
Console.WriteLine("Softmax of [1000, 999, 0]");
Console.WriteLine($"  TensorPrimitives.SoftMax (no max subtracted): [{Format(platform)}]");
Console.WriteLine($"  Ops.Softmax:                                  [{Format(stable.ToArray())}]");
Console.WriteLine();

// 2. A confident prediction: the probability of the winner rounds to 1 in float32, so
//    log(softmax) loses the loss entirely, while LogSoftmax keeps it.
float[] confident = [30f, 0f, 0f];
Tensor probabilities = Ops.Softmax(Tensor.FromArray(confident, 3));
Tensor logProbabilities = Ops.LogSoftmax(Tensor.FromArray(confident, 3));
Console.WriteLine("Logits [30, 0, 0], the loss of class 0 is -log p0 (exact: 1.871524593768e-13)");
Console.WriteLine($"  two steps, -log(Softmax(z)[0]) in float32: {0f - MathF.Log(probabilities[0]):R}");
Console.WriteLine($"  fused, -LogSoftmax(z)[0]:                  {-logProbabilities[0]:R}");
Console.WriteLine($"  LogSumExp(z):                              {Ops.LogSumExp(Tensor.FromArray(confident, 1, 3))[0]:R}");
Console.WriteLine();

// 3. Sigmoid and softplus far out in the tails.
Tensor tails = Tensor.FromArray([-100f, -20f, 0f, 20f, 100f], 5);
Console.WriteLine("z                 = [-100, -20, 0, 20, 100]");
Console.WriteLine($"Sigmoid(z)        = [{Format(Ops.Sigmoid(tails).ToArray())}]");
Console.WriteLine($"Softplus(z)       = [{Format(Ops.Softplus(tails).ToArray())}]");
Console.WriteLine($"log(1+exp(z)) f32 = [{Format(tails.ToArray().Select(z => MathF.Log(1 + MathF.Exp(z))).ToArray())}]");
Console.WriteLine();

// 4. A matrix product: a batch of 2 rows through a 3 -> 2 linear map.
Tensor x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
Tensor w = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], 3, 2);
Console.WriteLine($"MatMul([[1,2,3],[4,5,6]], [[1,0],[0,1],[1,1]]) = [{Format(Ops.MatMul(x, w).ToArray())}]");

static string Format(float[] values) => string.Join(", ", values.Select(v => v.ToString("G9")));
