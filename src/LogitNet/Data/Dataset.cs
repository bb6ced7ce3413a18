namespace LogitNet.Data;

/// <summary>
/// Samples for a classifier: a features tensor whose first axis counts the samples, and one class
/// id per sample, stored as float as the sparse losses expect.
/// </summary>
/// <remarks>
/// <para>
/// A dataset holds the tensors it is given (no copy). <see cref="Split"/> makes new tensors, so
/// the parts of a split never share memory with the original or with each other.
/// </para>
/// <example>
/// <code>
/// Dataset digits = Datasets.Digits(normalize: true);       // Features [1797, 64], Labels [1797]
/// (Dataset train, Dataset test) = digits.Split(testFraction: 0.2, seed: 1);
/// model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f));
/// model.Fit(train.Features, train.Labels, epochs: 40, batchSize: 32);
/// </code>
/// </example>
/// </remarks>
public sealed class Dataset
{
    private readonly string[] _classNames;

    /// <summary>Creates a dataset from a features tensor and a labels tensor.</summary>
    /// <param name="features">The samples: rank 1 to 4, first axis = number of samples.</param>
    /// <param name="labels">Class ids, shape <c>[n]</c>, each a whole number in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">The number of classes, at least 1 (classes may be absent from the labels).</param>
    /// <param name="classNames">A name per class, or null to name classes by their ids ("0", "1", ...).</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The shapes disagree, a label is not a class id, or the names do not match the class count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is below 1.</exception>
    /// <example><c>new Dataset(Tensor.FromArray([0f, 1f, 2f, 3f], 2, 2), Tensor.FromArray([0f, 1f], 2), classCount: 2)</c></example>
    public Dataset(Tensor features, Tensor labels, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (classCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Expected at least one class.");
        }

        if (features.Rank < 1)
        {
            throw new ArgumentException("Expected features with a first axis counting the samples; received a scalar. Reshape it to [n, ...].", nameof(features));
        }

        int count = features.ShapeSpan[0];
        if (labels.Rank != 1 || labels.Length != count)
        {
            throw new ArgumentException(
                $"Expected labels of shape [{count}] (one class id per sample of features {ShapeText.Format(features.ShapeSpan)}); received {ShapeText.Format(labels.ShapeSpan)}. " +
                "Reshape [n, 1] labels with labels.Reshape(-1).", nameof(labels));
        }

        ReadOnlySpan<float> ids = labels.AsSpan();
        for (int i = 0; i < ids.Length; i++)
        {
            float id = ids[i];
            if (!(id >= 0 && id < classCount) || id != MathF.Floor(id))
            {
                throw new ArgumentException(
                    $"Expected class ids 0 to {classCount - 1}; received {id} at sample {i}. Encode labels as whole numbers below classCount, or raise classCount.", nameof(labels));
            }
        }

        if (classNames is not null && classNames.Count != classCount)
        {
            throw new ArgumentException($"Expected {classCount} class names (one per class); received {classNames.Count}.", nameof(classNames));
        }

        Features = features;
        Labels = labels;
        ClassCount = classCount;
        _classNames = classNames?.ToArray() ?? Enumerable.Range(0, classCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The samples, shape <c>[Count, ...]</c>.</summary>
    public Tensor Features { get; }

    /// <summary>The class id of each sample as a float, shape <c>[Count]</c>.</summary>
    public Tensor Labels { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>The number of classes; every label is below it.</summary>
    public int ClassCount { get; }

    /// <summary>A name per class, index = class id: the dataset's own names where known (e.g. CSV labels), else "0", "1", ...</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>
    /// Shuffles the samples with a seeded generator and splits them into a training part and a
    /// test part, the same way for the same seed on every run and platform.
    /// </summary>
    /// <param name="testFraction">The share of samples for the test part, in (0, 1); the test part gets
    /// ⌈<paramref name="testFraction"/> · Count⌉ samples (as scikit-learn's <c>train_test_split</c> does), and each part at least one.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <returns>The two parts, in shuffled order, as new tensors.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not in (0, 1), or leaves a part empty.</exception>
    /// <example><c>var (train, test) = Datasets.Digits().Split(0.25, seed: 0);</c> gives 1,347 and 450 samples.</example>
    public TrainTestSplit Split(double testFraction, long seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Expected a fraction strictly between 0 and 1, e.g. 0.2.");
        }

        int testCount = (int)Math.Ceiling(testFraction * Count);
        if (testCount < 1 || testCount >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction,
                $"A test fraction of {testFraction} of {Count} samples leaves the training or the test part empty; choose a fraction that leaves at least one sample in each.");
        }

        int[] order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new RandomSource(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        int trainCount = Count - testCount;
        return new TrainTestSplit(Take(order.AsSpan(0, trainCount)), Take(order.AsSpan(trainCount)));
    }

    /// <summary>A new dataset with copies of the given rows, in the given order.</summary>
    internal Dataset Take(ReadOnlySpan<int> rows)
    {
        int[] shape = Features.Shape;
        int rowLength = shape[0] == 0 ? 0 : Features.Length / shape[0];
        shape[0] = rows.Length;
        Tensor features = Tensor.Uninitialized(shape);
        Tensor labels = Tensor.Uninitialized([rows.Length]);
        ReadOnlySpan<float> sourceFeatures = Features.AsSpan();
        ReadOnlySpan<float> sourceLabels = Labels.AsSpan();
        Span<float> targetFeatures = features.AsSpan();
        Span<float> targetLabels = labels.AsSpan();
        for (int i = 0; i < rows.Length; i++)
        {
            sourceFeatures.Slice(rows[i] * rowLength, rowLength).CopyTo(targetFeatures.Slice(i * rowLength, rowLength));
            targetLabels[i] = sourceLabels[rows[i]];
        }

        return new Dataset(features, labels, ClassCount, _classNames);
    }
}
