using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>
/// Turns integer ids (word or category indices) into learned vectors, as Keras's <c>Embedding</c>: input
/// <c>[sequenceLength]</c> of ids, output <c>[sequenceLength, outputDim]</c>, where output step t is row
/// <c>x[t]</c> of the embeddings matrix.
/// </summary>
/// <remarks>
/// <para>
/// Ids are stored as floats, as class labels are, and must be whole numbers from 0 to
/// <see cref="InputDim"/> − 1 (floats hold every integer up to 2^24 exactly); anything else — a fraction, a
/// negative or too large id, NaN — is refused with an <see cref="ArgumentException"/> naming the sample (row)
/// and the position, where Keras would silently truncate or clamp. A sample may also be a matrix of ids,
/// <c>[a, b]</c>, giving <c>[a, b, outputDim]</c>.
/// </para>
/// <para>
/// The embeddings matrix, <c>[inputDim, outputDim]</c> as Keras stores it, starts uniform in [−0.05, 0.05)
/// (Keras's default <c>"uniform"</c> initializer) from the layer's <see cref="Layer.Seed"/>;
/// <c>embeddingsInitializer:</c> chooses another start, <c>embeddingsRegularizer:</c> adds a penalty. The backward pass
/// adds each output step's gradient into the row of its id (rows of ids that do not occur get 0); ids are not
/// differentiable, so the layer passes no gradient to its input (zeros, when a layer before it asks for one).
/// Keras's <c>mask_zero</c> is not implemented: id 0 is an ordinary row.
/// </para>
/// </remarks>
/// <example>
/// Bag-of-words sentiment over reviews cut or padded to 100 word ids from a 5,000-word vocabulary:
/// <code>
/// var model = new Sequential(
///     new Input(100),
///     new Embedding(inputDim: 5000, outputDim: 16),
///     new GlobalAveragePooling1D(),
///     new Dense(16, Activation.Relu),
///     new Dense(1));                          // logits
/// model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.001f));
/// </code>
/// </example>
public sealed class Embedding : Layer
{
    private const int OutputSlot = 0;
    private const int InputGradientSlot = 1;

    private Parameter? _embeddings;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="inputDim">The vocabulary's size: ids run from 0 to inputDim − 1; positive, at most 2^24.</param>
    /// <param name="outputDim">The length of each vector; positive.</param>
    /// <param name="name">The layer's name, or null for <c>embedding</c>.</param>
    /// <param name="embeddingsInitializer">How the embeddings start (Keras's <c>embeddings_initializer</c>), or null for
    /// <see cref="Initializers.RandomUniform"/> in [−0.05, 0.05).</param>
    /// <param name="embeddingsRegularizer">A penalty on the embeddings, such as <c>Regularizers.L2(1e-4f)</c> (Keras's <c>embeddings_regularizer</c>), or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="inputDim"/> is above 2^24 (ids beyond it are not exact in a float).</exception>
    public Embedding(int inputDim, int outputDim, string? name = null,
        Initializers.Initializer? embeddingsInitializer = null, Regularizers.Regularizer? embeddingsRegularizer = null)
        : base(name)
    {
        EmbeddingsInitializer = embeddingsInitializer ?? new Initializers.RandomUniform();
        EmbeddingsRegularizer = embeddingsRegularizer;
        if (inputDim <= 0 || inputDim > 1 << 24)
        {
            throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim,
                "Expected the vocabulary size: a positive number of ids, at most 2^24 = 16,777,216 (the ids are floats, exact up to there).");
        }

