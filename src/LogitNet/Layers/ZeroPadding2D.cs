namespace LogitNet.Layers;

/// <summary>
/// Adds rows and columns of zeros around channels-last images, as Keras's <c>ZeroPadding2D</c>: input
/// <c>[height, width, channels]</c>, output <c>[top + height + bottom, left + width + right, channels]</c>.
/// </summary>
/// <remarks>Keras's default pads one row and column on every side. The backward pass crops the gradient.</remarks>
/// <example>
/// <code>
/// new ZeroPadding2D();                 // 1 on every side
/// new ZeroPadding2D((2, 3));           // 2 rows above and below, 3 columns left and right
/// new ZeroPadding2D(((1, 0), (1, 0))); // one row on top and one column on the left only
/// </code>
/// </example>
public sealed class ZeroPadding2D : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private int[] _outputShape = [];

    /// <summary>Pads <paramref name="padding"/> rows and columns on every side.</summary>
    /// <param name="padding">Non-negative (default 1).</param>
    /// <param name="name">The layer's name, or null for <c>zero_padding2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padding"/> is negative.</exception>
    public ZeroPadding2D(int padding = 1, string? name = null)
        : this(((padding, padding), (padding, padding)), name)
    {
    }

    /// <summary>Pads Height rows above and below and Width columns left and right, as Keras's <c>(h, w)</c>.</summary>
    /// <param name="padding">Non-negative (height, width).</param>
    /// <param name="name">The layer's name, or null for <c>zero_padding2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public ZeroPadding2D((int Height, int Width) padding, string? name = null)
        : this(((padding.Height, padding.Height), (padding.Width, padding.Width)), name)
    {
    }

    /// <summary>Pads each side on its own, as Keras's <c>((top, bottom), (left, right))</c>.</summary>
    /// <param name="padding">Non-negative ((top, bottom), (left, right)).</param>
    /// <param name="name">The layer's name, or null for <c>zero_padding2d</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public ZeroPadding2D(((int Top, int Bottom) Rows, (int Left, int Right) Columns) padding, string? name = null)
        : base(name)
    {
        if (padding.Rows.Top < 0 || padding.Rows.Bottom < 0 || padding.Columns.Left < 0 || padding.Columns.Right < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "Expected non-negative padding ((top, bottom), (left, right)).");
        }

        Top = padding.Rows.Top;
        Bottom = padding.Rows.Bottom;
        Left = padding.Columns.Left;
        Right = padding.Columns.Right;
    }

    /// <summary>Rows of zeros above the image.</summary>
    public int Top { get; }

    /// <summary>Rows of zeros below the image.</summary>
    public int Bottom { get; }

    /// <summary>Columns of zeros left of the image.</summary>
    public int Left { get; }

    /// <summary>Columns of zeros right of the image.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "zero_padding2d";

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        WindowArguments.RequireImage(Name, inputShape);
        long height = (long)inputShape[0] + Top + Bottom, width = (long)inputShape[1] + Left + Right;
        if (height * width * inputShape[2] > Array.MaxLength)
        {
            throw new ArgumentException($"Layer '{Name}': padded samples of {height} × {width} × {inputShape[2]} are too large for one array.", nameof(inputShape));
        }

        _outputShape = [(int)height, (int)width, inputShape[2]];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        ReadOnlySpan<float> x = input.AsSpan();
        Span<float> y = output.AsSpan();
        int height = InputShapeSpan[0], rowLength = InputShapeSpan[1] * InputShapeSpan[2], channels = InputShapeSpan[2];
        int outRow = _outputShape[1] * channels;
        // Each output value written once: the zeros from the end of the last copied row (right padding, bottom and
        // next sample's top rows, left padding) up to the next row's start, then the row itself.
        int written = 0;
        for (int n = 0; n < context.BatchSize; n++)
        {
            for (int r = 0; r < height; r++)
            {
                int start = (n * _outputShape[0] + Top + r) * outRow + Left * channels;
                y[written..start].Clear();
                x.Slice((n * height + r) * rowLength, rowLength).CopyTo(y.Slice(start, rowLength));
                written = start + rowLength;
            }
        }

        y[written..].Clear();
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        ReadOnlySpan<float> dy = outputGradient.AsSpan();
        Span<float> dx = inputGradient.AsSpan();
        int height = InputShapeSpan[0], rowLength = InputShapeSpan[1] * InputShapeSpan[2], channels = InputShapeSpan[2];
        int outRow = _outputShape[1] * channels;
        for (int n = 0; n < context.BatchSize; n++)
        {
            for (int r = 0; r < height; r++)
            {
                dy.Slice((n * _outputShape[0] + Top + r) * outRow + Left * channels, rowLength)
                    .CopyTo(dx.Slice((n * height + r) * rowLength, rowLength));
            }
        }

        return inputGradient;
    }
}
