using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    private readonly Lock _buildLock = new();
    private ContextPool? _contexts;
    private ModelContext? _trainingContext;

    /// <summary>The pool of inference contexts (made when the model is built).</summary>
    private ContextPool Contexts => _contexts ?? throw new InvalidOperationException("The model is not built yet.");

    /// <summary>The training step's context, kept for the model's life so that dropout generators continue across Fit calls.</summary>
    private ModelContext TrainingContext => _trainingContext ??= CreateTrainingContext();

    private ModelContext CreateContext() => new(_layers, _layers[0].InputShape);

    private ModelContext CreateTrainingContext()
    {
        ModelContext context = CreateContext();
        // The first trained layer's dL/d(input) is read by nothing: it is neither computed nor stored.
        for (int i = 0; i < _layers.Count; i++)
        {
            context.Layers[i].NeedsInputGradient = i > _firstTrainedLayer;
        }

        return context;
    }

    /// <summary>Called once the layers are built: contexts are made for these layers and shapes.</summary>
    private void ResetContexts()
    {
        _contexts = new ContextPool(CreateContext);
        _trainingContext = null;
    }

    /// <summary>
    /// Starts an inference call: refused while a Fit on another thread trains one of the model's layers (this model's
    /// Fit, or another model's that shares a layer). Returns the sum of the layers' training versions, to hand to
    /// <see cref="ExitInference"/>.
    /// </summary>
    private long EnterInference(string operation)
    {
        long versions = 0;
        foreach (Layer layer in _layers)
        {
            int version = layer.TrainingVersion;
            if (layer.IsTrainedElsewhere(version))
            {
                throw TrainingElsewhere(operation);
            }

            versions += version;
        }

        return versions;
    }

    /// <summary>Ends an inference call: refused if a Fit on another thread started training one of the layers while it ran.</summary>
    private void ExitInference(long versions, string operation)
    {
        // The pass's reads of the weights must not move after this check (Arm reorders loads).
        Interlocked.MemoryBarrier();
        long now = 0;
        foreach (Layer layer in _layers)
        {
            now += layer.TrainingVersion;
        }

        // A layer's version only grows, so any Fit that trained one of them since EnterInference changed the sum.
        if (now != versions)
        {
            throw TrainingElsewhere(operation);
        }
    }

    /// <summary>Marks the start of Fit on every layer; refuses a second Fit of this model, or of another that shares a layer, running at the same time.</summary>
    private void EnterTraining()
    {
        for (int i = 0; i < _layers.Count; i++)
        {
            if (!_layers[i].TryEnterTraining())
            {
                // Nothing was written yet; the versions move on (never back), so an overlapping inference call may be refused.
                for (int j = 0; j < i; j++)
                {
                    _layers[j].ExitTraining();
                }

                throw new InvalidOperationException(
                    $"Fit is already running on this model, or on another model that shares its layer '{_layers[i].Name}' (on another thread, or Fit was called from one of its own callbacks). A layer trains in one Fit at a time.");
            }
        }
    }

    private void ExitTraining()
    {
        foreach (Layer layer in _layers)
        {
            layer.ExitTraining();
        }
    }

    private static InvalidOperationException TrainingElsewhere(string operation) =>
        new($"{operation} was called while Fit is training this model on another thread (or another model that shares one of its layers), so the weights change under it. Predict and Evaluate share a model safely with each other, not with training: wait for Fit to return, or predict on a copy (Save and Load it).");

    /// <summary>The state of the training step's mask generator of the dropout layer (Dropout, SpatialDropout1D/2D) at <paramref name="index"/>, or null before its first training pass.</summary>
    internal ulong[]? DropoutGeneratorState(int index) =>
        _layers[index] is IMaskedLayer && _trainingContext is { } context ? MaskGenerator.State(context.Layers[index]) : null;
}
