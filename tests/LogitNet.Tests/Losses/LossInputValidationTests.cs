using LogitNet.Layers;
using LogitNet.Losses;

namespace LogitNet.Tests.Losses;

/// <summary>
/// Inputs on which a loss's math has no meaning are refused with the row or index at fault, not
/// turned into a number: negative or NaN weights, binary labels outside [0, 1], negative soft
/// targets, and a row of probabilities that are all zero.
/// </summary>
public class LossInputValidationTests
{
    private static Tensor T(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    public static TheoryData<float> BadWeights => new() { -1f, float.NaN, float.PositiveInfinity, -0.001f };

    [Theory]
    [MemberData(nameof(BadWeights))]
    public void SampleWeight_NegativeOrNotFinite_IsRefusedNamingItsIndex(float bad)
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        Tensor labels = T([0f, 1f, 2f], 3), logits = T([1f, 2f, 3f, 1f, 2f, 3f, 1f, 2f, 3f], 3, 3);
        var error = Assert.Throws<ArgumentException>(() => loss.Call(labels, logits, T([1f, 1f, bad], 3)));
        Assert.Equal("sampleWeight", error.ParamName);
        Assert.Contains("sampleWeight[2]", error.Message);
        Assert.Throws<ArgumentException>(() => loss.Compute(labels, logits, T([1f, 1f, bad], 3), new float[9]));
        Assert.Throws<ArgumentException>(() => new MeanSquaredError().Gradient(T([1f, 2f], 2, 1), T([1f, 2f], 2, 1), T([bad, 1f], 2)));
    }

    [Fact]
    public void SampleWeight_ZeroAndPositive_StillWeigh()
    {
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.Sum);
        Tensor y = T([1f, 0f], 2, 1), z = T([0.5f, 0.5f], 2, 1);
        float first = loss.Call(y.Slice(0, 1), z.Slice(0, 1)).ToScalar();
        Assert.Equal(2 * first, loss.Call(y, z, T([2f, 0f], 2)).ToScalar());
    }

    [Fact]
    public void Fit_NegativeSampleOrClassWeight_IsRefusedNamingTheDataRow()
    {
        (Tensor x, Tensor y) = Models.SequentialTests.Blobs(4);
        var model = new Sequential(new Dense(4, Activation.Linear)) { Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new LogitNet.Optimizers.SGD(0.1f));
        float[] weights = Enumerable.Repeat(1f, x.Shape[0]).ToArray();
        weights[5] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, sampleWeight: T(weights, weights.Length), verbose: 0));
        Assert.Contains("sampleWeight[5] is NaN", error.Message);

        var classError = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, classWeight: new Dictionary<int, float> { [1] = -2f }, verbose: 0));
        Assert.Contains("classWeight[1] is -2", classError.Message);
    }

    [Theory]
    [InlineData(2f)]
    [InlineData(-1f)]
    [InlineData(1.0000001f)]
    public void BinaryCrossentropy_LabelOutsideUnitInterval_IsRefusedNamingItsIndex(float label)
    {
        foreach (Loss loss in new Loss[] { new BinaryCrossentropy(fromLogits: true), new BinaryCrossentropy(), new BinaryFocalCrossentropy(fromLogits: true) })
        {
            var error = Assert.Throws<ArgumentException>(() => loss.Call(T([0f, label], 2, 1), T([0.25f, 0.5f], 2, 1)));
            Assert.Equal("yTrue", error.ParamName);
            Assert.Contains("yTrue[1]", error.Message);
        }
    }

    [Fact]
    public void BinaryCrossentropy_SoftLabelsInside_AndNaN_StillAccepted()
    {
        var loss = new BinaryCrossentropy(fromLogits: true, reduction: Reduction.None);
        float[] values = loss.Call(T([0f, 0.3f, 1f, float.NaN], 4, 1), T([1f, 1f, 1f, 1f], 4, 1)).ToArray();
        Assert.All(values[..3], v => Assert.True(float.IsFinite(v)));
        Assert.True(float.IsNaN(values[3])); // NaN in, NaN out
    }

    [Fact]
    public void CategoricalCrossentropy_NegativeSoftTarget_IsRefusedNamingRowAndClass()
    {
        foreach (Loss loss in new Loss[] { new CategoricalCrossentropy(fromLogits: true), new CategoricalCrossentropy(), new CategoricalFocalCrossentropy(fromLogits: true) })
        {
            var error = Assert.Throws<ArgumentException>(() => loss.Call(T([0.5f, 0.5f, 0f, 1.5f, -0.5f, 0f], 2, 3), T([0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f], 2, 3)));
            Assert.Equal("yTrue", error.ParamName);
            Assert.Contains("row 1, class 1", error.Message);
        }
    }

    /// <summary>
    /// A row of zero probabilities is not a distribution: it used to score 0 (the gradient +inf). It is
    /// refused (DESIGN: p = 0 for the label in a real distribution is scored at the nearest
    /// representable probability; a row with no mass has no nearest distribution).
    /// </summary>
    [Fact]
    public void ProbabilityLosses_AllZeroRow_IsRefusedNamingTheRow()
    {
        var sparse = Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Call(T([0f], 1), T([0f, 0f, 0f], 1, 3)));
        Assert.Contains("row 0", sparse.Message);
        Assert.Equal("yPred", sparse.ParamName);

        var second = Assert.Throws<ArgumentException>(() => new CategoricalCrossentropy().Gradient(T([1f, 0f, 0f, 1f], 2, 2), T([0.5f, 0.5f, 0f, -0f], 2, 2)));
        Assert.Contains("row 1", second.Message);
        Assert.Throws<ArgumentException>(() => new CategoricalFocalCrossentropy().Call(T([1f, 0f], 1, 2), T([0f, 0f], 1, 2)));

        // From logits a row of zeros is an ordinary uniform prediction: ln 3.
        Assert.Equal(MathF.Log(3f), new SparseCategoricalCrossentropy(fromLogits: true).Call(T([0f], 1), T([0f, 0f, 0f], 1, 3)).ToScalar(), 6);

        // p = 0 for the label in a row with mass keeps its documented value (the nearest representable probability).
        Assert.True(float.IsFinite(new SparseCategoricalCrossentropy().Call(T([0f], 1), T([0f, 1f, 0f], 1, 3)).ToScalar()));
    }
}
