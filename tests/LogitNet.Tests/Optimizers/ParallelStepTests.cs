using LogitNet.Kernels;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Optimizers;

/// <summary>
/// A large optimizer step is cut into pieces shared between threads; every update is elementwise,
/// so neither the cut nor the thread count may change a bit. The parameters are large enough for
/// the cut (2^16 elements and more: here 10 pieces) and uneven, so pieces end inside a parameter
/// and away from a vector boundary.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class ParallelStepTests
{
    public static TheoryData<string> Optimizers() => ["adam", "adamw", "sgd", "sgd-momentum", "nesterov", "rmsprop", "rmsprop-centered-momentum"];

    public static TheoryData<string, int> OptimizersAndThreads()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in Optimizers())
        {
            foreach (int threads in new[] { 2, 3, 4, 8 })
            {
                data.Add(name, threads);
            }
        }

        return data;
    }

    private static Optimizer Create(string name) => name switch
    {
        "adam" => new Adam(0.01f),
        "adamw" => new AdamW(0.01f, weightDecay: 0.1f),
        "sgd" => new SGD(0.1f),
        "sgd-momentum" => new SGD(0.1f, momentum: 0.9f),
        "nesterov" => new SGD(0.1f, momentum: 0.9f, nesterov: true),
        "rmsprop" => new RMSprop(0.01f),
        "rmsprop-centered-momentum" => new RMSprop(0.01f, momentum: 0.5f, centered: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(OptimizersAndThreads))]
    public void AnyThreadCount_GivesTheOneThreadBits(string name, int threads)
    {
        int[] sizes = [40_001, 7, 50_003, 1, 13_337, 250_013];
        Parameter[] one = MakeParameters(sizes, frozen: 3);
        Parameter[] two = MakeParameters(sizes, frozen: 3);
        Optimizer onThread = Create(name), onTwo = Create(name);
        int saved = Parallelism.MaxThreads;
        try
        {
            for (int step = 0; step < 4; step++)
            {
                SetGradients(one, step);
                SetGradients(two, step);
                Parallelism.MaxThreads = 1;
                onThread.Apply(one);
                Parallelism.MaxThreads = threads;
                onTwo.Apply(two);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        for (int p = 0; p < one.Length; p++)
        {
            Assert.True(one[p].Value.AsSpan().SequenceEqual(two[p].Value.AsSpan()),
                $"{name}: parameter {p} ({sizes[p]} values) differs between one and {threads} threads");
        }

        Assert.True(one[0].Value.AsSpan()[0] != 1f, "the step changed nothing, so the comparison proves nothing");
        Assert.Equal(1f, one[3].Value.AsSpan()[0]); // frozen: untouched on both paths
    }

    [Fact]
    public void TwoThreadStep_WhenWarm_AllocatesNothingOnTheCallingThread()
    {
        Parameter[] parameters = MakeParameters([70_001, 33], frozen: -1);
        var adam = new Adam(0.01f);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            SetGradients(parameters, 0);
            adam.Apply(parameters);
            Assert.Equal(0, SteadyState.AllocatedBytes(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    adam.Apply(parameters);
                }
            }));
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static Parameter[] MakeParameters(int[] sizes, int frozen)
    {
        var parameters = new Parameter[sizes.Length];
        for (int p = 0; p < sizes.Length; p++)
        {
            parameters[p] = new Parameter($"p{p}", Tensor.FromArray(Enumerable.Repeat(1f, sizes[p]).ToArray(), sizes[p]))
            {
                Trainable = p != frozen,
            };
        }

        return parameters;
    }

    private static void SetGradients(Parameter[] parameters, int step)
    {
        for (int p = 0; p < parameters.Length; p++)
        {
            Span<float> gradient = parameters[p].Gradient.AsSpan();
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] = MathF.Sin(i * 0.37f + p + step * 1.3f) * (1 + (i % 5));
            }
        }
    }
}
