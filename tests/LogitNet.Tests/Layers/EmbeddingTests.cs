using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Layers;

public class EmbeddingTests
{
    [Fact]
    public void Forward_CopiesTheRowOfEachId()
    {
        var embedding = new Embedding(5, 3) { Seed = 1 };
        embedding.Build(4);
        float[] table = embedding.Embeddings.Value.ToArray();
        Tensor ids = Tensor.FromArray([4f, 0f, 0f, 2f, 1f, 3f, 4f, 4f], 2, 4);
        Tensor y = embedding.Forward(ids);
        Assert.Equal([2, 4, 3], y.Shape);
        float[] expected = ids.ToArray().SelectMany(id => table[((int)id * 3)..((int)id * 3 + 3)]).ToArray();
        Assert.Equal(expected, y.ToArray());
    }

    [Fact]
    public void Backward_AddsEachStepsGradientIntoItsIdsRow()
    {
        var embedding = new Embedding(6, 2) { Seed = 1 };
        Tensor ids = Tensor.FromArray([1f, 3f, 1f, 5f, 1f, 0f], 2, 3);
        embedding.Forward(ids, training: true);
        Tensor dy = Tensor.RandomNormal([2, 3, 2], 0f, 1f, seed: 2);
        embedding.Backward(dy);
        // A direct loop: row r of the gradient is the sum of dy over the steps holding id r.
        var expected = new double[12];
        float[] g = dy.ToArray();
        float[] x = ids.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                expected[(int)x[i] * 2 + j] += g[i * 2 + j];
            }
        }

        float[] actual = embedding.Embeddings.Gradient.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 6);
        }

        Assert.Equal([0f, 0f, 0f, 0f], actual[4..6].Concat(actual[8..10]).ToArray());   // ids 2 and 4 do not occur
    }

    [Fact]
    public void Backward_PassesTheGradientCheck_OnTheEmbeddings()
    {
        var embedding = new Embedding(7, 3) { Seed = 3 };
        Tensor ids = Tensor.FromArray([6f, 2f, 2f, 0f, 5f, 6f, 1f, 1f, 3f, 2f], 2, 5);
        GradientCheckResult result = GradientCheck.Run(embedding, ids);
        Assert.True(result.MaxError < 1e-2, result.ToString());
        Assert.Equal(["embedding/embeddings"], result.ParameterErrors.Keys);
        Assert.Equal(ids.ToArray(), Tensor.FromArray([6f, 2f, 2f, 0f, 5f, 6f, 1f, 1f, 3f, 2f], 2, 5).ToArray());   // the ids were not perturbed
    }

    [Theory]
    [InlineData(2.5f, "not a whole number")]
    [InlineData(-1f, "outside the vocabulary")]
    [InlineData(10f, "outside the vocabulary")]
    [InlineData(float.NaN, "NaN")]
    public void BadIds_AreRefused_NamingTheRowAndPosition(float bad, string problem)
    {
        var embedding = new Embedding(10, 4, name: "words");
        Tensor ids = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, bad, 9f], 3, 3);
        var error = Assert.Throws<ArgumentException>(() => embedding.Forward(ids));
        Assert.Contains("'words'", error.Message);
        Assert.Contains("row 2, position 1", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("0 to 9", error.Message);
    }

    [Fact]
    public void MatrixSamples_NameTheirPositionByBothAxes()
    {
        var embedding = new Embedding(3, 2);
        Tensor y = embedding.Forward(Tensor.FromArray([0f, 1f, 2f, 0f, 1f, 2f], 1, 2, 3));
        Assert.Equal([1, 2, 3, 2], y.Shape);
        var error = Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor.FromArray([0f, 1f, 2f, 0f, 7f, 2f], 1, 2, 3)));
        Assert.Contains("row 0, position (1, 1)", error.Message);
    }

    [Fact]
    public void ABadId_InAModelsPredict_IsNamedByItsRowInTheCallersData()
    {
        // Predict runs a large batch in slices (and row chunks on the pool); the error counted rows from the slice's start.
        var model = new Sequential(new Input(5), new Embedding(100, 8), new Flatten(), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Build(5);
        float[] ids = new float[3000 * 5];
        ids[2990 * 5 + 2] = 150f;
        var error = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.FromArray(ids, 3000, 5)));
        Assert.Contains("row 2990, position 2 holds the id 150, outside the vocabulary", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.FromArray(ids, 3000, 5), batchSize: 64));
        Assert.Contains("row 2990, position 2", error.Message);
        model.Compile(new LogitNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), new LogitNet.Optimizers.SGD());
        error = Assert.Throws<ArgumentException>(() => model.Evaluate(Tensor.FromArray(ids, 3000, 5), Tensor.Zeros(3000), batchSize: 100));
        Assert.Contains("row 2990, position 2", error.Message);

        // In the validation part of Fit's x, by its row in x.
        float[] small = new float[10 * 5];
        small[8 * 5 + 1] = 150f;
        error = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.FromArray(small, 10, 5), Tensor.Zeros(10), epochs: 1, validationSplit: 0.5, verbose: 0));
        Assert.Contains("row 8, position 1", error.Message);
    }

    [Fact]
    public void Defaults_AreKeras_UniformInitializerFromTheSeed()
    {
        var embedding = new Embedding(1000, 64) { Seed = 5 };
        Assert.Equal("embedding", embedding.Name);
        embedding.Build(10);
        Assert.Equal([10, 64], embedding.OutputShape);
        Assert.Equal([1000, 64], embedding.Embeddings.Value.Shape);
        float[] values = embedding.Embeddings.Value.ToArray();
        Assert.All(values, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.InRange(values.Max() - values.Min(), 0.099f, 0.1f);   // spread over the whole range
        var again = new Embedding(1000, 64) { Seed = 5 };
        again.Build(10);
        Assert.Equal(values, again.Embeddings.Value.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding((1 << 24) + 1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(10, 0));
        Assert.Throws<ArgumentException>(() => new Embedding(10, 4).Build(2, 2, 2));
    }

    [Fact]
    public void Model_WithEmbeddingFirst_Trains_AndComputesNoInputGradient()
    {
        // Sequences whose class is whether id 1 occurs: learnable by an embedding and a global max.
        var random = new Random(7);
        int n = 256, steps = 6;
        var x = new float[n * steps];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < steps; t++)
            {
                x[i * steps + t] = random.Next(2, 8);
            }

            if (i % 2 == 0)
            {
                x[i * steps + random.Next(steps)] = 1;
                y[i] = 1;
            }
        }

        var model = new Sequential(new Input(steps), new Embedding(8, 4), new GlobalMaxPooling1D(), new Dense(1)) { Log = TextWriter.Null, Seed = 3 };
        model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.05f));
        History history = model.Fit(Tensor.FromArray(x, n, steps), Tensor.FromArray(y, n), epochs: 30, batchSize: 32, verbose: 0);
        Assert.True(history["loss"][^1] < 0.1 * history["loss"][0], string.Join(", ", history["loss"]));
    }
}