        if (outputDim <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "Expected a positive length for the embedding vectors.");
        }

        InputDim = inputDim;
        OutputDim = outputDim;
    }

    /// <summary>The vocabulary's size: ids run from 0 to <c>InputDim − 1</c>.</summary>
    public int InputDim { get; }

    /// <summary>The length of each embedding vector.</summary>
    public int OutputDim { get; }

    /// <summary>How the embeddings start (default <see cref="Initializers.RandomUniform"/> in [−0.05, 0.05), from the layer's <see cref="Layer.Seed"/>).</summary>
    public Initializers.Initializer EmbeddingsInitializer { get; }

    /// <summary>
    /// The embeddings' penalty, or null: the constructor's until the layer is built, then the embeddings'
    /// own <see cref="Parameter.Regularizer"/>, so a penalty set on the parameter is the one training applies and Save writes.
    /// </summary>
    public Regularizers.Regularizer? EmbeddingsRegularizer { get => IsBuilt ? _embeddings!.Regularizer : field; }

    /// <summary>The embeddings matrix, <c>[inputDim, outputDim]</c>: row i is id i's vector.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public Parameter Embeddings => _embeddings ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet; build it (an Input layer, Build, or a first Forward) to create its embeddings.");

    /// <inheritdoc/>
    protected override string DefaultName => "embedding";

    /// <inheritdoc/>
    internal override bool TakesIds => true;

    /// <inheritdoc/>
    protected override int[] BuildCore(int[] inputShape)
    {
        if (inputShape.Length > Tensor.MaxRank - 2)
        {
            throw new ArgumentException(
                $"Layer '{Name}' takes samples of ids of shape [sequenceLength] (or [a, b]) and adds an axis of {OutputDim}; received samples of shape {ShapeText.Format(inputShape)}, which would need more than {Tensor.MaxRank - 1} axes.",
                nameof(inputShape));
        }

        if ((long)inputShape.Aggregate(1L, (p, d) => p * d) * OutputDim > int.MaxValue)
        {
            throw new ArgumentException(
                $"Layer '{Name}': samples of {ShapeText.Format(inputShape)} ids with vectors of {OutputDim} make more than {int.MaxValue} values per sample.",
                nameof(inputShape));
        }

        _embeddings = AddWeight("embeddings", [InputDim, OutputDim], EmbeddingsInitializer, Seed, EmbeddingsRegularizer);
        _outputShape = [.. inputShape, OutputDim];
        return (int[])_outputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input, LayerContext context)
    {
        Tensor output = context.OutputTarget ?? context.Buffer(OutputSlot, _outputShape);
        ReadOnlySpan<float> ids = input.AsSpan();
        ReadOnlySpan<float> table = _embeddings!.Value.AsSpan();
        Span<float> y = output.AsSpan();
        int d = OutputDim;
        for (int i = 0; i < ids.Length; i++)
        {
            ShortCopy.Copy(table.Slice(Id(ids[i], i, context) * d, d), y.Slice(i * d, d));
        }

        return output;
    }

    /// <inheritdoc/>
    protected override Tensor BackwardCore(Tensor outputGradient, LayerContext context)
    {
        // The forward pass checked every id of this batch.
        ReadOnlySpan<float> ids = context.Input.AsSpan();
        ReadOnlySpan<float> dy = outputGradient.AsSpan();
        Span<float> gradient = _embeddings!.Gradient.AsSpan();
        int d = OutputDim;
        gradient.Clear();
        // Rows are summed in input order, so the gradient is bitwise the same on every run and thread count.
        for (int i = 0; i < ids.Length; i++)
        {
            Span<float> row = gradient.Slice((int)ids[i] * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(i * d, d), row);
        }

        if (!context.NeedsInputGradient)
        {
            // A model's first trained layer, as an Embedding nearly always is: nothing reads dL/d(input).
            return outputGradient;
        }

        // The output is a step function of the ids: its derivative is 0 wherever it exists.
        Tensor inputGradient = context.Buffer(InputGradientSlot, InputShapeSpan);
        inputGradient.AsSpan().Clear();
        return inputGradient;
    }

    /// <summary>The id at flat index <paramref name="index"/> of the batch, checked.</summary>
    private int Id(float value, int index, LayerContext context) => IsId(value) ? (int)value : throw BadId(value, index, context.FirstRow);

    /// <summary>Whether <paramref name="value"/> is a whole number from 0 to <see cref="InputDim"/> − 1 (NaN is not).</summary>
    private bool IsId(float value) => value >= 0 && value < InputDim && value == MathF.Floor(value);

    /// <summary>
    /// Checks every id of a whole dataset once, before training (Fit checks its x with this), so a bad id is named by its
    /// row in the caller's data rather than by its row in a shuffled training batch after earlier batches have trained.
    /// </summary>
    /// <param name="ids">The dataset's ids, row-major, samples of this layer's input shape.</param>
    /// <param name="argumentName">The caller's name for them, such as <c>x</c>.</param>
    internal void CheckIds(ReadOnlySpan<float> ids, string argumentName)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if (!IsId(ids[i]))
            {
                throw BadId(ids[i], i, firstRow: 0, argumentName);
            }
        }
    }

    // firstRow: the caller's row of the batch's first sample; -1 for a training batch (gathered rows, shuffled or not).
    private ArgumentException BadId(float value, int index, int firstRow, string argumentName = "input")
    {
        ReadOnlySpan<int> sample = InputShapeSpan;
        int perSample = 1;
        foreach (int size in sample)
        {
            perSample *= size;
        }

        int row = index / perSample, rest = index % perSample;
        string where = firstRow >= 0 ? $"row {firstRow + row}" : $"row {row} of a training batch";
        string position = sample.Length == 1
            ? rest.ToString(CultureInfo.InvariantCulture)
            : $"({rest / sample[1]}, {rest % sample[1]})";
        string problem = float.IsNaN(value) ? "NaN"
            : value != MathF.Floor(value) ? $"{value.ToString("R", CultureInfo.InvariantCulture)}, not a whole number"
            : $"{value.ToString("R", CultureInfo.InvariantCulture)}, outside the vocabulary";
        return new ArgumentException(
            $"Layer '{Name}': {(argumentName == "input" ? "" : argumentName + "'s ")}{where}, position {position} holds the id {problem}; expected whole numbers from 0 to {InputDim - 1} (inputDim {InputDim}). Map unknown words to a reserved id, or build the layer with a larger inputDim.",
            argumentName);
    }
}
