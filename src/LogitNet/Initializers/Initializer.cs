namespace LogitNet.Initializers;

/// <summary>
/// How a layer's weights start, as Keras's <c>keras.initializers.Initializer</c>: a function of the
/// weight's shape and a seed. Give one to a layer's <c>kernelInitializer:</c> or <c>biasInitializer:</c>.
/// </summary>
/// <remarks>
/// <para>
/// The same shape and seed give the same values on every run, runtime and instruction set: the draws come
/// from LogitNet's own seeded generator (xoshiro256**), computed in double and rounded once to float32.
/// A layer passes its <see cref="Layers.Layer.Seed"/> for the kernel and a seed derived from it for the bias,
/// so a model's seed fixes all its starting weights.
/// </para>
/// <para>
/// The fans follow Keras's <c>compute_fans</c>: a vector <c>[n]</c> has fanIn = fanOut = n; a matrix
/// <c>[in, out]</c> has fanIn = in, fanOut = out; a convolution kernel <c>[..., in, out]</c> multiplies both
/// by its receptive field (the product of the leading axes), so a Conv2D kernel <c>[kh, kw, cin, filters]</c>
/// has fanIn = kh·kw·cin and fanOut = kh·kw·filters.
/// </para>
/// <para>
/// Subclass it for an initializer of your own (override <see cref="Fill"/>); such a layer trains and
/// predicts, but <c>Save</c> refuses it (the initializer is code).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using LogitNet.Initializers;
/// var hidden = new Dense(64, Activation.Relu, kernelInitializer: new HeNormal());
/// Tensor w = new GlorotUniform().Create([784, 64], seed: 1);
/// </code>
/// </example>
public abstract class Initializer
{
    /// <summary>Creates a new tensor of <paramref name="shape"/> filled by this initializer.</summary>
    /// <param name="shape">The weight's shape: 0 to 4 positive sizes.</param>
    /// <param name="seed">The seed; the same seed gives the same values.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape has more than 4 axes or a size that is not positive.</exception>
    public Tensor Create(int[] shape, long seed)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length > Tensor.MaxRank || shape.Any(d => d <= 0))
        {
            throw new ArgumentException(
                $"Expected a weight shape of at most {Tensor.MaxRank} positive sizes; received {ShapeText.Format(shape)}.", nameof(shape));
        }

        Tensor result = Tensor.Zeros(shape);
        Fill(result.AsSpan(), shape, seed);
        return result;
    }

    /// <summary>Keras's fans of a weight shape (see the remarks): the inputs and outputs each value connects.</summary>
    /// <param name="shape">The weight's shape.</param>
    /// <returns>(fanIn, fanOut); (1, 1) for a scalar.</returns>
    /// <example><c>Initializer.ComputeFans([3, 3, 16, 32])</c> is (144, 288).</example>
    public static (long FanIn, long FanOut) ComputeFans(ReadOnlySpan<int> shape)
    {
        switch (shape.Length)
        {
            case 0:
                return (1, 1);
            case 1:
                return (shape[0], shape[0]);
            default:
                long receptiveField = 1;
                foreach (int size in shape[..^2])
                {
                    receptiveField *= size;
                }

                return (shape[^2] * receptiveField, shape[^1] * receptiveField);
        }
    }

    /// <summary>Fills a layer's freshly created weight in place.</summary>
    internal void FillInto(Tensor target, long seed) => Fill(target.AsSpan(), target.ShapeSpan, seed);

    /// <summary>Writes the starting values of a weight of <paramref name="shape"/> into <paramref name="values"/>.</summary>
    /// <param name="values">The weight's values, row-major, as many as the shape holds.</param>
    /// <param name="shape">The weight's shape, for the fans.</param>
    /// <param name="seed">The seed.</param>
    protected abstract void Fill(Span<float> values, ReadOnlySpan<int> shape, long seed);
}
