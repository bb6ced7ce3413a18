namespace LogitNet.Data;

public static partial class Idx
{
    /// <summary>
    /// Reads an IDX file of samples as model input, one flattened sample per row, scaled exactly as
    /// <see cref="ReadDataset(string, string, bool, int?, long)"/> scales its images: uint8 values are
    /// divided by 255 when <paramref name="normalize"/> is true; other element types are kept as stored.
    /// </summary>
    /// <param name="path">The file, plain or gzip-compressed, shape <c>[n, ...]</c> (MNIST images: <c>[n, 28, 28]</c> uint8).</param>
    /// <param name="normalize">Divide uint8 values by 255 to [0, 1]; pass the same value the model was trained with.</param>
    /// <param name="maxElements">Refuse files that hold more elements than this (at most <see cref="Array.MaxLength"/>).</param>
    /// <returns>Features <c>[n, elements per sample]</c>: <c>[10000, 784]</c> for MNIST's test images; a file of shape <c>[n]</c> gives <c>[n, 1]</c>.</returns>
    /// <remarks>
    /// This is the way to classify IDX images with a model trained on <see cref="ReadDataset(string, string, bool, int?, long)"/>:
    /// <see cref="Read(string, long)"/> returns the stored values, 0–255 for uint8 pixels, and does
    /// not say which element type the file held, so a caller could not tell whether to scale them.
    /// </remarks>
    /// <exception cref="DataFormatException">The file is not a valid IDX file (the message gives the byte offset), or it holds a scalar (no axis counting samples).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <example>
    /// <code>
    /// Dataset train = Idx.ReadDataset("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
    /// // ... model.Fit(train.Features, train.Labels, ...) ...
    /// Tensor x = Idx.ReadFeatures("t10k-images-idx3-ubyte.gz");   // [10000, 784] in [0, 1], as in training
    /// Tensor probabilities = model.PredictProba(x);
    /// </code>
    /// </example>
    public static Tensor ReadFeatures(string path, bool normalize = true, long maxElements = DefaultMaxElements)
    {
        using DataSource source = DataSource.OpenFile(path);
        return ReadFeatures(source, normalize, maxElements);
    }

    /// <summary>As <see cref="ReadFeatures(string, bool, long)"/>, from an opened source (the fuzz tests feed it mutated bytes).</summary>
    internal static Tensor ReadFeatures(DataSource source, bool normalize, long maxElements)
    {
        Tensor samples = ReadCore(source, maxElements, out byte elementType);
        RequireSampleAxis(source, samples);
        return AsFeatures(samples, elementType, normalize);
    }

    /// <summary>Refuses a scalar file: features and datasets need a first axis that counts the samples.</summary>
    private static void RequireSampleAxis(DataSource source, Tensor samples)
    {
        if (samples.Rank < 1)
        {
            throw source.Error("expected images with a first axis counting them; found a scalar (0 axes).", "header", 3);
        }
    }

    /// <summary>
    /// The one rule by which IDX content becomes model input, shared by <see cref="ReadFeatures(string, bool, long)"/> and
    /// <see cref="ReadDataset(string, string, bool, int?, long)"/> so they cannot drift: uint8 (type 0x08)
    /// divided by 255 when <paramref name="normalize"/> is set, then one flattened sample per row.
    /// </summary>
    private static Tensor AsFeatures(Tensor samples, byte elementType, bool normalize)
    {
        if (normalize && elementType == 0x08)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(samples.AsSpan(), 255f, samples.AsSpan());
        }

        ReadOnlySpan<int> shape = samples.ShapeSpan;
        int rowLength = 1;
        for (int axis = 1; axis < shape.Length; axis++) rowLength *= shape[axis];
        return samples.Reshape(shape[0], rowLength);
    }
}
