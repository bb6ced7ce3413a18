using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// Small models that together hold every layer type the library has, each with data to train and predict on:
/// the cases of <see cref="EveryLayerSharedModelTests"/> and <see cref="EveryLayerThreadCountTests"/>.
/// </summary>
internal static class EveryLayerModels
{
    public static TheoryData<string> Names() => ["image", "image-global", "sequence", "embedding", "dense-reshape", "wide", "custom"];

    /// <summary>A fresh, untrained model and its data (inputs, sparse or binary targets, sample weights).</summary>
    public static (Sequential Model, Tensor X, Tensor Y, Tensor Weights) Create(string name, int samples, Optimizer? optimizer = null)
    {
        var random = new Random(name.Length * 31 + samples);
        Sequential model;
        Tensor x;
        Tensor y;
        switch (name)
        {
            case "image":
                // Rescaling, padding, a convolution with a non-fused activation, BN, depthwise with a multiplier, both 2-D
                // poolings, spatial dropout, a 1x1 convolution, Flatten, Dropout, Dense.
                model = new Sequential(
                    new Input(12, 12, 3),
                    new Rescaling(0.5f, 0.1f),
                    new ZeroPadding2D(1),
                    new Conv2D(8, 3, activation: Activation.Tanh),
                    new BatchNormalization(momentum: 0.9f),
                    new DepthwiseConv2D(3, padding: Padding.Same, depthMultiplier: 2, activation: Activation.Relu),
                    new MaxPooling2D(2),
                    new AveragePooling2D(2, strides: 1),
                    new SpatialDropout2D(0.25f),
                    new Conv2D(6, 1, activation: Activation.Relu),
                    new Flatten(),
                    new Dropout(0.3f),
                    new Dense(5));
                x = Uniform(random, samples, 12, 12, 3);
                y = Classes(samples, 5);
                break;
            case "image-global":
                model = new Sequential(
                    new Input(8, 8, 2),
                    new Conv2D(6, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu),
                    new DepthwiseConv2D(2, activation: Activation.Sigmoid),
                    new GlobalMaxPooling2D(keepDims: true),
                    new Reshape(6),
                    new ReLU(maxValue: 6f),
                    new Dense(4, Activation.Softmax));
                x = Uniform(random, samples, 8, 8, 2);
                y = Classes(samples, 4);
                break;
            case "sequence":
                model = new Sequential(
                    new Input(160, 4),
                    new Normalization(),
                    new Conv1D(8, 3, padding: Padding.Same, activation: Activation.Relu),
                    new MaxPooling1D(2),
                    new AveragePooling1D(2, strides: 1),
                    new SpatialDropout1D(0.2f),
                    new Conv1D(6, 2, activation: Activation.Tanh),
                    new GlobalAveragePooling1D(),
                    new Dense(7),
                    new LeakyReLU(0.1f),
                    new Dense(3));
                x = Uniform(random, samples, 160, 4);
                y = Classes(samples, 3);
                break;
            case "embedding":
                model = new Sequential(
                    new Input(12),
                    new Embedding(50, 8),
                    new Conv1D(5, 3, activation: Activation.Relu),
                    new GlobalMaxPooling1D(),
                    new BatchNormalization(),
                    new Dense(1));
                x = Tensor.FromArray(Enumerable.Range(0, samples * 12).Select(_ => (float)random.Next(50)).ToArray(), samples, 12);
                y = Tensor.FromArray(Enumerable.Range(0, samples).Select(i => (float)(i % 2)).ToArray(), samples, 1);
                break;
            case "dense-reshape":
                model = new Sequential(
                    new Input(24),
                    new Dense(24, Activation.Relu),
                    new Reshape(4, 6),
                    new Softmax(),
                    new GlobalAveragePooling1D(keepDims: true),
                    new Flatten(),
                    new ActivationLayer(Activation.Tanh),
                    new Dense(4));
                x = Uniform(random, samples, 24);
                y = Classes(samples, 4);
                break;
            case "wide":
                // A kernel of 120,000 values: the optimizer's step is cut into pieces across threads.
                model = new Sequential(
                    new Input(300),
                    new Dense(400, Activation.Relu),
                    new BatchNormalization(),
                    new Dense(10));
                x = Uniform(random, samples, 300);
                y = Classes(samples, 10);
                break;
            case "custom":
                // Layers written against the public base as its docs show: one computing with Ops (new tensors), one
                // writing into its context's buffers.
                model = new Sequential(
                    new Input(10),
                    new Scale(),
                    new Dense(12, Activation.Relu),
                    new Square(),
                    new Dense(3));
                x = Uniform(random, samples, 10);
                y = Classes(samples, 3);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }

        model.Seed = 7;
        model.Log = TextWriter.Null;
        if (model.Layers.OfType<Normalization>().FirstOrDefault() is { } normalization)
        {
            normalization.Adapt(x);
        }

        optimizer ??= new Adam(0.01f);
        if (name == "embedding")
        {
            model.Compile(new BinaryCrossentropy(fromLogits: true), optimizer, [LogitNet.Metrics.Metrics.BinaryAccuracy], [LogitNet.Metrics.Metrics.BinaryAccuracy]);
        }
        else if (name == "image-global")
        {
            model.Compile(new SparseCategoricalCrossentropy(), optimizer, [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy], [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy]);
        }
        else
        {
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), optimizer, [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy], [LogitNet.Metrics.Metrics.SparseCategoricalAccuracy]);
        }

        Tensor weights = Tensor.FromArray(Enumerable.Range(0, samples).Select(i => 0.25f + (i % 7) / 4f).ToArray(), samples);
        return (model, x, y, weights);
    }

    private static Tensor Uniform(Random random, int samples, params int[] sampleShape)
    {
        int length = samples * sampleShape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(), [samples, .. sampleShape]);
    }

    private static Tensor Classes(int samples, int classes) =>
        Tensor.FromArray(Enumerable.Range(0, samples).Select(i => (float)((i * 7 + i / 3) % classes)).ToArray(), samples);

    /// <summary>The <see cref="Layer"/> docs' example: a learned factor per feature, computed with <see cref="Ops"/>.</summary>
    private sealed class Scale : Layer
    {
        private Parameter _factor = null!;

        public Scale()
            : base(null)
        {
        }

        protected override int[] BuildCore(int[] inputShape)
        {
            _factor = AddParameter("factor", Tensor.FromArray(Enumerable.Range(0, inputShape[0]).Select(i => 0.5f + i / 10f).ToArray(), inputShape));
            return inputShape;
        }

        protected override Tensor ForwardCore(Tensor input, LayerContext context) =>
            Ops.Multiply(input, _factor.Value);

        protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
        {
            Ops.Sum(Ops.Multiply(outputGradient, context.Input), axis: 0).AsSpan().CopyTo(_factor.Gradient.AsSpan());
            return Ops.Multiply(outputGradient, _factor.Value);
        }
    }

    /// <summary>x², written into the context's buffers (<see cref="LayerContext.Buffer"/>), as the built-in layers do.</summary>
    private sealed class Square : Layer
    {
        public Square()
            : base(null)
        {
        }

        protected override Tensor ForwardCore(Tensor input, LayerContext context)
        {
            Tensor output = context.Buffer(0, input.ShapeSpan[1..]);
            System.Numerics.Tensors.TensorPrimitives.Multiply(input.AsSpan(), input.AsSpan(), output.AsSpan());
            return output;
        }

        protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
        {
            Tensor inputGradient = context.Buffer(1, outputGradient.ShapeSpan[1..]);
            System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.AsSpan(), context.Input.AsSpan(), inputGradient.AsSpan());
            System.Numerics.Tensors.TensorPrimitives.Multiply(inputGradient.AsSpan(), 2f, inputGradient.AsSpan());
            return inputGradient;
        }
    }
}
