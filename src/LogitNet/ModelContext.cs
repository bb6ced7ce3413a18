using LogitNet.Layers;

namespace LogitNet;

/// <summary>
/// The execution state of one caller of a <see cref="Sequential"/> model: a <see cref="LayerContext"/> per
/// layer, and the batch buffers the model itself fills (the gathered batch, its targets and weights, the
/// loss gradient). The training step owns one; each concurrent <c>Predict</c> or <c>Evaluate</c> rents one
/// from the model's <see cref="ContextPool"/>. Used by one thread at a time.
/// </summary>
internal sealed class ModelContext
{
    private int[] _targetShape = [];
    private int[] _lossGradientShape = [];
    private int[] _weightShape = [];
    private BatchBuffer? _targets;
    private BatchBuffer? _lossGradient;
    private BatchBuffer? _weights;

    public ModelContext(IReadOnlyList<Layer> layers, int[] inputShape)
    {
        Layers = new LayerContext[layers.Count];
        for (int i = 0; i < Layers.Length; i++)
        {
            Layers[i] = layers[i].CreateContext();
        }

        Inputs = new BatchBuffer(inputShape);
    }

    /// <summary>One context per layer, in layer order.</summary>
    public LayerContext[] Layers { get; }

    /// <summary>
    /// The job that spreads a large prediction over the worker pool in row chunks (created at first use and
    /// kept, so a warm call allocates no job; see <c>Sequential.PredictInto</c>).
    /// </summary>
    public Kernels.IParallelJob? RowChunks { get; set; }

    /// <summary>The managed thread that last gave this context back to its pool (<see cref="ContextPool.Rent"/> prefers it).</summary>
    public int LastThread { get; set; }

    /// <summary>The batch of inputs: gathered rows in training, a copy of a caller's span in prediction.</summary>
    public BatchBuffer Inputs { get; }

    /// <summary>The batch of targets, <c>[batch, ...targetShape]</c>.</summary>
    public Tensor Targets(int batch, ReadOnlySpan<int> targetShape) =>
        Ensure(ref _targets, ref _targetShape, targetShape).For(batch);

    /// <summary>The sample weights of a batch, <c>[batch, ...weightShape]</c>: one per sample (<c>[]</c>) or one per step.</summary>
    public Tensor Weights(int batch, ReadOnlySpan<int> weightShape) =>
        Ensure(ref _weights, ref _weightShape, weightShape).For(batch);

    /// <summary>dL/d(output of the loss path), <c>[batch, ...outputShape]</c>.</summary>
    public Tensor LossGradient(int batch, ReadOnlySpan<int> outputShape) =>
        Ensure(ref _lossGradient, ref _lossGradientShape, outputShape).For(batch);

    /// <summary>Drops the references to the caller's tensors, keeping the buffers, before the context is pooled.</summary>
    public void Release()
    {
        foreach (LayerContext layer in Layers)
        {
            layer.Release();
        }
    }

    private static BatchBuffer Ensure(ref BatchBuffer? buffer, ref int[] shape, ReadOnlySpan<int> wanted)
    {
        if (buffer is null || !shape.AsSpan().SequenceEqual(wanted))
        {
            shape = wanted.ToArray();
            buffer = new BatchBuffer(wanted);
        }

        return buffer;
    }
}
