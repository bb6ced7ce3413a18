using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>
/// A large batch runs as row chunks (always for a small model, for a larger one when the chunks share out
/// evenly and fit one pass), each through every layer on one of the pool's threads: the result must be the
/// bits of the layer-by-layer pass, for any thread count and from concurrent callers.
/// </summary>
[Collection(ProcessWideSettingsCollection.Name)]
public class RowChunkPredictionTests
{
    // Four whole chunks and a partial one.
    private static readonly int Rows = 4 * Sequential.ChunkRows + 76;

    [Fact]
    public void RowChunks_GiveTheLayerByLayerBits_OnAnyThreadCount()
    {
        (Sequential model, Tensor x) = SmallModel();
        int saved = Parallelism.MaxThreads;
        try
        {
            // An explicit batch size keeps the layer-by-layer pass: one pass of all the rows.
            Parallelism.MaxThreads = 1;
            float[] expected = model.Predict(x, batchSize: Rows).ToArray();
            float[] expectedProbabilities = model.PredictProba(x, batchSize: Rows).ToArray();
            float[] lastRow = model.Predict(x.Slice(Rows - 1, 1)).ToArray();
            Assert.Equal(expected[^10..], lastRow);

            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                Parallelism.MaxThreads = threads;
                Assert.Equal(expected, model.Predict(x).ToArray());
                Assert.Equal(expectedProbabilities, model.PredictProba(x).ToArray());
                var destination = Tensor.Zeros(Rows, 10);
                model.PredictProba(x, destination);
                Assert.Equal(expectedProbabilities, destination.ToArray());
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A model above the small-model limit takes row chunks only when they share out evenly among the threads
    /// (4 chunks on 2 or 4 threads, not on 3 or 8) and the batch fits one layer-by-layer pass (4 MB of its widest
    /// activation, 500 units: 2,097 rows); every way gives the single-thread layer-by-layer bits.
    /// </summary>
    [Fact]
    public void LargeModel_TakesRowChunksWhenTheyShareOutEvenly_WithTheSameBits()
    {
        int rows = 4 * Sequential.ChunkRows;
        Tensor x = Tensor.RandomUniform([rows, 300], -1f, 1f, seed: 11);
        var model = new Sequential(new Input(300), new Dense(500, Activation.Relu), new Dense(300, Activation.Relu), new Dense(10))
        {
            Seed = 6,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        int saved = Parallelism.MaxThreads;
        long savedBytes = Sequential.ChunkActivationBytes;
        try
        {
            // A large model's chunks keep the full 512 rows however little of its 500-unit activation the cache holds:
            // each chunk reads all of its weights.
            Sequential.ChunkActivationBytes = 64 * 1024;
            Parallelism.MaxThreads = 1;
            float[] expected = model.Predict(x, batchSize: rows).ToArray();
            Assert.Equal(Sequential.ChunkRows, model.RowsPerChunk());
            Assert.True(model.Layers.Sum(layer => layer.Parameters.Sum(p => (long)p.Value.Length)) > Sequential.RowChunkMaxParameters);
            float[] expectedProbabilities = model.PredictProba(x, batchSize: rows).ToArray();
            foreach ((int threads, bool chunks) in new[] { (2, true), (3, false), (4, true), (8, false) })
            {
                Parallelism.MaxThreads = threads;
                Assert.Equal(chunks, model.PredictsInRowChunks(rows));
                Assert.Equal(expected, model.Predict(x).ToArray());
                Assert.Equal(expectedProbabilities, model.PredictProba(x).ToArray());
            }

            // A batch of fewer chunks than threads runs layer by layer on all of them.
            Parallelism.MaxThreads = 8;
            Assert.False(model.PredictsInRowChunks(rows / 2));

            // So does a batch larger than one pass (six chunks of 512 rows on two threads), whose chunks' contexts
            // would keep more activations than the pass.
            Parallelism.MaxThreads = 2;
            Assert.False(model.PredictsInRowChunks(6 * Sequential.ChunkRows));
        }
        finally
        {
            Parallelism.MaxThreads = saved;
            Sequential.ChunkActivationBytes = savedBytes;
        }
    }

    /// <summary>
    /// A small batch of a text CNN with bad ids in rows 1 and 6: split into one row chunk per thread, its error names the
    /// row one thread names (the first), on every call (found by the session-19 review: it named row 6 on two threads).
    /// </summary>
    [Fact]
    public void BadIds_InASmallBatchInRowChunks_NameTheFirstRow_OnAnyThreadCount()
    {
        var model = new Sequential(new Input(200), new Embedding(1000, 64), new Conv1D(64, 5, activation: Activation.Relu),
            new GlobalMaxPooling1D(), new Dense(2)) { Seed = 1, Log = TextWriter.Null };
        model.Build(200);
        float[] ids = new float[8 * 200];
        ids[1 * 200 + 3] = 5000;
        ids[6 * 200 + 3] = 7000;
        var x = Tensor.FromArray(ids, 8, 200);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            string one = Assert.ThrowsAny<ArgumentException>(() => model.Predict(x)).Message;
            Assert.Contains("row 1", one);
            foreach (int threads in new[] { 2, 3, 8 })
            {
                Parallelism.MaxThreads = threads;
                Assert.True(model.PredictsInRowChunks(8));
                for (int i = 0; i < 20; i++)
                {
                    Assert.Equal(one, Assert.ThrowsAny<ArgumentException>(() => model.Predict(x)).Message);
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>
    /// A model with wide activations (a convolution's feature maps, 6,272 floats a sample here) takes chunks of as
    /// many rows as keep its widest activation within <see cref="Sequential.ChunkActivationBytes"/>, on one thread as
    /// on several, a batch that fits one chunk goes out as one chunk per thread, and every way gives the bits of one
    /// layer-by-layer pass.
    /// </summary>
    [Fact]
    public void WideActivations_TakeSmallerChunks_OnAnyThreadCount_WithTheSameBits()
    {
        const int rows = 150;
        Tensor x = Tensor.RandomUniform([rows, 16, 16, 1], 0f, 1f, seed: 12);
        var model = new Sequential(
            new Input(16, 16, 1),
            new Conv2D(32, kernelSize: 3, activation: Activation.Relu, padding: Padding.Same),
            new MaxPooling2D(poolSize: 2),
            new Conv2D(16, kernelSize: 3, activation: Activation.Relu),
            new Flatten(),
            new Dense(10))
        {
            Seed = 8,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam());
        int saved = Parallelism.MaxThreads;
        long savedBytes = Sequential.ChunkActivationBytes;
        try
        {
            Parallelism.MaxThreads = 1;
            float[] expected = model.Predict(x, batchSize: rows).ToArray();
            float[] expectedProbabilities = model.PredictProba(x, batchSize: rows).ToArray();

            // 16 × 16 × 32 floats is the widest activation: 256 KB hold 8 rows of it, so 150 rows are 19 chunks.
            Sequential.ChunkActivationBytes = 256 * 1024;
            Assert.Equal(8, model.RowsPerChunk());
            foreach (int threads in new[] { 1, 2, 3, 8 })
            {
                Parallelism.MaxThreads = threads;
                Assert.True(model.PredictsInRowChunks(rows));
                Assert.Equal(expected, model.Predict(x).ToArray());
                Assert.Equal(expectedProbabilities, model.PredictProba(x).ToArray());
            }

            // A batch that fits one chunk goes out as one chunk per thread when every thread gets a row, with the same bits.
            float[] small = model.Predict(x.Slice(0, 8), batchSize: 8).ToArray();
            foreach (int threads in new[] { 2, 3, 8 })
            {
                Parallelism.MaxThreads = threads;
                Assert.True(model.PredictsInRowChunks(8));
                Assert.Equal(small, model.Predict(x.Slice(0, 8)).ToArray());
            }

            Parallelism.MaxThreads = 8;
            Assert.False(model.PredictsInRowChunks(7));
            Parallelism.MaxThreads = 1;
            Assert.False(model.PredictsInRowChunks(8));

            // The model's input is read once, not handed between layers: an MLP on 784 features keeps 512-row chunks
            // (with the input counted, 1 MB held 334 rows of it, and 1000 rows became three chunks on two threads).
            Sequential.ChunkActivationBytes = 1 << 20;
            var mlp = new Sequential(new Input(784), new Dense(128, Activation.Relu), new Dense(64, Activation.Relu), new Dense(10));
            mlp.Build(784);
            Assert.Equal(Sequential.ChunkRows, mlp.RowsPerChunk());
        }
        finally
        {
            Parallelism.MaxThreads = saved;
            Sequential.ChunkActivationBytes = savedBytes;
        }
    }

    [Fact]
    public void RowChunks_FromConcurrentCallers_GiveTheBitsOfACallAlone()
    {
        (Sequential model, Tensor x) = SmallModel();
        float[] expected = model.Predict(x, batchSize: Rows).ToArray();
        bool[] same = new bool[4];
        Parallel.For(0, same.Length, new ParallelOptions { MaxDegreeOfParallelism = same.Length }, t =>
        {
            bool ok = true;
            for (int round = 0; round < 5; round++)
            {
                ok &= model.Predict(x).ToArray().AsSpan().SequenceEqual(expected);
            }

            same[t] = ok;
        });
        Assert.All(same, Assert.True);
    }

    private static (Sequential Model, Tensor X) SmallModel()
    {
        Tensor x = Tensor.RandomUniform([Rows, 40], -1f, 1f, seed: 3);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, Rows).Select(i => (float)(i % 10)).ToArray(), Rows);
        var model = new Sequential(new Input(40), new Dense(30, Activation.Relu), new Dense(20, Activation.Tanh), new Dense(10))
        {
            Seed = 5,
            Log = TextWriter.Null,
        };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.01f));
        model.Fit(x, y, epochs: 1, batchSize: 64, verbose: 0);
        return (model, x);
    }
}
