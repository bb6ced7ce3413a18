namespace LogitNet.Kernels;

/// <summary>
/// One batch of a loss computation on spans: the inputs, where to write per-sample values and the
/// gradient, and how to weight and scale them. The contract between a loss and its kernel.
/// </summary>
/// <remarks>
/// The predictions hold <see cref="Samples"/> rows of <see cref="RowLength"/> values. Labels hold
/// <see cref="LabelStride"/> values per sample (the row length for dense targets, 1 for class ids).
/// A kernel returns Σ_s w_s · L_s in double, writes <c>(float)(w_s · L_s)</c> into
/// <see cref="PerSample"/> when it is not empty, and writes <c>(float)(GradientScale · w_s · ∂L_s/∂yPred)</c>
/// into <see cref="Gradient"/> when it is not empty: every output is rounded to float32 once, from double.
/// </remarks>
internal readonly ref struct LossBatch
{
    public LossBatch(
        ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, int samples, int rowLength, int labelStride,
        Span<float> perSample, Span<float> gradient, ReadOnlySpan<float> weights, int samplesPerWeight,
        int firstSample, double gradientScale)
    {
        YTrue = yTrue;
        YPred = yPred;
        Samples = samples;
        RowLength = rowLength;
        LabelStride = labelStride;
        PerSample = perSample;
        Gradient = gradient;
        Weights = weights;
        SamplesPerWeight = samplesPerWeight;
        FirstSample = firstSample;
        GradientScale = gradientScale;
    }

    /// <summary>The labels of these samples: <see cref="LabelStride"/> values each.</summary>
    public ReadOnlySpan<float> YTrue { get; }

    /// <summary>The predictions of these samples: <see cref="RowLength"/> values each.</summary>
    public ReadOnlySpan<float> YPred { get; }

    public int Samples { get; }

    public int RowLength { get; }

    public int LabelStride { get; }

    /// <summary>Where to write each sample's weighted loss; empty when not wanted.</summary>
    public Span<float> PerSample { get; }

    /// <summary>Where to write the gradient, the shape of <see cref="YPred"/>; empty when not wanted.</summary>
    public Span<float> Gradient { get; }

    /// <summary>The sample weights of the whole call (not only this slice); empty for weight 1.</summary>
    public ReadOnlySpan<float> Weights { get; }

    /// <summary>How many consecutive samples share one weight (broadcast over trailing leading axes).</summary>
    public int SamplesPerWeight { get; }

    /// <summary>The index of this slice's first sample in the whole call, to find its weights.</summary>
    public int FirstSample { get; }

    /// <summary>A factor applied to every gradient value before rounding (1, or 1 / count for a mean).</summary>
    public double GradientScale { get; }

    public bool WantsGradient => !Gradient.IsEmpty;

    public bool WantsPerSample => !PerSample.IsEmpty;

    /// <summary>The weight of local sample <paramref name="sample"/> (1 when there are no weights).</summary>
    public double WeightOf(int sample) => Weights.IsEmpty ? 1.0 : Weights[(FirstSample + sample) / SamplesPerWeight];

    /// <summary>Samples <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 of this batch.</summary>
    public LossBatch Slice(int start, int count) => new(
        YTrue.Slice(start * LabelStride, count * LabelStride),
        YPred.Slice(start * RowLength, count * RowLength),
        count, RowLength, LabelStride,
        PerSample.IsEmpty ? default : PerSample.Slice(start, count),
        Gradient.IsEmpty ? default : Gradient.Slice(start * RowLength, count * RowLength),
        Weights, SamplesPerWeight, FirstSample + start, GradientScale);
}
