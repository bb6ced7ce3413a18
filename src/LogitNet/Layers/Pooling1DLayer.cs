using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of <see cref="MaxPooling1D"/> and <see cref="AveragePooling1D"/>: a window sliding along channels-last
/// sequences. Input <c>[steps, channels]</c>, output <c>[outSteps, channels]</c>.
/// </summary>
public abstract class Pooling1DLayer : PoolingLayer
{
    private protected Pooling1DLayer(string? name, Reduce reduce, int poolSize, int? strides, Padding padding)
        : base(name, reduce)
    {
        SequenceWindow.RequirePositive(poolSize, nameof(poolSize));
        SequenceWindow.RequirePositive(strides ?? poolSize, nameof(strides));
        WindowArguments.RequireDefined(padding);
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        Padding = padding;
    }

    /// <summary>The window's length in steps.</summary>
    public int PoolSize { get; }

    /// <summary>The step between windows.</summary>
    public int Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    private protected override (Window2D Window, int[] OutputShape) Geometry(int[] inputShape)
    {
        Window2D g = SequenceWindow.Geometry(Name, inputShape, PoolSize, Strides, 1, Padding, "pool size");
        return (g, [g.OutputWidth, g.Channels]);
    }
}
