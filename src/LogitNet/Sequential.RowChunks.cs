using LogitNet.Kernels;
using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// The most rows of one chunk when a large batch runs as row chunks (see <see cref="PredictsInRowChunks"/>);
    /// a model whose activations are wide gets fewer (<see cref="RowsPerChunk"/>). A batch is cut into the fewest
    /// chunks of at most that many rows, of equal size to a row (1000 rows: two of 500, not 512 and 488, whose
    /// larger half the other thread would wait for), their count rounded up to a multiple of the thread count so
    /// that they share out evenly (32 rows at 12 rows a chunk: four of 8, not three). Settable for
    /// benchmarks only (<c>--predict-ab</c>); each row gets the same bits whatever the cut.
    /// </summary>
    internal static int ChunkRows = 512;

    /// <summary>
    /// The bytes of activation one chunk may hand from a layer to the next: a third of the L2 cache of a core
    /// (<see cref="CpuCaches"/>), so that a layer's input, its output and its scratch (a convolution's im2col rows)
    /// are in the cache together, and what a layer writes is still there when the next one reads it. Measured on the
    /// Zen 5 VM of session 20 (1 MB L2; in-process A/B against the whole L2, two threads, median of 11 rounds): Keras's
    /// MNIST convnet in chunks of 4 images instead of 12 (8 at batch 32) 1.11× at batch 32, 1.04× at 128, 1.02× at
    /// 1000, 1.01× at 8, and 1.01× at 32 on one thread; the text CNN 1.09× at 32, 1.01× at 8 and 1000. The MLPs' chunks
    /// do not change (their widest layer is far below the bound). Chunks of 5–7 images were slower than 12 (0.93–0.96×
    /// at batch 1000), for a reason not found. Settable for tests, which pin it so that a chunk's rows do not depend on the
    /// machine.
    /// </summary>
    internal static long ChunkActivationBytes = CpuCaches.Current.L2 / 3;

    /// <summary>Whether a small batch of a wide-activation model is split into one row chunk per thread (see <see cref="PredictsInRowChunks"/>). Settable for benchmarks only; the bits never depend on it.</summary>
    internal static bool SplitsSmallBatches = true;

    /// <summary>
    /// The most parameters (floats; 1 MB) a model may have for its large batches to run as row chunks whatever
    /// the thread count: each thread then reads all of the weights, which stay in its cache. A larger model
    /// runs as row chunks only when every thread gets the same number of them (see <see cref="PredictsInRowChunks"/>).
    /// </summary>
    internal const long RowChunkMaxParameters = 256 * 1024;

    /// <summary>
    /// Whether a prediction of <paramref name="samples"/> rows runs as row chunks, each chunk through every
    /// layer on one of the pool's threads, rather than layer by layer with each product cut across the
    /// threads. For a small model the layer-by-layer way leaves the small layers (below the GEMM's split
    /// threshold) and the softmax on one thread and packs the weights once per thread per layer; measured
    /// on S (784-25-15-10) at batch 1000, those were a tenth of the call (bench/results/inference.md, run 5).
    /// A model with wide activations (a convolution's feature maps) also keeps them in the core's cache when a chunk
    /// runs every layer on few rows, where the layer-by-layer pass writes each layer's output for all its rows out
    /// to memory and reads it back: Keras's MNIST convnet at batch 1000 ran 1.5× as fast in chunks of 16 rows as
    /// in layer-by-layer passes (bench/results/inference.md, session 17), on one thread as on two.
    /// A larger model's products keep every thread busy on their own, but one thread running a product alone
    /// beats two threads sharing it (on a Zen 5, 1024³ at 89–90% of the FMA peak on one thread, 79–83% on two), and
    /// row chunks keep each layer's output in the cache of the core that reads it next: L (784-1024-1024-10) at batch
    /// 1000 as two chunks of 500 took 0.937–0.992 (median 0.984) of the layer-by-layer time, five alternating A/B runs
    /// (bench/results/inference.md, session 10). Since a chunk is never split, that pays only when the chunks share
    /// out evenly: a large model takes row chunks when their count is a multiple of the thread count (two threads at
    /// batch 1000), and a batch with fewer chunks than threads runs layer by layer on every thread. And since each
    /// chunk's context is kept by the model's pool, a large model takes them only for a batch that fits one
    /// layer-by-layer pass (<see cref="PassFloats"/>): the chunks then keep no more activations than that pass would.
    /// Each row's output does not depend on the rows beside it, so the bits are the same either way.
    /// </summary>
    internal bool PredictsInRowChunks(int samples)
    {
        if (samples <= RowsPerChunk())
        {
            // A batch that fits one chunk of a model whose activations set the chunk's rows (a convnet: megaflops a row)
            // still goes out as one chunk per thread. Measured on two threads, in-process A/B (session 19): Keras's MNIST
            // convnet at 8 images 1.31× as fast as layer by layer, the text CNN at 8 and 32 samples 1.35× and 1.31×; the MLPs,
            // whose chunks stay at ChunkRows, keep their products cut across the threads (S at 32 rows was 0.86× in chunks).
            int threads = WorkerPool.MaxThreads;
            return SplitsSmallBatches && threads > 1 && samples >= threads && RowsPerChunk() < ChunkRows
                && ParameterCount() <= RowChunkMaxParameters;
        }

        return ParameterCount() <= RowChunkMaxParameters
            || (samples <= PassRows(samples, batchSize: null) && RowChunkCount(samples) % WorkerPool.MaxThreads == 0);
    }

    /// <summary>The number of floats in the model's parameters.</summary>
    private long ParameterCount()
    {
        long parameters = 0;
        for (int i = 0; i < _layers.Count; i++)
        {
            IReadOnlyList<Parameter> layerParameters = _layers[i].Parameters;
            for (int p = 0; p < layerParameters.Count; p++)
            {
                parameters += layerParameters[p].Value.Length;
            }
        }

        return parameters;
    }

    /// <summary>
    /// The most rows of one chunk: <see cref="ChunkRows"/>, or, for a small model (whose weights stay in the cache), fewer
    /// when the widest activation a layer hands to the next (the model's input and output excluded: the input is read
    /// once, the output written once) would not fit <see cref="ChunkActivationBytes"/> at that many rows. A large model's
    /// chunks stay whole: each chunk reads all of its weights, and L (784-1024-1024-10) at batch 1000 ran 2–5% slower as
    /// four chunks of 250 rows than as two of 500 (session 17).
    /// </summary>
    internal int RowsPerChunk()
    {
        if (ParameterCount() > RowChunkMaxParameters)
        {
            return ChunkRows;
        }

        long widest = 1;
        for (int i = 0; i < _layers.Count - 1; i++)
        {
            // An Input layer's output is the model's input.
            if (_layers[i] is not Input)
            {
                widest = Math.Max(widest, ShapeText.Product(_layers[i].OutputShapeSpan));
            }
        }

        return (int)Math.Clamp(ChunkActivationBytes / sizeof(float) / widest, 1, ChunkRows);
    }

    /// <summary>How many row chunks a prediction of <paramref name="samples"/> rows is cut into: the fewest of at most <see cref="RowsPerChunk"/>.</summary>
    private int RowChunkCount(int samples)
    {
        int rows = RowsPerChunk();
        return (samples + rows - 1) / rows;
    }

    /// <summary>One prediction's row chunks: each rents a context of its own, runs every layer on its rows and writes its rows of the result.</summary>
    private sealed class RowChunkJob(Sequential model) : IParallelJob
    {
        private Tensor? _x;
        private Tensor? _result;
        private int _samples;
        private ProbabilityMap _map;
        private int _chunks;

        public int Count => _chunks;

        public void Run(Tensor x, Tensor result, int samples, ProbabilityMap map)
        {
            (_x, _result, _samples, _map) = (x, result, samples, map);

            // The chunks share out evenly between the threads: 32 images of the MNIST convnet at 12 rows a chunk (its cut
            // until session 20) made three chunks, two on one core and one on the other (0.72 of ONNX Runtime's speed); four
            // chunks of 8 kept both cores busy to the end (0.83; session 18). A row's output does not depend on its chunk, so neither do the bits.
            int chunks = model.RowChunkCount(samples), threads = WorkerPool.MaxThreads;
            _chunks = chunks % threads == 0 ? chunks : Math.Min(samples, (chunks + threads - 1) / threads * threads);
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
                Tensor output = model.RunPass(context, _x!.Slice(start, count), model._layers.Count, training: false, target, firstRow: start);
                WriteRows(_map, output.AsSpan(), target.AsSpan(), model.Classes);
            }
            finally
            {
                model.Contexts.Return(context);
            }
        }
    }
}
