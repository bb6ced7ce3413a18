using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// The base of <see cref="MaxPooling2D"/> and <see cref="AveragePooling2D"/>: a window sliding over channels-last
/// images. Input <c>[height, width, channels]</c>, output <c>[outHeight, outWidth, channels]</c>.
/// </summary>
public abstract class Pooling2DLayer : PoolingLayer
{
    private protected Pooling2DLayer(string? name, Reduce reduce, (int Height, int Width) poolSize, (int Height, int Width)? strides, Padding padding)
        : base(name, reduce)
    {
        WindowArguments.RequirePositive(poolSize, nameof(poolSize));
        WindowArguments.RequirePositive(strides ?? poolSize, nameof(strides));
        WindowArguments.RequireDefined(padding);
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        Padding = padding;
    }

    /// <summary>The window's (height, width).</summary>
    public (int Height, int Width) PoolSize { get; }

    /// <summary>The step between windows (height, width).</summary>
    public (int Height, int Width) Strides { get; }

    /// <summary>The border rule.</summary>
    public Padding Padding { get; }

    private protected override (Window2D Window, int[] OutputShape) Geometry(int[] inputShape)
    {
        Window2D g = WindowArguments.Geometry(Name, inputShape, PoolSize, Strides, (1, 1), Padding, "pool size");
        return (g, [g.OutputHeight, g.OutputWidth, g.Channels]);
    }
}
