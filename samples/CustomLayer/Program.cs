// A layer of one's own: subclass Layer, write the forward and backward passes, check the backward
// pass against finite differences with GradientCheck.Run, then train with it.
// Run with: dotnet run --project samples/CustomLayer
using LogitNet;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

// 1. The gradient check: analytic gradients against central differences, for the input and each parameter.
var check = GradientCheck.Run(new FeatureAffine(), Tensor.RandomNormal([8, 5], 0f, 1f, seed: 1));
Console.WriteLine($"gradient check: {check}");
Console.WriteLine(check.MaxError < 1e-2 ? "backward pass agrees with finite differences" : "backward pass is WRONG");

// 2. The layer in a model: a learned per-pixel affine map in front of the digits classifier.
var (train, test) = Datasets.Digits(normalize: true).Split(testFraction: 0.2, seed: 0);
var model = new Sequential(
    new FeatureAffine(),
    new Dense(25, Activation.Relu),
    new Dense(15, Activation.Relu),
    new Dense(10, Activation.Linear));
model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f), [new SparseCategoricalAccuracy()]);
model.Fit(train.Features, train.Labels, epochs: 40, batchSize: 32, verbose: 0);
model.Summary();
Console.WriteLine($"test accuracy with the custom layer: {model.Evaluate(test.Features, test.Labels)["sparse_categorical_accuracy"]:P1}");
return check.MaxError < 1e-2 ? 0 : 1;

/// <summary>y = x · scale + shift, with a learned scale and shift per feature.</summary>
internal sealed class FeatureAffine : Layer
{
    private Parameter _scale = null!;
    private Parameter _shift = null!;

    public FeatureAffine(string? name = null)
        : base(name)
    {
    }

    protected override int[] BuildCore(int[] inputShape)
    {
        _scale = AddParameter("scale", Tensor.Ones(inputShape));
        _shift = AddParameter("shift", Tensor.Zeros(inputShape));
        return inputShape;
    }

    // A layer writes no field of its own in a pass: the context keeps the input for the backward pass,
    // so one model can predict on many threads at once.
    protected override Tensor ForwardCore(Tensor input, LayerContext context) =>
        Ops.Add(Ops.Multiply(input, _scale.Value), _shift.Value);

    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        // dL/dscale = Σ_batch g·x, dL/dshift = Σ_batch g, dL/dx = g·scale.
        Ops.Sum(Ops.Multiply(outputGradient, context.Input), axis: 0).AsSpan().CopyTo(_scale.Gradient.AsSpan());
        Ops.Sum(outputGradient, axis: 0).AsSpan().CopyTo(_shift.Gradient.AsSpan());
        return Ops.Multiply(outputGradient, _scale.Value);
    }
}
