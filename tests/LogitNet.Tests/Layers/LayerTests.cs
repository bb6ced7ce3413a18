using LogitNet.Layers;

namespace LogitNet.Tests.Layers;

public class LayerTests
{
    private sealed class DoublingLayer(bool wrongBackward) : Layer(null)
    {
        protected override Tensor ForwardCore(Tensor input, LayerContext context) => Ops.Scale(input, 2f);

        protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context) => Ops.Scale(outputGradient, wrongBackward ? 3f : 2f);
    }

    [Fact]
    public void CustomLayer_WithRightBackward_PassesTheGradientCheck()
    {
        GradientCheckResult result = GradientCheck.Run(new DoublingLayer(false), Tensor.RandomNormal([3, 4], 0f, 1f, seed: 1));
        Assert.True(result.MaxError < 1e-3, result.ToString());
    }

    [Fact]
    public void CustomLayer_WithWrongBackward_FailsTheGradientCheck()
    {
        GradientCheckResult result = GradientCheck.Run(new DoublingLayer(true), Tensor.RandomNormal([3, 4], 0f, 1f, seed: 1));
        Assert.True(result.MaxError > 0.3, result.ToString());
    }

    [Fact]
    public void DefaultName_IsTheSnakeCaseTypeName()
    {
        Assert.Equal("doubling_layer", new DoublingLayer(false).Name);
        Assert.Equal("dense", new Dense(1).Name);
        Assert.Equal("my_output", new Dense(1, name: "my_output").Name);
        Assert.Equal("activation", new ActivationLayer(Activation.Relu).Name);
    }

    [Fact]
    public void Build_Twice_WithAnotherShape_Throws()
    {
        var dense = new Dense(2);
        dense.Build(3);
        dense.Build(3);
        Assert.Throws<InvalidOperationException>(() => dense.Build(4));
        Assert.Throws<ArgumentException>(() => new Dense(2).Build(0));
        Assert.Throws<ArgumentException>(() => new Dense(2).Build(1, 2, 3, 4));
    }

    [Fact]
    public void Input_BuildsImmediately_AndPassesDataThrough()
    {
        var input = new Input(28, 28);
        Assert.True(input.IsBuilt);
        Assert.Equal([28, 28], input.OutputShape);
        Tensor x = Tensor.Zeros(2, 28, 28);
        Assert.Same(x, input.Forward(x));
        Assert.Throws<ArgumentException>(() => new Input());
        Assert.Throws<ArgumentException>(() => new Input(0));
    }

    [Fact]
    public void Dropout_InTraining_DropsTheRateAndScalesTheRest()
    {
        var dropout = new Dropout(0.25f) { Seed = 3 };
        Tensor x = Tensor.Ones(100, 100);
        float[] y = dropout.Forward(x, training: true).ToArray();
        int dropped = y.Count(v => v == 0);
        Assert.InRange(dropped, 2500 - 200, 2500 + 200);                 // 4.6 standard deviations
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1f / 0.75f, v));
        float[] gradient = dropout.Backward(Tensor.Ones(100, 100)).ToArray();
        Assert.Equal(y, gradient);
    }

    [Fact]
    public void Dropout_AtInference_IsTheIdentity()
    {
        var dropout = new Dropout(0.5f);
        Tensor x = Tensor.RandomNormal([4, 4], 0f, 1f, seed: 1);
        Assert.Same(x, dropout.Forward(x, training: false));
    }

    [Fact]
    public void Dropout_SameSeed_SameMasks()
    {
        float[] Mask(long seed)
        {
            var dropout = new Dropout(0.5f) { Seed = seed };
            return dropout.Forward(Tensor.Ones(10, 10), training: true).ToArray();
        }

        Assert.Equal(Mask(1), Mask(1));
        Assert.NotEqual(Mask(1), Mask(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1f));
    }

    [Fact]
    public void Outputs_AreReusedBuffers_PerBatchSize()
    {
        var dense = new Dense(2);
        Tensor first = dense.Forward(Tensor.Ones(4, 3));
        Tensor second = dense.Forward(Tensor.Ones(4, 3));
        Tensor small = dense.Forward(Tensor.Ones(1, 3));
        Assert.Same(first, second);
        Assert.Equal([1, 2], small.Shape);
        Assert.Same(first, dense.Forward(Tensor.Ones(4, 3)));
    }

    [Fact]
    public void SharedLayer_BuiltByTwoModelsAtOnce_IsBuiltOnce()
    {
        // A layer may sit in two models (a new head on a trained base), and two threads may build them at once: each
        // model holds only its own build lock, so the layer must hold one too, or both threads run its BuildCore and
        // it ends with its weights twice (and, on Arm, a thread may see the shapes before the weights they describe).
        for (int round = 0; round < 200; round++)
        {
            var shared = new Dense(4);
            using var start = new Barrier(2);
            var models = new Sequential[2];
            var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
            {
                var model = new Sequential([new Input(3), shared, new Dense(2)]) { Seed = t + 1 };
                start.SignalAndWait();
                model.Build();
                models[t] = model;
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            Assert.Equal([shared.Kernel, shared.Bias!], shared.Parameters);

            // Its seed is the one its weights were drawn with (the builder's), not the other model's set afterwards.
            var alone = new Dense(4) { Seed = shared.Seed };
            alone.Build(3);
            Assert.Equal(alone.Kernel.Value.ToArray(), shared.Kernel.Value.ToArray());
            foreach (var model in models)
            {
                Assert.Equal(4, model.Parameters.Count);
                Assert.Same(shared.Kernel, model.Parameters[0]);
            }
        }
    }
}
