using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// The most rows of one chunk when a large batch of a small model runs as row chunks (see
    /// <see cref="PredictsInRowChunks"/>). A batch is cut into the fewest chunks of at most this many rows,
    /// of equal size to a row (1000 rows: two of 500, not 512 and 488, whose larger half the other thread
    /// would wait for); the cut depends on the batch size alone, never on the thread count. Settable for benchmarks
    /// only (<c>--predict-ab</c>); each row gets the same bits whatever the cut.
    /// </summary>
    internal static int ChunkRows = 512;

    /// <summary>
    /// The most parameters (floats; 1 MB) a model may have for its large batches to run as row chunks:
    /// each thread then reads all of the weights, which must stay in its cache.
    /// </summary>
    internal const long RowChunkMaxParameters = 256 * 1024;

    /// <summary>
    /// Whether a prediction of <paramref name="samples"/> rows runs as row chunks, each chunk through every
    /// layer on one of the pool's threads, rather than layer by layer with each product cut across the
    /// threads. For a small model the layer-by-layer way leaves the small layers (below the GEMM's split
    /// threshold) and the softmax on one thread and packs the weights once per thread per layer; measured
    /// on S (784-25-15-10) at batch 1000, those were a tenth of the call (bench/results/inference.md, run 5).
    /// Each row's output does not depend on the rows beside it, so the bits are the same either way.
    /// </summary>
    private bool PredictsInRowChunks(int samples)
    {
        if (samples <= ChunkRows || WorkerPool.MaxThreads < 2)
        {
            return false;
        }

        long parameters = 0;
        for (int i = 0; i < _layers.Count; i++)
        {
            IReadOnlyList<Parameter> layerParameters = _layers[i].Parameters;
            for (int p = 0; p < layerParameters.Count; p++)
            {
                parameters += layerParameters[p].Value.Length;
            }
        }

        return parameters <= RowChunkMaxParameters;
    }

    /// <summary>One prediction's row chunks: each rents a context of its own, runs every layer on its rows and writes its rows of the result.</summary>
    private sealed class RowChunkJob(Sequential model) : IParallelJob
    {
        private Tensor? _x;
        private Tensor? _result;
        private int _samples;
        private int _outputLength;
        private ProbabilityMap _map;

        public int Count => (_samples + ChunkRows - 1) / ChunkRows;

        public void Run(Tensor x, Tensor result, int samples, int outputLength, ProbabilityMap map)
        {
            (_x, _result, _samples, _outputLength, _map) = (x, result, samples, outputLength, map);
            try
            {
                WorkerPool.Run(this, WorkerPool.MaxThreads);
            }
            finally
            {
                (_x, _result) = (null, null);
            }
        }

        public void Run(int index)
        {
            int chunks = Count;
            int start = (int)((long)index * _samples / chunks);
            int count = (int)((long)(index + 1) * _samples / chunks) - start;
            ModelContext context = model.Contexts.Rent();
            try
            {
                // The products inside find the pool busy with this job and run on this thread alone.
                Tensor target = _result!.Slice(start, count);
                Tensor output = model.RunPass(context, _x!.Slice(start, count), model._layers.Count, training: false, target);
                WriteRows(_map, output.AsSpan(), target.AsSpan(), _outputLength);
            }
            finally
            {
                model.Contexts.Return(context);
            }
        }
    }
}
