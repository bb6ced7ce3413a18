namespace LogitNet.Layers;

/// <summary>
/// The random generator a dropout layer draws its masks from, kept in an execution context (one per context,
/// seeded from the layer's <see cref="Layer.Seed"/> on first use). A model's training context keeps it for the
/// whole run and saves its state with the model, so training resumes with the masks it would have drawn.
/// </summary>
internal sealed class MaskGenerator
{
    public RandomSource? Random { get; set; }

    /// <summary>The generator of <paramref name="context"/>, created from <paramref name="seed"/> on first use.</summary>
    public static RandomSource For(LayerContext context, long seed)
    {
        MaskGenerator generator = context.State<MaskGenerator>();
        return generator.Random ??= new RandomSource(seed);
    }

    /// <summary>The generator's state in <paramref name="context"/> (<see cref="RandomSource.GetState"/>), or null before its first training pass.</summary>
    public static ulong[]? State(LayerContext context) => context.ExistingState<MaskGenerator>()?.Random?.GetState();

    /// <summary>Continues the masks in <paramref name="context"/> from a saved generator state.</summary>
    public static void Restore(LayerContext context, RandomSource random) => context.State<MaskGenerator>().Random = random;
}

/// <summary>
/// A layer whose training passes draw random masks from the <see cref="MaskGenerator"/> of their context
/// (<see cref="Dropout"/>, <see cref="SpatialDropout1D"/>, <see cref="SpatialDropout2D"/>): a model saves and
/// restores those generators, and their seeds, the same way for each.
/// </summary>
internal interface IMaskedLayer
{
}
