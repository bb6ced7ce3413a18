using LogitNet.Layers;

namespace LogitNet;

public sealed partial class Sequential
{
    private readonly Lock _buildLock = new();
    private ContextPool? _contexts;
    private ModelContext? _trainingContext;

    // Even while no Fit runs, odd while one does; every Fit adds 2. An inference call reads it before and
    // after its pass: a change means the weights moved under it.
    private int _trainingVersion;
    private int _trainingThread;

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
    /// Starts an inference call: refused while Fit runs on another thread. Returns the training version to
    /// hand to <see cref="ExitInference"/>.
    /// </summary>
    private int EnterInference(string operation)
    {
        int version = Volatile.Read(ref _trainingVersion);
        if ((version & 1) != 0 && Volatile.Read(ref _trainingThread) != Environment.CurrentManagedThreadId)
        {
            throw TrainingElsewhere(operation);
        }

        return version;
    }

    /// <summary>Ends an inference call: refused if a Fit on another thread started while it ran.</summary>
    private void ExitInference(int version, string operation)
    {
        // The pass's reads of the weights must not move after this check (Arm reorders loads).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _trainingVersion) != version)
        {
            throw TrainingElsewhere(operation);
        }
    }

    /// <summary>Marks the start of Fit; refuses a second Fit running at the same time.</summary>
    private void EnterTraining()
    {
        int version = Volatile.Read(ref _trainingVersion);
        if ((version & 1) != 0 || Interlocked.CompareExchange(ref _trainingVersion, version + 1, version) != version)
        {
            throw new InvalidOperationException(
                "Fit is already running on this model (on another thread, or Fit was called from one of its own callbacks). A model trains one Fit at a time.");
        }

        Volatile.Write(ref _trainingThread, Environment.CurrentManagedThreadId);
    }

    private void ExitTraining()
    {
        Volatile.Write(ref _trainingThread, 0);
        Interlocked.Increment(ref _trainingVersion);
    }

    private static InvalidOperationException TrainingElsewhere(string operation) =>
        new($"{operation} was called while Fit is training this model on another thread, so the weights change under it. Predict and Evaluate share a model safely with each other, not with training: wait for Fit to return, or predict on a copy (Save and Load it).");

    /// <summary>The state of the training step's mask generator of the dropout layer (Dropout, SpatialDropout1D/2D) at <paramref name="index"/>, or null before its first training pass.</summary>
    internal ulong[]? DropoutGeneratorState(int index) =>
        _layers[index] is IMaskedLayer && _trainingContext is { } context ? MaskGenerator.State(context.Layers[index]) : null;
}
